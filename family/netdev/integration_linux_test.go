package netdev_test

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/netdev"
	"github.com/nlgo/netlink/internal/testenv"
)

// TestIntegrationDevGetDump dumps the devices of a new namespace from the
// host's kernel: its loopback, ifindex 1.
func TestIntegrationDevGetDump(t *testing.T) {
	ns := nstest.New(t)
	c, err := netdev.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no netdev family: %v", err))
	}
	defer c.Close()
	var ifindexes []uint32
	for d, err := range c.DevGetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		ifindexes = append(ifindexes, d.Ifindex.Value)
	}
	if len(ifindexes) != 1 || ifindexes[0] != 1 {
		t.Errorf("devices of a new namespace: %v, want [1]", ifindexes)
	}
	d, err := c.DevGet(&netdev.Dev{Ifindex: family.Some[uint32](1)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Ifindex.Value != 1 || !d.XdpFeatures.Valid {
		t.Errorf("DevGet of ifindex 1: %+v", d)
	}
}

// TestIntegrationDevGetMissing asks for a device without its ifindex: the
// kernel says which attribute is missing (NLMSGERR_ATTR_MISS_TYPE), and
// the Client's error names it as the spec does.
func TestIntegrationDevGetMissing(t *testing.T) {
	ns := nstest.New(t)
	c, err := netdev.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no netdev family: %v", err))
	}
	defer c.Close()
	_, err = c.DevGet(nil)
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("DevGet without an ifindex: %v, want an *OpError matching EINVAL", err)
	}
	want := netlink.AttributePath{{Type: netdev.AttrDevIfindex, Name: "ifindex"}}
	if diff := cmp.Diff(want, oe.Missing); diff != "" {
		t.Errorf("missing attribute (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "missing attribute ifindex (1)") {
		t.Errorf("error %q does not name the missing attribute", err)
	}
}
