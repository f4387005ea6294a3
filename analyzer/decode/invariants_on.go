//go:build invariants

package decode

// invariants enables expensive self-checks: Pool poisons the buffers it takes back, so a batch
// read after its release shows garbage. Run them with: go test -tags invariants ./analyzer/...
const invariants = true
