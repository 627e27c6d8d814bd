package rtroute_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/family/rtroute"
)

// ipRoute is a route as `ip -json route show table all` prints it
// (iproute2 6.1); the typed dump is put into the same shape.
type ipRoute struct {
	Type     string   `json:"type,omitempty"` // printed unless unicast
	Dst      string   `json:"dst"`
	Gateway  string   `json:"gateway,omitempty"`
	Dev      string   `json:"dev,omitempty"`
	Table    string   `json:"table,omitempty"`    // printed unless main
	Protocol string   `json:"protocol,omitempty"` // printed unless boot
	Scope    string   `json:"scope,omitempty"`    // printed unless universe
	Metric   *uint32  `json:"metric,omitempty"`
	Prefsrc  string   `json:"prefsrc,omitempty"`
	Flags    []string `json:"flags"`
	Pref     string   `json:"pref,omitempty"`
}

var comparedRouteKeys = map[string]bool{"type": true, "dst": true, "gateway": true, "dev": true, "table": true,
	"protocol": true, "scope": true, "metric": true, "prefsrc": true, "flags": true, "pref": true}

// ipRouteFlags are ip's names of the route flags, in its order
// (print_rt_flags): RTNH_F_* and RTM_F_*.
var ipRouteFlags = []struct {
	bit  uint32
	name string
}{
	{0x1, "dead"}, {0x4, "onlink"}, {0x2, "pervasive"}, {0x8, "offload"}, {0x40, "trap"},
	{0x100, "notify"}, {0x10, "linkdown"}, {0x20, "unresolved"},
	{0x4000, "rt_offload"}, {0x8000, "rt_trap"}, {0x20000000, "rt_offload_failed"},
}

// ipPrefs are ip's names of RTA_PREF (ICMPV6_ROUTER_PREF_*).
var ipPrefs = map[uint8]string{0: "medium", 1: "high", 3: "low"}

