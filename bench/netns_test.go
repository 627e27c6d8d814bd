package bench

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
)

// benchNSName is the network namespace setup.sh makes: nlgo-bench, or
// $NLGO_BENCH_NS when it is set.
func benchNSName() string {
	if ns := os.Getenv("NLGO_BENCH_NS"); ns != "" {
		return ns
	}
	return "nlgo-bench"
}

// openBenchNS returns a file descriptor of the benchmark namespace, closed
// when tb ends. It skips tb when the namespace is missing or when the
// process cannot enter it: the Conn workloads need setup.sh, run as root.
// With NLGO_STRICT=1, as in CI, it fails instead.
func openBenchNS(tb testing.TB) int {
	tb.Helper()
	skip := tb.Skipf
	if os.Getenv("NLGO_STRICT") == "1" {
		skip = tb.Fatalf // CI makes the namespace: a skip would hide a failure
	}
	if os.Geteuid() != 0 {
		skip("needs root, to enter the benchmark namespace and to listen on NETLINK_USERSOCK groups")
	}
	name := benchNSName()
	f, err := netlink.OpenNetNS(name)
	if err != nil {
		skip("network namespace %s missing (%v): run ./setup.sh as root to make it", name, err)
	}
	tb.Cleanup(func() { f.Close() })
	return int(f.Fd())
}

// socketAt creates a netlink socket of the protocol family proto inside the
// namespace ns, for the implementations that have no namespace option of
// their own (the floor, and the fan-in sender). It switches a dedicated
// goroutine's locked thread, never the caller's; if that thread cannot
// switch back, it stays locked, so the runtime discards it.
func socketAt(ns int, typ, proto int) (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err, restored := createAt(ns, func() (int, error) {
			fd, err := unix.Socket(unix.AF_NETLINK, typ|unix.SOCK_CLOEXEC, proto)
			return fd, os.NewSyscallError("socket", err)
		})
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// createAt runs create on the locked thread inside ns and switches back.
// restored is false when the thread may still be in ns.
func createAt(ns int, create func() (int, error)) (fd int, err error, restored bool) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("open", err), true
	}
	defer unix.Close(orig)
	if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
		return -1, os.NewSyscallError("setns", err), true
	}
	fd, err = create()
	if unix.Setns(orig, unix.CLONE_NEWNET) != nil {
		return fd, err, false
	}
	return fd, err, true
}

// setReadBufferForce sets a socket's receive buffer with SO_RCVBUFFORCE,
// which may exceed net.core.rmem_max and needs CAP_NET_ADMIN.
func setReadBufferForce(fd, n int) error {
	return os.NewSyscallError("setsockopt SO_RCVBUFFORCE",
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n))
}
