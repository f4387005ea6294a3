//go:build !unix

package sidecar

import "os"

// tryLock always succeeds where flock does not exist: one process per spool folder.
func tryLock(*os.File) (bool, error) { return true, nil }
