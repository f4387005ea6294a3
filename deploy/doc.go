// Package deploy holds the deployment files of driftwatch (Kubernetes manifests in kubernetes/,
// buildah/podman configuration in podman/) and the tests that check them: every manifest is
// decoded strictly into the Kubernetes API types and its job configuration is validated by the
// analyzer itself, so a typo or a stale variable fails `go test` instead of a cluster.
package deploy
