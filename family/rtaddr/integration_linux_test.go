package rtaddr_test

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/rtaddr"
	"github.com/nlgo/netlink/family/rtroute"
	"github.com/nlgo/netlink/internal/testenv"
)

// newNetNS returns a new network namespace, or skips.
func newNetNS(t *testing.T) *os.File {
	t.Helper()
	testenv.RequireRoot(t)
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result)
	go func() {
		// The thread stays locked, so the runtime discards it with its
		// namespace when the goroutine ends.
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			ch <- result{err: err}
			return
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), syscall.Gettid()))
		ch <- result{f, err}
	}()
	r := <-ch
	if r.err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot make a network namespace: %v", r.err))
	}
	t.Cleanup(func() { r.f.Close() })
	return r.f
}

// TestIntegrationAddrAndRoute adds an address to the loopback of a new
// namespace on the host's kernel, finds it in the address dump and its
// local route in the route dump, and deletes it.
func TestIntegrationAddrAndRoute(t *testing.T) {
	ns := newNetNS(t)
	c, err := rtaddr.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := netip.MustParseAddr("192.0.2.7")
	req := &rtaddr.AddrAttrs{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 2, IfaPrefixlen: 24, IfaIndex: 1},
		IfaLocal: family.Some(a), IfaAddress: family.Some(a)}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newaddr(req); err != nil {
		t.Fatalf("Newaddr: %v", err)
	}
	var got []netip.Addr
	for m, err := range c.GetaddrDump(&rtaddr.AddrAttrs{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.IfaPrefixlen != 24 || m.IfaIndex != 1 || m.IfaLabel != "lo" {
			t.Errorf("address %v: prefix %d, index %d, label %q", m.IfaLocal.Value, m.IfaPrefixlen, m.IfaIndex, m.IfaLabel)
		}
		got = append(got, m.IfaLocal.Value)
	}
	if len(got) != 1 || got[0] != a {
		t.Errorf("addresses %v, want [%v]", got, a)
	}

	rc, err := rtroute.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	found := false
	for r, err := range rc.GetrouteDump(&rtroute.RouteAttrs{Rtmsg: rtroute.Rtmsg{RtmFamily: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		if r.RtaDst.Value == a && r.RtmDstLen == 32 && r.RtaPrefsrc.Value == a && r.RtaOif.Value == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no local route to %v in the route dump", a)
	}

	if err := c.Deladdr(req); err != nil {
		t.Fatalf("Deladdr: %v", err)
	}
}
