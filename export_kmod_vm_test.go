//go:build linux && vmtest

package netlink

import "testing"

// The helpers of kmod_vm_test.go, exported for the external test package
// netlink_test, whose kernel-module tests need package genetlink (which
// imports this package, so these tests cannot). Like export_linux_test.go,
// this file adds names, never behaviour.

// KmDial dials family (the module's protocol when family < 0) and closes
// the Conn when the test ends.
func KmDial(t testing.TB, family int, cfg *Config) *Conn {
	t.Helper()
	return kmDial(t, family, cfg)
}

// KmExecErr runs one exchange with a timeout.
func KmExecErr(c *Conn, m Message) ([]Message, error) { return kmExecErr(c, m) }

// KmExec runs one exchange that must succeed.
func KmExec(t testing.TB, c *Conn, m Message) []Message {
	t.Helper()
	return kmExec(t, c, m)
}

// KmRecv receives one datagram that must come.
func KmRecv(t testing.TB, c *Conn) ([]Message, Source) {
	t.Helper()
	return kmRecv(t, c)
}

// KmQuiet checks that nothing arrives on c.
func KmQuiet(t testing.TB, c *Conn, what string) {
	t.Helper()
	kmQuiet(t, c, what)
}
