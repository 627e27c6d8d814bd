// Package testenv decides what tests do when the environment cannot run them.
//
// Tests that need a real kernel feature or privileges call Skip (or one of
// the Require helpers). Locally that skips with the reason. When the
// environment variable StrictEnv is set to a non-empty value (CI sets it),
// the same call fails the test instead, so CI can never go green by skipping.
//
// Every test that reaches the kernel, that is opens a netlink socket of any
// family (even only to see Dial fail), is named TestIntegration*; every other
// test runs against nltest or a fake socket. So
//
//	go test -skip '^TestIntegration' ./...
//
// runs the unit tests alone, as CI does for the other architectures under
// qemu-user (GOARCH=s390x, arm64 with -exec qemu-s390x-static and friends):
// there a netlink socket is qemu's translation of the guest's messages to the
// host's, not the kernel's behaviour, so those tests must not run at all.
package testenv

import (
	"os"
	"runtime"
	"testing"
)

// StrictEnv names the environment variable that turns skips into failures.
const StrictEnv = "NLGO_STRICT"

// UnprivilegedEnv is set by the VM runner for its second pass, which runs
// every test as an unprivileged user on purpose: there, tests that need
// root skip even under StrictEnv, since the root pass runs them.
const UnprivilegedEnv = "NLGO_VM_UNPRIVILEGED"

// Strict reports whether skips are failures in this run.
func Strict() bool { return os.Getenv(StrictEnv) != "" }

// Skip skips the test with reason, or fails it when Strict.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if Strict() {
		t.Fatalf("cannot run here and %s is set: %s", StrictEnv, reason)
	}
	t.Skip(reason)
}

// RequireLinux skips (or fails under Strict) on anything but Linux.
func RequireLinux(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		Skip(t, "needs Linux, running on "+runtime.GOOS)
	}
}

// RequireRoot skips (or fails under Strict) unless running as root on Linux.
func RequireRoot(t testing.TB) {
	t.Helper()
	RequireLinux(t)
	if os.Geteuid() != 0 {
		if os.Getenv(UnprivilegedEnv) != "" {
			t.Skip("needs root; this is the VM's deliberately unprivileged pass")
		}
		Skip(t, "needs root (effective uid 0)")
	}
}
