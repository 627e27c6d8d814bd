//go:build linux

package netlink

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// newSocket creates a non-blocking, close-on-exec netlink socket, inside
// the network namespace ns when it is not 0.
func newSocket(family, ns int) (int, error) {
	create := func() (int, error) {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, family)
		return fd, os.NewSyscallError("socket", err)
	}
	if ns == 0 {
		return create()
	}
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread is locked for the whole goroutine. If it cannot be
		// moved back to its namespace it stays locked, so the runtime
		// destroys it when this goroutine exits.
		runtime.LockOSThread()
		fd, err, restored := createInNetNS(ns, create)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// createInNetNS switches the locked thread to ns, runs create, and switches
// back. restored is false when the thread may be left in ns.
func createInNetNS(ns int, create func() (int, error)) (fd int, err error, restored bool) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("open", err), true
	}
	defer unix.Close(orig)
	if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
		return -1, os.NewSyscallError("setns", err), true
	}
	fd, err = create()
	if rerr := unix.Setns(orig, unix.CLONE_NEWNET); rerr != nil {
		return fd, err, false
	}
	return fd, err, true
}

// OpenNetNS opens a network namespace for Config.NetNS: a name as created
// by `ip netns add NAME` (looked up in /run/netns), or a path such as
// /proc/PID/ns/net. The caller closes the file after Dial.
func OpenNetNS(nameOrPath string) (*os.File, error) {
	path := nameOrPath
	if !containsSlash(path) {
		path = "/run/netns/" + path
	}
	return os.Open(path)
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}
