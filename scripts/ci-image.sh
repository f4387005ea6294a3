#!/usr/bin/env bash
# Build the driftwatch container image and run real jobs in it, the way SageMaker runs it.
#
#   scripts/ci-image.sh build                    stage bin/image/ and build IMAGE (docker when a
#                                                daemon answers, else buildah with deploy/podman/)
#   scripts/ci-image.sh test [--skip-if-missing] build with buildah in throw-away storage, check
#                                                the size, run baseline and monitoring jobs with
#                                                SageMaker's mounts and variables as --user 1000:1000
#                                                on a read-only root, then jobs from and to S3, and
#                                                compare their outputs
#
# Needs buildah, podman, runc and uidmap for `test` (.ci/run installs them); --skip-if-missing
# turns their absence into a skip outside CI (`make test` on a laptop). Variables: IMAGE (tag),
# VERSION, MAX_IMAGE_BYTES, MAX_UNPACKED_BYTES, CONFORMANCE (the golden files' folder),
# DRIFTWATCH_TEST_S3_ENDPOINT (the S3 server for the S3 job; required in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

IMAGE=${IMAGE:-driftwatch:latest}
VERSION=${VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}
CTX=bin/image
# Size limits, in bytes (decimal MB). Issue #4: the image is at most 20 MB unpacked (the size
# `podman image inspect` reports, what a node stores), and so also compressed (as a registry stores
# it and SageMaker, Kubernetes or docker pull it: gzip-compressed layers + manifest + config).
# Nearly all of it is the binary; docs/parquet-choice.md measures what each dependency costs.
MAX_IMAGE_BYTES=${MAX_IMAGE_BYTES:-20000000}
MAX_UNPACKED_BYTES=${MAX_UNPACKED_BYTES:-20000000}
CONFORMANCE=${CONFORMANCE:-$ROOT/../shared/conformance}
HOUSING=$CONFORMANCE/aai540-scottreidux-housing
SCENARIOS=$ROOT/analyzer/testdata/scenarios

