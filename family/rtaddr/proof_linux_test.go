package rtaddr_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtaddr"
)

// ipAddr is an address as `ip -json addr show` prints it (iproute2 6.1),
// in its link's addr_info; the typed dump is put into the same shape.
type ipAddr struct {
	Family        string          `json:"family"`
	Local         string          `json:"local,omitempty"`
	Address       string          `json:"address,omitempty"` // the peer, when not local
	Prefixlen     uint8           `json:"prefixlen"`
	Broadcast     string          `json:"broadcast,omitempty"`
	Scope         string          `json:"scope"`
	Flags         map[string]bool `json:"-"` // ip prints each as a key of its own
	Label         string          `json:"label,omitempty"`
	Metric        *uint32         `json:"metric,omitempty"`
	ValidLife     uint32          `json:"valid_life_time"`
	PreferredLife uint32          `json:"preferred_life_time"`
}

// ipAddrFlags are ip's names of the address flags (ifa_flag_data in
// ipaddress.c). ip prints "dynamic" for an address without
// IFA_F_PERMANENT, never "permanent", and "temporary" for a secondary
// IPv6 address.
var ipAddrFlags = []struct {
	bit  rtaddr.IfaFlags
	name string
}{
	{rtaddr.IfaFlagsSecondary, "secondary"},
	{rtaddr.IfaFlagsNodad, "nodad"},
	{rtaddr.IfaFlagsOptimistic, "optimistic"},
	{rtaddr.IfaFlagsDadfailed, "dadfailed"},
	{rtaddr.IfaFlagsHomeaddress, "home"},
	{rtaddr.IfaFlagsDeprecated, "deprecated"},
	{rtaddr.IfaFlagsTentative, "tentative"},
	{rtaddr.IfaFlagsManagetempaddr, "mngtmpaddr"},
	{rtaddr.IfaFlagsNoprefixroute, "noprefixroute"},
	{rtaddr.IfaFlagsMcautojoin, "autojoin"},
	{rtaddr.IfaFlagsStablePrivacy, "stable-privacy"},
}

// ipScopes are iproute2's names of rtm scopes (rt_scopes).
var ipScopes = map[uint8]string{0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}

// flagKeys are the boolean keys ip may print for an address.
var flagKeys = map[string]bool{"dynamic": true, "temporary": true}

func init() {
	for _, f := range ipAddrFlags {
		flagKeys[f.name] = true
	}
}

func (a *ipAddr) UnmarshalJSON(b []byte) error {
	type plain ipAddr
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	a.Flags = map[string]bool{}
	for k, v := range m {
		if flagKeys[k] {
			a.Flags[k] = v == true
		}
	}
	return nil
}

type ipAddrLink struct {
	Ifindex  uint32   `json:"ifindex"`
	AddrInfo []ipAddr `json:"addr_info"`
}

// comparedAddrKeys are the keys of ip's addr_info objects that ipAddr
// holds.
var comparedAddrKeys = map[string]bool{"family": true, "local": true, "address": true, "prefixlen": true,
	"broadcast": true, "scope": true, "label": true, "metric": true, "valid_life_time": true, "preferred_life_time": true}

