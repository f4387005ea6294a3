//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sidecar

import "syscall"

// processCPUSeconds returns the process's user plus system CPU time, from getrusage(2).
func processCPUSeconds() (float64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime), true
}

// processMaxFDs returns the soft limit on open file descriptors, from getrlimit(2).
func processMaxFDs() (float64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	return float64(rl.Cur), true
}
