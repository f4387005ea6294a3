#!/usr/bin/env bash
# bench/peers.sh — `make bench-peers` (issue #6): driftwatch's baseline job side by side with DuckDB
# SUMMARIZE and pandas (read_csv + describe + value_counts) on the same generated CSV, with
# alternating runs so that the machine's (shared, noisy) load hits every tool alike. Also times
# driftwatch on the same data as Parquet (written once by DuckDB) against the CSV, per row.
#
# Every run is under `/usr/bin/time -f '%e %M %U %S'` (wall seconds, peak RSS KB, user and system
# CPU seconds: CPU time is less disturbed by other load than wall time, so it is recorded too); the
# load average from /proc/loadavg is recorded before and after each run. Raw rows go to $WORK/runs.tsv, the summary
# (medians, minima, ratios computed within this run) to stdout and $WORK/summary.txt.
#
# Environment: BENCH_CSV (default /tmp/driftwatch-bench/bench-1g.csv), BENCH_BYTES (1000000000),
# ROUNDS (3, all-core rounds for driftwatch, DuckDB and driftwatch-on-Parquet), PANDAS_ROUNDS (2),
# THREADS (all cores, nproc), SCALING (1: also one 1-thread round of driftwatch and DuckDB),
# WORK (/tmp/driftwatch-bench/peers), GO (go).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

GO=${GO:-go}
BENCH_CSV=${BENCH_CSV:-/tmp/driftwatch-bench/bench-1g.csv}
BENCH_BYTES=${BENCH_BYTES:-1000000000}
ROUNDS=${ROUNDS:-3}
PANDAS_ROUNDS=${PANDAS_ROUNDS:-2}
THREADS=${THREADS:-$(nproc)}
SCALING=${SCALING:-1}
WORK=${WORK:-/tmp/driftwatch-bench/peers}
PARQUET=${BENCH_PARQUET:-${BENCH_CSV%.csv}.parquet}
PY=/usr/bin/python3 # Debian's interpreter, where python3-pandas is installed

log() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		log "peers: missing $*; install the Debian packages: apt-get install -y $*"
		exit 1
	fi
	log "peers: apt-get install -y $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
[ -x /usr/bin/time ] || apt_install time
"$PY" -c 'import pandas' 2>/dev/null || apt_install python3-pandas python3-scipy

log "peers: make build"
make -s build
DRIFTWATCH=$ROOT/bin/driftwatch
log "peers: building bench/bin/duckdb (separate module, cgo)"
(cd bench && CGO_ENABLED=1 "$GO" build -o bin/duckdb ./duckdb)
DUCKDB=$ROOT/bench/bin/duckdb

# --- data --------------------------------------------------------------------------------------
mkdir -p "$(dirname "$BENCH_CSV")" "$WORK"
if [ ! -s "$BENCH_CSV" ]; then
	log "peers: generating $BENCH_CSV"
	"$GO" run ./internal/datagen -bytes "$BENCH_BYTES" -seed 1 -out "$BENCH_CSV"
fi
if [ ! -s "$PARQUET" ] || [ "$PARQUET" -ot "$BENCH_CSV" ]; then
	log "peers: writing $PARQUET (DuckDB COPY ... TO parquet)"
	"$DUCKDB" -threads "$THREADS" -to-parquet "$PARQUET.tmp" "$BENCH_CSV" >&2
	mv "$PARQUET.tmp" "$PARQUET"
fi
CSV_BYTES=$(stat -c %s "$BENCH_CSV")
PQ_BYTES=$(stat -c %s "$PARQUET")
ROWS=$(($(wc -l <"$BENCH_CSV") - 1)) # datagen writes one header line and no quoted newlines
cat "$BENCH_CSV" "$PARQUET" >/dev/null # every tool starts from a warm page cache

# --- runs --------------------------------------------------------------------------------------
RUNS=$WORK/runs.tsv
printf 'seq\ttool\tinput\tthreads\twall_s\trss_kb\tcpu_s\tload_before\tload_after\ttool_says\n' >"$RUNS"
seq=0

