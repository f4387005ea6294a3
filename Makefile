# driftwatch — see README.md. Every target works on a fresh machine with only Go installed.
SHELL := /bin/bash
GO ?= go
BIN := bin/driftwatch
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build demo test test-race bench bench-data fmt vet clean report-assets

all: build

# report-assets: Apache ECharts for the HTML report, fetched from the npm registry by pinned version
# and SHA-256 (scripts/fetch-echarts.sh, docs/report.md); git-ignored, embedded by package report.
report-assets:
	./scripts/fetch-echarts.sh

build: report-assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./entrypoint

# demo: a baseline job on the sample data shipped in testdata/demo.
demo: build
	@rm -rf out/demo && mkdir -p out/demo
	./$(BIN) baseline --dataset testdata/demo/housing_sample.csv --format csv --header=true --output out/demo
	@echo
	@echo "Outputs:"
	@echo "  $(CURDIR)/out/demo/statistics.json"
	@echo "  $(CURDIR)/out/demo/constraints.json"
	@echo "Report (open it in a browser):"
	@echo "  $(CURDIR)/out/demo/report.html"

# test: everything CI runs (.ci/run calls this).
test: report-assets
	$(GO) vet ./...
	# The portable paths of the assembly kernels (masks_other.go, sort_other.go, numblock_other.go,
	# words_other.go) build where the assembly does not.
	GOARCH=arm64 $(GO) vet ./analyzer/decode/... ./stats/...
	$(GO) vet -tags purego ./analyzer/decode/... ./stats/...
	# The assembly also assembles for dynamic linking (plugins, -linkshared), where a global
	# variable's read clobbers R15.
	$(GO) build -asmflags=-dynlink ./...
	# The statistics without any AVX-512 kernel (the KLL sort, numBlocks, the typed hashes), end to end.
	$(GO) test -count=1 -tags purego ./stats/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags invariants ./stats/...
	$(GO) test -count=1 -tags invariants -run 'Pool|Housing|SameBytes|Scenario|BadInput|ParseFast' ./analyzer/ ./analyzer/decode/
	$(GO) test -count=1 -race -short ./analyzer/ ./stats/ ./sidecar/
	$(GO) test -count=1 -race -run 'ParseFast|CSV|Masks' ./analyzer/decode/
	scripts/ci-image.sh test --skip-if-missing

# bench: kernel benchmarks, then a whole baseline job on a generated 1 GB CSV (MB/s and peak RSS).
BENCH_CSV ?= /tmp/driftwatch-bench/bench-1g.csv
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./stats/... ./analyzer/...
	@mkdir -p $(dir $(BENCH_CSV))
	@test -s $(BENCH_CSV) || $(GO) run ./internal/datagen -bytes 1000000000 -seed 1 -out $(BENCH_CSV)
	@rm -rf /tmp/driftwatch-bench/out && mkdir -p /tmp/driftwatch-bench/out
	/usr/bin/time -f 'elapsed %e s, peak RSS %M KB' ./$(BIN) baseline --dataset $(BENCH_CSV) --format csv --output /tmp/driftwatch-bench/out
	@echo "input bytes: $$(stat -c %s $(BENCH_CSV))"

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin out

# bench-peers: the baseline job side by side with DuckDB SUMMARIZE and pandas on the same 1 GB CSV
# (and on the same data as Parquet), alternating runs; see bench/peers.sh. Not part of `make test`.
.PHONY: bench-peers
bench-peers:
	BENCH_CSV=$(BENCH_CSV) bench/peers.sh

# image: the FROM scratch container image IMAGE (Dockerfile), its context staged in bin/image/;
# built by docker when a daemon answers, else by buildah with deploy/podman/*.conf.
# image-test: build it in throw-away storage and run real SageMaker-style jobs in it (local mounts,
# and S3 when DRIFTWATCH_TEST_S3_ENDPOINT names a server); needs buildah, podman, runc, uidmap.
IMAGE ?= driftwatch:$(VERSION)
.PHONY: image image-test
image: report-assets
	IMAGE=$(IMAGE) VERSION=$(VERSION) scripts/ci-image.sh build

image-test: report-assets
	VERSION=$(VERSION) scripts/ci-image.sh test

# bench-capture: load test of the data capture sidecar on loopback (internal/capturebench): the
# latency `driftwatch capture` adds at 1,000 req/s with 1 KB bodies (p50…max, against the model
# called directly and a bare ReverseProxy as control, alternating blocks) and closed-loop
# throughput. Bounded: about a minute. Results in
# BENCHMARKS.md ("Data capture sidecar"). Not part of `make test`.
.PHONY: bench-capture
bench-capture: build
	$(GO) run ./internal/capturebench -binary $(BIN)
