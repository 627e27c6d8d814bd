package rtlink_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtlink"
)

// TestIntegrationIpv6Devconf reads a veth's IPv6 settings
// (IFLA_AF_SPEC.inet6.conf, the kernel's devconf array) and compares the
// members on both sides of addr-gen-mode, which the 6.12 spec declares a
// u8 and ynlgen's errata make a u32, with the namespace's sysctls after
// setting them to values of the test's own.
func TestIntegrationIpv6Devconf(t *testing.T) {
	ns := nstest.New(t)
	ns.IP(t, "link", "add", "dc0", "type", "veth", "peer", "name", "dc1")
	set := map[string]uint32{"hop_limit": 42, "addr_gen_mode": 3, "ndisc_tclass": 5, "ioam6_id": 77}
	for k, v := range set {
		ns.Exec(t, "sysctl", "-q", "-w", "net.ipv6.conf.dc0."+k+"="+strconv.Itoa(int(v)))
	}
	c, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l, err := c.Getlink(&rtlink.LinkAttrs{Ifname: "dc0"})
	if err != nil {
		t.Fatal(err)
	}
	conf := l.AfSpec.Value.Inet6.Value.Conf
	if !l.AfSpec.Valid || !l.AfSpec.Value.Inet6.Valid || !conf.Valid {
		t.Fatalf("dc0 has no inet6 devconf: %+v", l.AfSpec)
	}
	got := map[string]uint32{"hop_limit": conf.Value.Hoplimit, "addr_gen_mode": conf.Value.AddrGenMode,
		"ndisc_tclass": conf.Value.NdiscTclass, "ioam6_id": conf.Value.Ioam6Id}
	for k, want := range set {
		sys := strings.TrimSpace(ns.Exec(t, "sysctl", "-n", "net.ipv6.conf.dc0."+k))
		if sys != strconv.Itoa(int(want)) {
			t.Fatalf("sysctl %s = %s after setting %d", k, sys, want)
		}
		if got[k] != want {
			t.Errorf("devconf %s = %d, sysctl says %d", k, got[k], want)
		}
	}
}
