# driftwatch container image: the static binary and a CA bundle on an empty base, nothing else.
#
# The build context is staged by `make image` (scripts/ci-image.sh) in bin/image/:
#   driftwatch            CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' ./entrypoint
#   ca-certificates.crt   the host's /etc/ssl/certs/ca-certificates.crt (TLS to S3 and STS)
#   tmp.tar               one empty directory tmp/, mode 1777 (ADD unpacks it with its mode on
#                         every builder, which COPY of a directory does not)
# so the same file builds with `docker build -f Dockerfile bin/image`, `buildah bud` or
# `podman build`, with no base image to pull. A multi-stage variant that compiles inside Docker
# is described in docs/deployment.md.
FROM scratch

ARG VERSION=dev
LABEL org.opencontainers.image.title="driftwatch" \
      org.opencontainers.image.description="SageMaker Model Monitor analyzer-compatible data quality jobs in one static Go binary" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/driftwatch/driftwatch"

# Go finds the bundle at this path on Linux without SSL_CERT_FILE.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY driftwatch /usr/local/bin/driftwatch
# /tmp, writable by any uid, for the staging folder of outputs bound for S3. On a read-only root
# (Kubernetes readOnlyRootFilesystem) mount an emptyDir there; jobs with local outputs write
# only to the mounted /opt/ml/processing/* and /opt/ml/output folders.
ADD tmp.tar /

# Any uid works; 65532 is the conventional "nonroot".
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/driftwatch"]
