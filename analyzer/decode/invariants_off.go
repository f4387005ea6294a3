//go:build !invariants

package decode

const invariants = false
