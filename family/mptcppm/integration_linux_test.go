package mptcppm_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/mptcppm"
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

// TestIntegrationEndpoints adds, lists and deletes an MPTCP endpoint on
// the host's kernel, in a namespace of its own.
func TestIntegrationEndpoints(t *testing.T) {
	ns := newNetNS(t)
	c, err := mptcppm.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no mptcp_pm family: %v", err))
	}
	defer c.Close()
	addr := mptcppm.Address{Family: family.Some[uint16](2), Id: family.Some[uint8](7),
		Addr4: family.Some(binary.BigEndian.Uint32([]byte{192, 0, 2, 1})), Flags: family.Some[uint32](1)} // signal
	if err := c.AddAddr(&mptcppm.Endpoint{Addr: family.Some(addr)}); err != nil {
		t.Fatalf("AddAddr: %v", err)
	}
	var ids []uint8
	for a, err := range c.GetAddrDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Addr.Value.Id.Value)
		if got := a.Addr.Value.Addr4.Value; got != addr.Addr4.Value {
			t.Errorf("dumped address %#x, want %#x", got, addr.Addr4.Value)
		}
	}
	if len(ids) != 1 || ids[0] != 7 {
		t.Errorf("endpoint ids %v, want [7]", ids)
	}
	if err := c.DelAddr(&mptcppm.Endpoint{Addr: family.Some(mptcppm.Address{Id: family.Some[uint8](7)})}); err != nil {
		t.Fatalf("DelAddr: %v", err)
	}
	n := 0
	for _, err := range c.GetAddrDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d endpoints after DelAddr", n)
	}
}