# measure TOOL INPUT THREADS -- COMMAND...: one run under /usr/bin/time, one row in $RUNS.
measure() {
	local tool=$1 input=$2 threads=$3
	shift 4
	seq=$((seq + 1))
	local lb la tf of
	tf=$WORK/time.$seq
	of=$WORK/stdout.$seq
	lb=$(cut -d' ' -f1-3 /proc/loadavg)
	if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$of" 2>"$WORK/stderr.$seq"; then
		log "peers: run $seq ($tool $input threads=$threads) failed:"
		cat "$WORK/stderr.$seq" >&2
		exit 1
	fi
	la=$(cut -d' ' -f1-3 /proc/loadavg)
	local wall rss usr sys cpu says
	read -r wall rss usr sys < <(tail -n1 "$tf")
	cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	says=$(grep -h '^elapsed' "$of" | head -n1 || true)
	printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seq" "$tool" "$input" "$threads" "$wall" "$rss" \
		"$cpu" "$lb" "$la" "$says" >>"$RUNS"
	log "$(printf 'peers: #%-2d %-10s %-7s threads=%s  %7ss  %8s KB  cpu %7ss  load %s -> %s' \
		"$seq" "$tool" "$input" "$threads" "$wall" "$rss" "$cpu" "$lb" "$la")"
}

driftwatch_run() { # INPUT(csv|parquet) THREADS
	local out=$WORK/out-$1-$2
	rm -rf "$out" && mkdir -p "$out"
	local file=$BENCH_CSV
	[ "$1" = parquet ] && file=$PARQUET
	measure driftwatch "$1" "$2" -- env GOMAXPROCS="$2" "$DRIFTWATCH" baseline \
		--dataset "$file" --format "$1" --output "$out"
}
duckdb_run() { measure duckdb csv "$1" -- "$DUCKDB" -threads "$1" "$BENCH_CSV"; }
pandas_run() { measure pandas csv 1 -- "$PY" bench/pandas_profile.py "$BENCH_CSV"; }

START=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
for r in $(seq 1 "$ROUNDS"); do
	log "peers: round $r/$ROUNDS"
	driftwatch_run csv "$THREADS"
	duckdb_run "$THREADS"
	[ "$r" -le "$PANDAS_ROUNDS" ] && pandas_run
	driftwatch_run parquet "$THREADS"
done
if [ "$SCALING" = 1 ] && [ "$THREADS" != 1 ]; then
	log "peers: 1-thread round"
	driftwatch_run csv 1
	duckdb_run 1
	if cmp -s "$WORK/out-csv-1/statistics.json" "$WORK/out-csv-$THREADS/statistics.json" &&
		cmp -s "$WORK/out-csv-1/constraints.json" "$WORK/out-csv-$THREADS/constraints.json"; then
		SAME="identical"
	else
		SAME="DIFFERENT"
	fi
fi
END=$(date -u '+%Y-%m-%dT%H:%M:%SZ')

# --- summary -----------------------------------------------------------------------------------
# col_stats TOOL INPUT THREADS FIELD: "n median min" of column FIELD (5 = wall, 6 = RSS KB, 7 = CPU s).
col_stats() {
	awk -F'\t' -v t="$1" -v i="$2" -v th="$3" -v f="$4" \
		'NR > 1 && $2 == t && $3 == i && $4 == th { print $f }' "$RUNS" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "0 - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print NR, m, v[1] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2fx", a / b; else printf "-" }'; }

