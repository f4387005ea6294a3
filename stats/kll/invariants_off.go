//go:build !invariants

package kll

// invariants is false in normal builds: the checks in invariants.go compile away.
const invariants = false
