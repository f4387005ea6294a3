//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sidecar

// processCPUSeconds is not implemented on this platform: the sample is left out.
func processCPUSeconds() (float64, bool) { return 0, false }

// processMaxFDs is not implemented on this platform: the sample is left out.
func processMaxFDs() (float64, bool) { return 0, false }
