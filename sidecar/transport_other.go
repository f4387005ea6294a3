//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sidecar

// alive cannot check an idle connection here: a request without a body that finds it closed is
// sent again on a new connection (upstreamTransport.RoundTrip).
func (pc *upConn) alive() bool { return true }
