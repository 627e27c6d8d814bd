package netdev_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/netdev"
	"github.com/nlgo/netlink/internal/testenv"
)

func dial(t *testing.T, ns *nstest.NS) *netdev.Client {
	t.Helper()
	c, err := netdev.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no netdev family: %v", err))
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestIntegrationDevDumpEqualsIP makes 20 veth pairs in a namespace of
// the host's kernel and checks that DevGetDump lists exactly the ifindexes
// `ip -json link show` does, each entry equal to DevGet of its ifindex,
// with the XDP features a veth has (ip prints none to compare with); and
// that the queue dump holds, per veth that is up, the rx and tx queues
// `ethtool -l` reports in use, after one pair's channels are changed with
// ethtool -L.
func TestIntegrationDevDumpEqualsIP(t *testing.T) {
	ns := nstest.New(t)
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("link add veth%da type veth peer name veth%db", i, i))
	}
	// The kernel lists the queues of links that are up only.
	lines = append(lines, "link set veth0a up", "link set veth0b up", "link set veth1a up", "link set veth1b up")
	ns.Batch(t, lines)
	// Both ends: a veth keeps its XDP features while its peer's tx
	// queues are no more than its rx queues.
	ns.Exec(t, "ethtool", "-L", "veth0a", "rx", "2", "tx", "2")
	ns.Exec(t, "ethtool", "-L", "veth0b", "rx", "2", "tx", "2")
	c := dial(t, ns)

	var ipLinks []struct {
		Ifindex uint32 `json:"ifindex"`
		Ifname  string `json:"ifname"`
	}
	ns.JSON(t, &ipLinks, "link", "show")
	var want []uint32
	names := map[uint32]string{}
	for _, l := range ipLinks {
		want = append(want, l.Ifindex)
		names[l.Ifindex] = l.Ifname
	}
	var got []uint32
	dumped := map[uint32]netdev.Dev{}
	for d, err := range c.DevGetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Ifindex.Value)
		dumped[d.Ifindex.Value] = *d
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DevGetDump's ifindexes differ from ip -json link show's (-ip +netdev):\n%s", diff)
	}
	for _, i := range got {
		d, err := c.DevGet(&netdev.Dev{Ifindex: family.Some(i)})
		if err != nil {
			t.Fatalf("DevGet %d: %v", i, err)
		}
		if diff := cmp.Diff(dumped[i], *d); diff != "" {
			t.Errorf("DevGet %d (%s) differs from its dump entry (-dump +get):\n%s", i, names[i], diff)
		}
		if !d.XdpFeatures.Valid {
			t.Errorf("%s: no xdp-features", names[i])
		}
		// A veth has native XDP: basic actions, redirect, frags
		// (veth_set_xdp_features); the loopback none.
		if want := netdev.XdpActBasic | netdev.XdpActRedirect | netdev.XdpActRxSg; strings.HasPrefix(names[i], "veth") &&
			d.XdpFeatures.Value&want != want {
			t.Errorf("%s: xdp-features %v, want at least %v", names[i], d.XdpFeatures.Value, want)
		}
	}

	// Queues: per ifindex and type, the count in use.
	queues := map[string]int{}
	for q, err := range c.QueueGetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		queues[fmt.Sprintf("%s %v", names[q.Ifindex.Value], q.Type.Value)]++
	}
	for _, dev := range []string{"veth0a", "veth0b", "veth1a", "veth1b"} {
		cur := ethtoolCurrent(t, ns, dev)
		for _, typ := range []netdev.QueueType{netdev.QueueTypeRx, netdev.QueueTypeTx} {
			k := fmt.Sprintf("%s %v", dev, typ)
			if queues[k] != cur[typ] {
				t.Errorf("%s: %d %v queues in the dump, ethtool -l says %d", dev, queues[k], typ, cur[typ])
			}
		}
	}
	if queues["veth0a rx"] != 2 {
		t.Errorf("veth0a after ethtool -L rx 2: %d rx queues", queues["veth0a rx"])
	}
}

// ethtoolCurrent returns the rx and tx channels `ethtool -l dev` reports
// in use.
func ethtoolCurrent(t *testing.T, ns *nstest.NS, dev string) map[netdev.QueueType]int {
	t.Helper()
	out := ns.Exec(t, "ethtool", "-l", dev)
	_, cur, ok := strings.Cut(out, "Current hardware settings:")
	if !ok {
		t.Fatalf("ethtool -l %s: no current settings:\n%s", dev, out)
	}
	m := map[netdev.QueueType]int{}
	for _, line := range strings.Split(cur, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			continue // n/a
		}
		switch strings.TrimSpace(k) {
		case "RX":
			m[netdev.QueueTypeRx] = n
		case "TX":
			m[netdev.QueueTypeTx] = n
		}
	}
	return m
}

// TestIntegrationDevNotifications joins the mgmt group by name and
// receives the typed dev-add-ntf of a veth pair ip creates and the
// dev-del-ntf of its deletion.
func TestIntegrationDevNotifications(t *testing.T) {
	ns := nstest.New(t)
	c := dial(t, ns)
	if err := c.JoinGroup("mgmt"); err != nil {
		t.Fatal(err)
	}
	recv := func(name string, n int) []uint32 {
		t.Helper()
		c.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
		var got []uint32
		for len(got) < n {
			ns, err := c.Receive()
			if err != nil {
				t.Fatalf("Receive %s after %v: %v", name, got, err)
			}
			for _, x := range ns {
				if d, ok := x.Message.(*netdev.Dev); ok && x.Name == name {
					got = append(got, d.Ifindex.Value)
				}
			}
		}
		slices.Sort(got)
		return got
	}
	ns.IP(t, "link", "add", "nda", "type", "veth", "peer", "name", "ndb")
	var ls []struct {
		Ifindex uint32 `json:"ifindex"`
	}
	ns.JSON(t, &ls, "link", "show", "type", "veth")
	var want []uint32
	for _, l := range ls {
		want = append(want, l.Ifindex)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, recv("dev-add-ntf", 2)); diff != "" {
		t.Errorf("dev-add-ntf ifindexes (-ip +notified):\n%s", diff)
	}
	ns.IP(t, "link", "del", "nda")
	if diff := cmp.Diff(want, recv("dev-del-ntf", 2)); diff != "" {
		t.Errorf("dev-del-ntf ifindexes (-ip +notified):\n%s", diff)
	}
}