// TestIntegrationAddrDumpEqualsIP adds IPv4 and IPv6 addresses with
// prefix lengths, labels, peers, broadcasts, scopes, metrics, flags and
// lifetimes in a namespace of the host's kernel, and compares the rtaddr
// dump with `ip -json addr show`, address by address, every key ip
// prints. Lifetimes that count down may differ by 2 seconds between the
// two reads.
func TestIntegrationAddrDumpEqualsIP(t *testing.T) {
	ns := nstest.New(t)
	ns.Batch(t, []string{
		"link add veth0 type veth peer name veth1",
		"link set veth0 addrgenmode none", // no link-local address appearing between the reads
		"link set veth1 addrgenmode none",
		"link set veth0 up",
		"link set veth1 up",
		"link set lo up",
		"addr add 192.0.2.1/24 dev veth0 label veth0:one",
		"addr add 192.0.2.77/24 dev veth0", // secondary
		"addr add 198.51.100.9/25 broadcast 198.51.100.127 dev veth0 noprefixroute",
		"addr add 10.9.9.9 peer 10.9.9.10/32 dev veth0",
		"addr add 203.0.113.5/28 dev veth1 scope link metric 77",
		"addr add 127.0.0.2/8 dev lo scope host",
		"addr add 2001:db8::1/64 dev veth0 nodad",
		"addr add 2001:db8:1::2/80 dev veth0 nodad valid_lft 3000 preferred_lft 2000",
		"addr add 2001:db8:2::3/64 dev veth1 nodad home mngtmpaddr",
		"addr add fe80::5/64 dev veth1 nodad",
		"addr add 2001:db8:3::4/64 dev veth1 nodad noprefixroute metric 900",
	})

	c, err := rtaddr.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := map[uint32][]ipAddr{}
	n := 0
	for a, err := range c.GetaddrDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		var x ipAddr
		switch a.IfaFamily {
		case 2:
			x.Family = "inet"
		case 10:
			x.Family = "inet6"
		default:
			t.Errorf("address of family %d", a.IfaFamily)
		}
		x.Prefixlen = a.IfaPrefixlen
		local, addr := a.IfaLocal, a.IfaAddress
		// ip's print_addrinfo: local is IFA_LOCAL, else IFA_ADDRESS; the
		// peer address only when both are there and differ.
		if !local.Valid {
			local = addr
		}
		if local.Valid {
			x.Local = local.Value.String()
		}
		if a.IfaLocal.Valid && addr.Valid && addr.Value != a.IfaLocal.Value {
			x.Address = addr.Value.String()
		}
		if a.IfaBroadcast.Valid {
			x.Broadcast = a.IfaBroadcast.Value.String()
		}
		x.Scope = ipScopes[a.IfaScope]
		if x.Scope == "" {
			x.Scope = strconv.Itoa(int(a.IfaScope))
		}
		x.Label = a.IfaLabel
		if a.IfaRtPriority.Valid {
			m := a.IfaRtPriority.Value
			x.Metric = &m
		}
		flags := a.Ifaddrmsg.IfaFlags
		if a.IfaFlags.Valid {
			flags = a.IfaFlags.Value
		}
		x.Flags = map[string]bool{}
		if flags&rtaddr.IfaFlagsPermanent == 0 {
			x.Flags["dynamic"] = true
		}
		rest := flags &^ rtaddr.IfaFlagsPermanent
		for _, f := range ipAddrFlags {
			if rest&f.bit != 0 {
				name := f.name
				if f.bit == rtaddr.IfaFlagsSecondary && x.Family == "inet6" {
					name = "temporary"
				}
				x.Flags[name] = true
				rest &^= f.bit
			}
		}
		if rest != 0 {
			t.Errorf("%s: flags %#x have no name of ip's", x.Local, uint32(rest))
		}
		if ci := a.IfaCacheinfo; ci.Valid {
			x.ValidLife, x.PreferredLife = ci.Value.IfaValid, ci.Value.IfaPrefered
		} else {
			t.Errorf("%s: no IFA_CACHEINFO", x.Local)
		}
		got[a.IfaIndex] = append(got[a.IfaIndex], x)
	}

	out := ns.IP(t, "-json", "addr", "show")
	var links []ipAddrLink
	if err := json.Unmarshal([]byte(out), &links); err != nil {
		t.Fatal(err)
	}
	var raw []struct {
		AddrInfo []map[string]any `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, l := range raw {
		for _, a := range l.AddrInfo {
			for k := range a {
				if !comparedAddrKeys[k] && !flagKeys[k] {
					t.Errorf("ip prints key %q of address %v, which the test does not compare", k, a["local"])
				}
			}
		}
	}
	want := map[uint32][]ipAddr{}
	total := 0
	for _, l := range links {
		if len(l.AddrInfo) > 0 {
			want[l.Ifindex] = l.AddrInfo
			total += len(l.AddrInfo)
		}
	}
	// Counting-down lifetimes: within 2 seconds of ip's is equal.
	near := func(a, b uint32) bool {
		return a == b || a != ^uint32(0) && b != ^uint32(0) && max(a, b)-min(a, b) <= 2
	}
	opts := cmp.FilterPath(func(p cmp.Path) bool {
		f, ok := p.Last().(cmp.StructField)
		return ok && (f.Name() == "ValidLife" || f.Name() == "PreferredLife")
	}, cmp.Comparer(near))
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("typed address dump differs from ip -json addr show (-ip +typed):\n%s", diff)
	}
	if n != total || n != 13 {
		t.Errorf("typed dump: %d addresses, ip: %d, want the 11 added and lo's 2", n, total)
	}
	t.Logf("%d addresses compared with ip", n)
}
