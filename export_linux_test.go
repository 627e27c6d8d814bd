//go:build linux

package netlink

import "testing"

// The helpers of nsutil_linux_test.go, exported for the external test
// package netlink_test, whose integration tests use the package through
// its public API only (integration_readside_linux_test.go). This file
// adds names, never behaviour.

// TestNS is a network namespace made for one test (see newTestNS).
type TestNS = testNS

// NewTestNS creates a namespace deleted at Cleanup, skipping the test
// (failing it under NLGO_STRICT) without root or iproute2.
func NewTestNS(t testing.TB) *TestNS {
	t.Helper()
	return newTestNS(t)
}

// Name is the namespace's name, for ip -n.
func (ns *testNS) Name() string { return ns.name }

// Dial dials family inside the namespace and closes the Conn at Cleanup.
func (ns *testNS) Dial(t testing.TB, family int, cfg *Config) *Conn {
	t.Helper()
	return ns.dial(t, family, cfg)
}

// IP runs `ip -n NS args...`, failing the test when it fails.
func (ns *testNS) IP(t testing.TB, args ...string) string {
	t.Helper()
	return ns.ip(t, args...)
}

// TryIP runs `ip -n NS args...` and returns the error, for use off the
// test's goroutine.
func (ns *testNS) TryIP(args ...string) (string, error) { return ns.tryIP(args...) }

// Batch runs `ip -n NS -batch -` with one command per line.
func (ns *testNS) Batch(t testing.TB, lines []string) {
	t.Helper()
	ns.batch(t, lines)
}

// Ifindex returns the index of the link called name.
func (ns *testNS) Ifindex(t testing.TB, name string) int {
	t.Helper()
	return ns.ifindex(t, name)
}

// OpenFDs counts the process's open file descriptors.
func OpenFDs(t testing.TB) int {
	t.Helper()
	return openFDs(t)
}

// SettledGoroutines waits up to a second for the goroutine count to drop
// to at most want, and returns the last count.
func SettledGoroutines(want int) int { return settledGoroutines(want) }

// ServeUsersock answers every request srv receives with what reply
// returns, until Cleanup closes srv.
func ServeUsersock(t testing.TB, srv *Conn, reply func(req Message) []Message) {
	t.Helper()
	serveUsersock(t, srv, reply)
}
