//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sidecar

import "syscall"

// alive reports whether an idle upstream connection can be reused: nothing to read on it, not
// even the end of the stream (the model closed it while it was idle). One non-blocking peek.
func (pc *upConn) alive() bool {
	if pc.raw == nil {
		return true
	}
	ok := false
	var b [1]byte
	err := pc.raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ok = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK // no data: open and quiet
		return true
	})
	return err == nil && ok
}