// TestIntegrationRouteDumpEqualsIP adds IPv4 and IPv6 routes (connected,
// via a gateway, default, host, onlink, over a link without carrier,
// blackhole, unreachable, prohibit, throw; several tables, metrics,
// protocols, scopes, preferred sources and preferences) in a namespace of
// the host's kernel, and compares the rtroute dump of each family with
// `ip -4/-6 -json route show table all`, route by route, every key ip
// prints.
func TestIntegrationRouteDumpEqualsIP(t *testing.T) {
	ns := nstest.New(t)
	ns.Batch(t, []string{
		"link add veth0 type veth peer name veth1",
		"link add veth2 type veth peer name veth3",
		"link set veth0 addrgenmode none", // no link-local address and routes appearing between the reads
		"link set veth1 addrgenmode none",
		"link set veth2 addrgenmode none",
		"link set veth3 addrgenmode none",
		"link set veth0 up",
		"link set veth1 up",
		"link set veth2 up", // veth3 stays down: veth2 has no carrier
		"link set lo up",
		"addr add 192.0.2.1/24 dev veth0",
		"addr add 192.0.3.1/24 dev veth2",
		"addr add 2001:db8::1/64 dev veth0 nodad",
		"route add 198.51.100.0/24 via 192.0.2.254 dev veth0 metric 50 proto static",
		"route add 203.0.113.0/24 dev veth0 table 100 scope link proto 42",
		"route add 192.0.2.100 dev veth0 table 100",
		"route add blackhole 10.0.0.0/8 table 200",
		"route add unreachable 10.1.0.0/16 metric 7",
		"route add prohibit 10.2.0.0/16 table 100",
		"route add 172.16.0.0/12 dev veth0 src 192.0.2.1 proto boot",
		"route add default via 192.0.2.254 dev veth0 table 300 proto dhcp",
		"route add 10.3.0.0/16 via 10.99.0.1 dev veth0 onlink",
		"route add 10.4.0.0/16 via 192.0.3.254 dev veth2 metric 9",
		"route add 2001:db8:5::/48 via 2001:db8::ff dev veth0 metric 300 table 100",
		"route add prohibit 2001:db8:9::/48",
		"route add 2001:db8:6::/48 dev veth0 metric 5 pref high proto static",
		"route add 2001:db8:a::/48 dev veth0 pref low",
		"route add default via 2001:db8::fe dev veth0 metric 1 table 200",
		"route add 2001:db8:7::1/128 dev veth0",
		"route add throw 2001:db8:8::/48 table 100",
	})

	lc, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	devs := map[uint32]string{}
	for l, err := range lc.GetlinkDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		devs[uint32(l.IfiIndex)] = l.Ifname
	}
	c, err := rtroute.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tables := nstest.Names(t, "rt_tables", map[uint32]string{0: "unspec", 253: "default", 254: "main", 255: "local"})
	protos := nstest.Names(t, "rt_protos", map[uint32]string{0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static"})
	scopes := nstest.Names(t, "rt_scopes", map[uint32]string{0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"})
	named := func(m map[uint32]string, v uint32) string {
		if s, ok := m[v]; ok {
			return s
		}
		return strconv.Itoa(int(v))
	}

	for _, fam := range []struct {
		name   string
		family uint8
		bits   uint8
	}{{"-4", 2, 32}, {"-6", 10, 128}} {
		t.Run(fam.name, func(t *testing.T) {
			var got []ipRoute
			for r, err := range c.GetrouteDump(&rtroute.RouteAttrs{Rtmsg: rtroute.Rtmsg{RtmFamily: fam.family}}) {
				if err != nil {
					t.Fatal(err)
				}
				if r.RtmFamily != fam.family {
					t.Errorf("route of family %d in the dump of %d", r.RtmFamily, fam.family)
				}
				x := ipRoute{Flags: []string{}}
				if r.RtmType != rtroute.RtmTypeUnicast {
					x.Type = r.RtmType.String()
				}
				switch {
				case r.RtaDst.Valid && r.RtmDstLen == fam.bits:
					x.Dst = r.RtaDst.Value.String()
				case r.RtaDst.Valid:
					x.Dst = fmt.Sprintf("%s/%d", r.RtaDst.Value, r.RtmDstLen)
				case r.RtmDstLen != 0:
					x.Dst = fmt.Sprintf("0/%d", r.RtmDstLen)
				default:
					x.Dst = "default"
				}
				if r.RtaGateway.Valid {
					x.Gateway = r.RtaGateway.Value.String()
				}
				if r.RtaOif.Valid {
					x.Dev = devs[r.RtaOif.Value]
					if x.Dev == "" {
						t.Errorf("%s: oif %d is no link of the namespace", x.Dst, r.RtaOif.Value)
					}
				}
				table := uint32(r.RtmTable)
				if r.RtaTable.Valid {
					table = r.RtaTable.Value
				}
				if table != 254 {
					x.Table = named(tables, table)
				}
				if r.RtmProtocol != 3 {
					x.Protocol = named(protos, uint32(r.RtmProtocol))
				}
				if r.RtmScope != 0 {
					x.Scope = named(scopes, uint32(r.RtmScope))
				}
				if r.RtaPriority.Valid {
					m := r.RtaPriority.Value
					x.Metric = &m
				}
				if r.RtaPrefsrc.Valid {
					x.Prefsrc = r.RtaPrefsrc.Value.String()
				}
				rest := r.RtmFlags
				for _, f := range ipRouteFlags {
					if rest&f.bit != 0 {
						x.Flags = append(x.Flags, f.name)
						rest &^= f.bit
					}
				}
				if rest != 0 {
					t.Errorf("%s: route flags %#x have no name of ip's", x.Dst, rest)
				}
				if r.RtaPref.Valid {
					x.Pref = ipPrefs[r.RtaPref.Value]
				}
				got = append(got, x)
			}

			out := ns.IP(t, fam.name, "-json", "route", "show", "table", "all")
			var want []ipRoute
			if err := json.Unmarshal([]byte(out), &want); err != nil {
				t.Fatal(err)
			}
			var raw []map[string]any
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatal(err)
			}
			for _, r := range raw {
				for k := range r {
					if !comparedRouteKeys[k] {
						t.Errorf("ip prints key %q of route %v, which the test does not compare", k, r["dst"])
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("typed route dump differs from ip %s -json route show table all (-ip +typed):\n%s", fam.name, diff)
			}
			// The cases the routes were added for must be among them.
			seen := map[string]bool{}
			for _, r := range got {
				seen["type "+r.Type] = true
				seen["table "+r.Table] = true
				seen["pref "+r.Pref] = true
				seen["dst "+r.Dst] = true
				for _, f := range r.Flags {
					seen["flag "+f] = true
				}
			}
			wantSeen := map[string][]string{
				"-4": {"type blackhole", "type unreachable", "type prohibit", "type local", "type broadcast",
					"table 100", "table 200", "table 300", "flag onlink", "flag linkdown", "dst default", "dst 192.0.2.100"},
				"-6": {"type prohibit", "type throw", "type local", "type multicast", "table 100", "table 200",
					"pref high", "pref low", "pref medium", "dst default", "dst 2001:db8:7::1"},
			}[fam.name]
			for _, w := range wantSeen {
				if !seen[w] {
					t.Errorf("no route with %s among the typed dump's", w)
				}
			}
			t.Logf("%d routes compared with ip", len(got))
			if len(got) < 10 {
				t.Errorf("%d routes, want at least the 10 of each family added or made by the addresses", len(got))
			}
		})
	}
}