log() { printf 'ci-image: %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# stage writes the build context: the static binary, the CA bundle, /tmp and the Dockerfile.
stage() {
	rm -rf "$CTX" && mkdir -p "$CTX/rootfs/tmp"
	./scripts/fetch-echarts.sh # the report's embedded asset (make report-assets)
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$CTX/driftwatch" ./entrypoint
	cp /etc/ssl/certs/ca-certificates.crt "$CTX/ca-certificates.crt"
	chmod 1777 "$CTX/rootfs/tmp"
	tar -C "$CTX/rootfs" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$CTX/tmp.tar" tmp
	rm -rf "$CTX/rootfs"
	cp Dockerfile "$CTX/Dockerfile"
	log "context $CTX: $(du -sh "$CTX" | cut -f1) (binary $(stat -c %s "$CTX/driftwatch") bytes)"
}

use_podman_conf() {
	export CONTAINERS_CONF=$ROOT/deploy/podman/containers.conf
	export CONTAINERS_STORAGE_CONF=$ROOT/deploy/podman/storage.conf
}

cmd_build() {
	stage
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		docker build --build-arg "VERSION=$VERSION" -t "$IMAGE" -f "$CTX/Dockerfile" "$CTX"
		log "built $IMAGE with docker: $(docker image inspect --format '{{.Size}}' "$IMAGE") bytes"
	elif command -v buildah >/dev/null; then
		use_podman_conf
		buildah bud --isolation chroot --build-arg "VERSION=$VERSION" -t "$IMAGE" -f "$CTX/Dockerfile" "$CTX"
		log "built $IMAGE with buildah: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes"
		log "run it with: CONTAINERS_CONF=$CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF podman run --rm $IMAGE version"
	else
		die "neither a Docker daemon nor buildah: install buildah (apt-get install buildah podman runc uidmap) or start Docker"
	fi
}

# ---- test ---------------------------------------------------------------------------------------

TMP=
cleanup() {
	if [[ -n $TMP ]]; then
		rm -rf "$TMP" || true
	fi
}

# pm runs podman/buildah on the throw-away storage.
pm() { local tool=$1; shift; "$tool" --root "$TMP/storage" --runroot "$TMP/run" "$@"; }

# job NAME EXPECTED_EXIT PODMAN_RUN_ARGS... [-- ARGS...] runs the image once as uid 1000 (with ARGS
# after the image, none in container mode) and checks its exit code. The root filesystem is read-only without even a tmpfs (ROOTFS=ro, the default: local jobs
# need no writable path of the image), read-only with a tmpfs on /tmp (ROOTFS=ro-tmp, Kubernetes'
# readOnlyRootFilesystem with an emptyDir) or writable (ROOTFS=rw, docker run and SageMaker).
job() {
	local name=$1 want=$2 code=0 rootfs=() opts=() args=()
	shift 2
	while (($#)) && [[ $1 != -- ]]; do opts+=("$1") && shift; done
	(($#)) && shift && args=("$@")
	case ${ROOTFS:-ro} in
	ro) rootfs=(--read-only --read-only-tmpfs=false) ;;
	ro-tmp) rootfs=(--read-only --read-only-tmpfs=false --tmpfs /tmp:rw,mode=1777) ;;
	rw) rootfs=() ;;
	esac
	log "job $name (root filesystem ${ROOTFS:-ro})"
	pm podman run --rm "${rootfs[@]}" --user 1000:1000 "${opts[@]}" "$TEST_IMAGE" "${args[@]}" >"$TMP/$name.log" 2>&1 || code=$?
	if [[ $code != "$want" ]]; then
		cat "$TMP/$name.log" >&2
		die "job $name exited $code, want $want"
	fi
}

# workdir NAME makes the host folders SageMaker would mount, writable by uid 1000.
workdir() {
	local w=$TMP/jobs/$1
	mkdir -p "$w/input" "$w/output" "$w/ml_output" "$w/config"
	chown 1000:1000 "$w/output" "$w/ml_output"
	echo "$w"
}

expect_message() { # FILE WANT
	local got
	got=$(cat "$1" 2>/dev/null || echo "<no message file>")
	[[ $got == "$2" ]] || die "message file $1: got '$got', want '$2'"
}

cmd_test() {
	local skip_if_missing=${1:-}
	local tool missing=()
	for tool in buildah podman runc; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	if ((${#missing[@]})); then
		if [[ $skip_if_missing == --skip-if-missing && ${CI:-} != true ]]; then
			log "SKIP: image test needs ${missing[*]} (apt-get install buildah podman runc uidmap; .ci/run does)"
			return 0
		fi
		die "missing ${missing[*]}: apt-get install buildah podman runc uidmap"
	fi
	use_podman_conf
	TMP=$(mktemp -d /tmp/driftwatch-image.XXXXXX)
	chmod 755 "$TMP"
	trap cleanup EXIT
	TEST_IMAGE=localhost/driftwatch:ci-$$

	stage
	pm buildah bud --isolation chroot --build-arg "VERSION=$VERSION" -t "$TEST_IMAGE" -f "$CTX/Dockerfile" "$CTX" >"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log" >&2; die "buildah bud failed"; }
	local size packed
	size=$(pm podman image inspect --format '{{.Size}}' "$TEST_IMAGE")
	pm podman save --quiet --format docker-dir --compress -o "$TMP/saved" "$TEST_IMAGE"
	packed=$(find "$TMP/saved" -type f ! -name version -printf '%s\n' | awk '{s += $1} END {print s}')
	IMAGE_SIZE="$packed bytes compressed (as pushed and pulled), $size bytes unpacked"
	log "image size: $IMAGE_SIZE; limits $MAX_IMAGE_BYTES compressed, $MAX_UNPACKED_BYTES unpacked"
	((packed <= MAX_IMAGE_BYTES)) || die "image is $packed bytes compressed, over $MAX_IMAGE_BYTES"
	((size <= MAX_UNPACKED_BYTES)) || die "image is $size bytes unpacked, over $MAX_UNPACKED_BYTES (what each dependency costs: docs/parquet-choice.md)"
	local cfg
	cfg=$(pm podman image inspect --format '{{.Config.User}} {{json .Config.Entrypoint}}' "$TEST_IMAGE")
	[[ $cfg == '65532:65532 ["/usr/local/bin/driftwatch"]' ]] || die "image config: user and entrypoint are '$cfg'"

	job_baseline
	job_monitoring
	job_bad_config
	job_s3
	log "OK: image $IMAGE_SIZE; baseline, monitoring, S3 and failure jobs passed"
}

# (a) A baseline job on the housing data, mounted and configured as SageMaker's
# ProcessingInput/ProcessingOutput and Environment do: outputs byte for byte the real container's.
job_baseline() {
	if [[ ! -d $HOUSING ]]; then
		[[ ${CI:-} == true ]] && die "golden files $HOUSING missing in CI"
		log "SKIP baseline job: golden files $HOUSING not found (shared/ beside the checkout)"
		return 0
	fi
	local w
	w=$(workdir baseline)
	cp "$HOUSING/train_data.csv" "$w/input/"
	local format='{"csv": {"header": true, "output_columns_position": "START"}}'
	# SageMaker also writes the Environment into /opt/ml/config/processingjobconfig.json.
	cat >"$w/config/processingjobconfig.json" <<-'EOF'
		{"ProcessingJobName": "driftwatch-ci-baseline",
		 "Environment": {"dataset_format": "{\"csv\": {\"header\": true, \"output_columns_position\": \"START\"}}",
		                 "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
		                 "output_path": "/opt/ml/processing/output",
		                 "publish_cloudwatch_metrics": "Disabled"}}
	EOF
	job baseline 0 \
		-v "$w/input:/opt/ml/processing/input/baseline_dataset_input:ro" \
		-v "$w/output:/opt/ml/processing/output" \
		-v "$w/ml_output:/opt/ml/output" \
		-v "$w/config:/opt/ml/config:ro" \
		-e dataset_source=/opt/ml/processing/input/baseline_dataset_input \
		-e "dataset_format=$format" \
		-e output_path=/opt/ml/processing/output \
		-e publish_cloudwatch_metrics=Disabled
	local f
	for f in statistics.json constraints.json; do
		cmp "$w/output/$f" "$HOUSING/$f" || die "$f differs from the real container's ($HOUSING/$f)"
		[[ $(stat -c %u "$w/output/$f") == 1000 ]] || die "$f not written by uid 1000"
	done
	expect_message "$w/ml_output/message" "Completed: Job completed successfully with no violations."
}

# (c) Monitoring jobs on endpoint capture, mounted where SageMaker's model monitor puts it:
# capture under /opt/ml/processing/input/endpoint, the baseline under /opt/ml/processing/baseline,
# results to /opt/ml/processing/resultdata, CloudWatch metrics under /opt/ml/output.
job_monitoring() {
	local b
	b=$(workdir monitor-baseline)
	cp "$SCENARIOS/baseline.csv" "$b/input/"
	job monitor-baseline 0 \
		-v "$b/input:/opt/ml/processing/input/baseline_dataset_input:ro" \
		-v "$b/output:/opt/ml/processing/output" -v "$b/ml_output:/opt/ml/output" \
		-e dataset_source=/opt/ml/processing/input/baseline_dataset_input \
		-e 'dataset_format={"csv": {"header": true}}' -e output_path=/opt/ml/processing/output
	mkdir -p "$b/constraints" "$b/stats"
	cp "$b/output/constraints.json" "$b/constraints/"
	cp "$b/output/statistics.json" "$b/stats/"

	local scenario window want w
	for scenario in numeric_drift clean; do
		w=$(workdir "monitor-$scenario")
		if [[ $scenario == numeric_drift ]]; then
			# An explicit window, as SageMaker passes it.
			window=(-e start_time=2026-11-01T10:00:00Z -e end_time=2026-11-01T11:00:00Z -e metric_time=2026-11-01T10:00:00Z)
			want="CompletedWithViolations: Job completed successfully with 1 violations."
		else
			# The window a plain scheduler gets: the previous full hour of the run at 11:05.
			window=(-e DRIFTWATCH_WINDOW=previous-hour -e DRIFTWATCH_NOW=2026-11-01T11:05:00Z)
			want="Completed: Job completed successfully with no violations."
		fi
		job "monitor-$scenario" 0 \
			-v "$SCENARIOS/$scenario/capture:/opt/ml/processing/input/endpoint:ro" \
			-v "$b/constraints:/opt/ml/processing/baseline/constraints:ro" \
			-v "$b/stats:/opt/ml/processing/baseline/stats:ro" \
			-v "$w/output:/opt/ml/processing/resultdata" -v "$w/ml_output:/opt/ml/output" \
			-e dataset_source=/opt/ml/processing/input/endpoint \
			-e 'dataset_format={"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}' \
			-e output_path=/opt/ml/processing/resultdata \
			-e baseline_constraints=/opt/ml/processing/baseline/constraints/constraints.json \
			-e baseline_statistics=/opt/ml/processing/baseline/stats/statistics.json \
			-e sagemaker_endpoint_name=ep -e sagemaker_monitoring_schedule_name=ci-schedule \
			-e publish_cloudwatch_metrics=Enabled "${window[@]}"
		expect_message "$w/ml_output/message" "$want"
		[[ -s $w/output/statistics.json && -s $w/output/constraint_violations.json ]] || die "monitor-$scenario: outputs missing"
		[[ -n $(find "$w/ml_output/metrics/cloudwatch" -type f -size +0 2>/dev/null) ]] || die "monitor-$scenario: no CloudWatch metrics under /opt/ml/output/metrics/cloudwatch"
	done
	grep -q '"constraint_check_type" : "baseline_drift_check"' "$TMP/jobs/monitor-numeric_drift/output/constraint_violations.json" ||
		die "monitor-numeric_drift: no baseline_drift_check violation"
}

# A configuration error: exit code 2 and an Error: message, nothing else written.
job_bad_config() {
	local w
	w=$(workdir bad-config)
	job bad-config 2 -v "$w/output:/opt/ml/processing/output" -v "$w/ml_output:/opt/ml/output" \
		-e dataset_source=/opt/ml/processing/input/none -e 'dataset_format={"xml": {}}' -e output_path=/opt/ml/processing/output
	grep -q '^Error' "$w/ml_output/message" || die "bad-config: message $(cat "$w/ml_output/message" 2>/dev/null) does not start with Error"
	[[ -z $(ls -A "$w/output") ]] || die "bad-config: outputs written: $(ls "$w/output")"
}

# (b) Jobs entirely from and to S3 inside the image, against the S3 server .ci/run starts
# (DRIFTWATCH_TEST_S3_ENDPOINT, reached with --network=host): a baseline job (outputs byte for byte
# the real container's), a monitoring job over a capture tree with a derived window and the
# execution layout, `driftwatch executions` over it, and a wrong secret (Failed, exit 1, a message
# naming the bucket and not the secret). Fixtures go up with curl's SigV4 signing.
s3() { curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" -u "$S3_KEY:$S3_SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

job_s3() {
	if [[ -z ${DRIFTWATCH_TEST_S3_ENDPOINT:-} ]]; then
		[[ ${CI:-} == true ]] && die "DRIFTWATCH_TEST_S3_ENDPOINT is unset in CI: .ci/run must start versitygw"
		log "SKIP S3 jobs: DRIFTWATCH_TEST_S3_ENDPOINT unset (start versitygw as .ci/run does)"
		return 0
	fi
	[[ -d $HOUSING ]] || die "golden files $HOUSING missing"
	command -v curl >/dev/null || die "curl is needed to upload the S3 fixtures"
	local ep=$DRIFTWATCH_TEST_S3_ENDPOINT
	S3_KEY=${DRIFTWATCH_TEST_S3_ACCESS_KEY:-testkey} S3_SECRET=${DRIFTWATCH_TEST_S3_SECRET_KEY:-testsecret}
	local bucket=dw-image-$$-$RANDOM
	s3 -X PUT "$ep/$bucket" >/dev/null
	s3 -T "$HOUSING/train_data.csv" "$ep/$bucket/baseline/input/train_data.csv" >/dev/null
	local b=$TMP/jobs/monitor-baseline/output capture
	s3 -T "$b/constraints.json" "$ep/$bucket/baseline/scenario/constraints.json" >/dev/null
	s3 -T "$b/statistics.json" "$ep/$bucket/baseline/scenario/statistics.json" >/dev/null
	capture=$(cd "$SCENARIOS/numeric_drift/capture" && find . -type f | sed 's|^\./||')
	local f
	for f in $capture; do
		s3 -T "$SCENARIOS/numeric_drift/capture/$f" "$ep/$bucket/capture/$f" >/dev/null
	done
	local aws=(--network=host -e "AWS_ENDPOINT_URL_S3=$ep" -e "AWS_ACCESS_KEY_ID=$S3_KEY" -e AWS_REGION=us-east-1)

	# Baseline: S3 in, S3 out, on a writable root (docker run, SageMaker) using the image's /tmp.
	local w
	w=$(workdir s3-baseline)
	ROOTFS=rw job s3-baseline 0 "${aws[@]}" -e "AWS_SECRET_ACCESS_KEY=$S3_SECRET" -v "$w/ml_output:/opt/ml/output" \
		-e "dataset_source=s3://$bucket/baseline/input" -e 'dataset_format={"csv": {"header": true}}' \
		-e "output_path=s3://$bucket/baseline/output"
	for f in statistics.json constraints.json; do
		s3 -o "$w/$f" "$ep/$bucket/baseline/output/$f"
		cmp "$w/$f" "$HOUSING/$f" || die "S3 baseline job: $f differs from the real container's"
	done
	expect_message "$w/ml_output/message" "Completed: Job completed successfully with no violations."

	# Monitoring: capture tree on S3, window derived as a plain scheduler would, execution layout;
	# read-only root with a tmpfs on /tmp, as the Kubernetes CronJob runs it.
	w=$(workdir s3-monitor)
	ROOTFS=ro-tmp job s3-monitor 0 "${aws[@]}" -e "AWS_SECRET_ACCESS_KEY=$S3_SECRET" -v "$w/ml_output:/opt/ml/output" \
		-e "dataset_source=s3://$bucket/capture" \
		-e 'dataset_format={"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}' \
		-e "baseline_constraints=s3://$bucket/baseline/scenario/constraints.json" \
		-e "baseline_statistics=s3://$bucket/baseline/scenario/statistics.json" \
		-e "output_path=s3://$bucket/monitoring" -e sagemaker_endpoint_name=ep -e sagemaker_monitoring_schedule_name=hourly \
		-e DRIFTWATCH_WINDOW=previous-hour -e DRIFTWATCH_NOW=2026-11-01T11:05:00Z -e DRIFTWATCH_EXECUTION_LAYOUT=sagemaker
	expect_message "$w/ml_output/message" "CompletedWithViolations: Job completed successfully with 1 violations."
	local exec_prefix=$ep/$bucket/monitoring/ep/hourly/2026/11/01/11
	s3 -o "$w/constraint_violations.json" "$exec_prefix/constraint_violations.json"
	grep -q '"constraint_check_type" : "baseline_drift_check"' "$w/constraint_violations.json" || die "S3 monitoring job: no baseline_drift_check violation"
	s3 -o "$w/execution.json" "$exec_prefix/execution.json"
	grep -q '"status": *"CompletedWithViolations"' "$w/execution.json" || die "S3 monitoring job: execution record $(cat "$w/execution.json")"
	ROOTFS=ro job s3-executions 0 "${aws[@]}" -e "AWS_SECRET_ACCESS_KEY=$S3_SECRET" -- executions --output "s3://$bucket/monitoring" --json
	grep -q CompletedWithViolations "$TMP/s3-executions.log" || die "driftwatch executions over S3: $(cat "$TMP/s3-executions.log")"

	# A wrong secret: Failed, exit 1, the bucket named, the secret nowhere.
	local wrong=wrong-secret-0123456789abcdef
	w=$(workdir s3-wrong-secret)
	ROOTFS=rw job s3-wrong-secret 1 "${aws[@]}" -e "AWS_SECRET_ACCESS_KEY=$wrong" -v "$w/ml_output:/opt/ml/output" \
		-e "dataset_source=s3://$bucket/baseline/input" -e 'dataset_format={"csv": {"header": true}}' \
		-e "output_path=s3://$bucket/baseline/output-wrong"
	grep -q "^Error.*s3://$bucket" "$w/ml_output/message" || die "S3 wrong secret: message '$(cat "$w/ml_output/message")' does not name the bucket"
	! grep -q "$wrong" "$w/ml_output/message" "$TMP/s3-wrong-secret.log" || die "S3 wrong secret: the secret was printed"
	! s3 -o /dev/null "$ep/$bucket/baseline/output-wrong/statistics.json" 2>/dev/null || die "S3 wrong secret: outputs were written"
}

case ${1:-} in
build) cmd_build ;;
test) cmd_test "${2:-}" ;;
*)
	sed -n '2,14p' "$0" >&2
	exit 2
	;;
esac