summary() {
	echo "bench-peers: $START .. $END (UTC)"
	echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sm)"
	echo "tools: $("$DRIFTWATCH" version 2>/dev/null || git describe --always --dirty), $("$GO" version | cut -d' ' -f3), $("$DUCKDB" -version), pandas $("$PY" -c 'import pandas; print(pandas.__version__)')"
	echo "input: $BENCH_CSV ($CSV_BYTES bytes, $ROWS rows); $PARQUET ($PQ_BYTES bytes)"
	echo
	echo "raw runs ($RUNS):"
	column -t -s $'\t' "$RUNS" 2>/dev/null || cat "$RUNS"
	echo
	printf '%-34s %4s %10s %8s %10s %10s %10s\n' "tool (input, threads)" runs "median s" "min s" "med CPU s" \
		"med RSS MB" "max RSS MB"
	local key tool input th
	for key in "driftwatch csv $THREADS" "duckdb csv $THREADS" "pandas csv 1" "driftwatch parquet $THREADS" \
		"driftwatch csv 1" "duckdb csv 1"; do
		read -r tool input th <<<"$key"
		read -r n med min <<<"$(col_stats "$tool" "$input" "$th" 5)"
		[ "$n" = 0 ] && continue
		read -r _ rmed _ <<<"$(col_stats "$tool" "$input" "$th" 6)"
		read -r _ cmed _ <<<"$(col_stats "$tool" "$input" "$th" 7)"
		local rmax
		rmax=$(awk -F'\t' -v t="$tool" -v i="$input" -v th="$th" \
			'NR > 1 && $2 == t && $3 == i && $4 == th && $6 > m { m = $6 } END { print m }' "$RUNS")
		printf '%-34s %4s %10.2f %8.2f %10.2f %10.0f %10.0f\n' "$tool ($input, $th)" "$n" "$med" "$min" "$cmed" \
			"$(awk -v k="$rmed" 'BEGIN { print k / 1024 }')" "$(awk -v k="$rmax" 'BEGIN { print k / 1024 }')"
	done
	echo
	local dwm dwn ddm ddn pdm pdn pqm pqn
	read -r _ dwm dwn <<<"$(col_stats driftwatch csv "$THREADS" 5)"
	read -r _ ddm ddn <<<"$(col_stats duckdb csv "$THREADS" 5)"
	read -r _ pdm pdn <<<"$(col_stats pandas csv 1 5)"
	read -r _ pqm pqn <<<"$(col_stats driftwatch parquet "$THREADS" 5)"
	local dwc ddc pdc pqc
	read -r _ dwc _ <<<"$(col_stats driftwatch csv "$THREADS" 7)"
	read -r _ ddc _ <<<"$(col_stats duckdb csv "$THREADS" 7)"
	read -r _ pdc _ <<<"$(col_stats pandas csv 1 7)"
	read -r _ pqc _ <<<"$(col_stats driftwatch parquet "$THREADS" 7)"
	echo "ratios (this run; > 1 means driftwatch is faster): wall median/median, wall min/min, CPU median/median:"
	echo "  DuckDB/driftwatch   $(ratio "$ddm" "$dwm")  $(ratio "$ddn" "$dwn")  $(ratio "$ddc" "$dwc")   (target >= 10x)"
	echo "  pandas/driftwatch   $(ratio "$pdm" "$dwm")  $(ratio "$pdn" "$dwn")  $(ratio "$pdc" "$dwc")   (target >= 30x)"
	echo "  CSV/Parquet (driftwatch, same $ROWS rows)  $(ratio "$dwm" "$pqm")  $(ratio "$dwn" "$pqn")  $(ratio "$dwc" "$pqc")   (target > 1x)"
	echo "  per row: CSV $(awk -v s="$dwm" -v r="$ROWS" 'BEGIN { printf "%.0f", s * 1e9 / r }') ns, Parquet $(awk -v s="$pqm" -v r="$ROWS" 'BEGIN { printf "%.0f", s * 1e9 / r }') ns (medians)"
	if [ -n "${SAME:-}" ]; then
		local d1 dd1
		read -r _ d1 _ <<<"$(col_stats driftwatch csv 1 5)"
		read -r _ dd1 _ <<<"$(col_stats duckdb csv 1 5)"
		echo "scaling 1 -> $THREADS threads (1-thread run / all-core median):" \
			"driftwatch $(ratio "$d1" "$dwm"), DuckDB $(ratio "$dd1" "$ddm");" \
			"driftwatch outputs at 1 and $THREADS threads: $SAME"
	fi
}
summary | tee "$WORK/summary.txt"
