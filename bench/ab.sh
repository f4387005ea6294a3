#!/usr/bin/env bash
# bench/ab.sh — alternating whole-job runs of several driftwatch binaries on one dataset, for A/B
# comparisons on a noisy machine: ROUNDS rounds, each running every binary once in turn (so a slow
# spell of the host hits all of them), `baseline --report=false` under /usr/bin/time; prints per
# binary the minimum and median of wall and CPU (user + sys) seconds and the peak RSS, and checks
# that every binary wrote the same statistics.json and constraints.json.
#
#	bench/ab.sh 5 /tmp/dwb/1g.csv /tmp/dw-old bin/driftwatch
#	AB_ARGS='--format parquet' bench/ab.sh 5 /tmp/dwb/1g.parquet /tmp/dw-old bin/driftwatch
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ROUNDS DATASET BINARY..." >&2; exit 2; }
rounds=$1 dataset=$2
shift 2
work=$(mktemp -d /tmp/driftwatch-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
	i=0
	for b in "$@"; do
		i=$((i + 1))
		rm -rf "$work/out$i"
		/usr/bin/time -f "$i $b %e %U %S %M" -a -o "$work/runs" \
			"$b" baseline --dataset "$dataset" --output "$work/out$i" --report=false ${AB_ARGS:-} >/dev/null 2>&1
	done
done
awk '{ k = $1; name[k] = $2; wall[k] = wall[k] " " $3; cpu[k] = cpu[k] " " ($4 + $5); if ($6 > rss[k]) rss[k] = $6 }
function stats(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return sprintf("min %.2f med %.2f", a[1], (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
END { for (k = 1; k in name; k++) printf "%-28s wall %s  cpu %s  rss max %d MB  (%d rounds)\n", name[k], stats(wall[k]), stats(cpu[k]), rss[k] / 1024, split(wall[k], x, " ") }' "$work/runs"
for i in $(seq 2 $#); do
	for f in statistics.json constraints.json; do
		cmp -s "$work/out1/$f" "$work/out$i/$f" || echo "ab: $f of binary $i differs from binary 1's" >&2
	done
done
