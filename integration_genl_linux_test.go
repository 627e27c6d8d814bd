//go:build linux

package netlink_test

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// Real-kernel tests of generic netlink through the Conn, with the
// controller's messages written and read by package genetlink, which
// imports netlink: hence an external test.

// TestIntegrationGenericCtrl resolves the generic netlink controller,
// nlctrl, by name and in a dump, and asks for a family that does not exist.
func TestIntegrationGenericCtrl(t *testing.T) {
	ns := netlink.NewTestNS(t)
	// Without a family cache: every lookup asks the kernel.
	c := genetlink.NewConn(ns.Dial(t, unix.NETLINK_GENERIC, nil))

	f, err := c.GetFamily("nlctrl")
	if err != nil {
		t.Fatalf("CTRL_CMD_GETFAMILY nlctrl: %v", err)
	}
	if f.ID != unix.GENL_ID_CTRL || f.Name != "nlctrl" {
		t.Errorf("family %q has id %#x, want \"nlctrl\" with GENL_ID_CTRL (%#x)", f.Name, f.ID, unix.GENL_ID_CTRL)
	}
	if len(f.Operations) < 1 {
		t.Errorf("nlctrl reports %d ops, want CTRL_CMD_GETFAMILY at least", len(f.Operations))
	}
	if g, ok := f.Group("notify"); !ok || g.ID != unix.GENL_ID_CTRL {
		t.Errorf("nlctrl's multicast groups are %v, want notify = %#x", f.Groups, unix.GENL_ID_CTRL)
	}

	t.Run("dump", func(t *testing.T) {
		fams, err := c.ListFamilies()
		if err != nil {
			t.Fatalf("dumping families: %v", err)
		}
		var found []genetlink.Family
		for _, g := range fams {
			if g.Name == "nlctrl" {
				found = append(found, g)
			}
		}
		if diff := cmp.Diff([]genetlink.Family{f}, found); diff != "" {
			t.Errorf("nlctrl in the dump of %d families (-want +got):\n%s", len(fams), diff)
		}
	})
	t.Run("unknown family", func(t *testing.T) {
		// Names are at most GENL_NAMSIZ-1 = 15 bytes; longer is EINVAL.
		_, err := c.GetFamily("nlgo-nofamily")
		if !errors.Is(err, unix.ENOENT) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want ENOENT matching os.ErrNotExist", err)
		}
	})
}
