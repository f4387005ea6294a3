//go:build invariants

package kll

// invariants enables expensive self-checks after every compaction and merge (Pebble's
// internal/invariants pattern). Run them with: go test -tags invariants ./stats/kll/
const invariants = true
