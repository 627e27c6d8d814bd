package ethtool_test

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/rtlink"
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

// TestIntegrationFeaturesGet reads a veth's features from the host's
// kernel, in a namespace of its own, with bit names.
func TestIntegrationFeaturesGet(t *testing.T) {
	ns := newNetNS(t)
	rt, err := rtlink.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	err = rt.WithFlags(netlink.Create | netlink.Excl).Newlink(&rtlink.LinkAttrs{Ifname: "ynl0",
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})})
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a veth pair: %v", err))
	}
	c, err := ethtool.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no ethtool family: %v", err))
	}
	defer c.Close()
	f, err := c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "ynl0"})})
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Value.DevName != "ynl0" || !f.Header.Value.DevIndex.Valid {
		t.Errorf("header %+v", f.Header.Value)
	}
	active := map[string]bool{}
	for _, b := range f.Active.Value.Bits.Value.Bit {
		active[b.Name] = true
	}
	// A veth always offers scatter-gather (NETIF_F_SG), on by default.
	if !active["tx-scatter-gather"] {
		t.Errorf("active features of a veth lack tx-scatter-gather: %v", active)
	}
	if !f.Hw.Valid || f.Hw.Value.Size.Value == 0 {
		t.Errorf("hw features: %+v", f.Hw)
	}
}
