package rtlink_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtlink"
)

// ipLink is a link as `ip -json -details link show` prints it (iproute2
// 6.1), the fields the proof compares; the typed dump is put into the
// same shape. A pointer is a field ip prints only when the kernel sent
// its attribute.
type ipLink struct {
	Ifindex     int32       `json:"ifindex"`
	Link        string      `json:"link,omitempty"`         // IFLA_LINK, by name
	LinkIndex   *uint32     `json:"link_index,omitempty"`   // IFLA_LINK, in another namespace
	LinkNetnsid *int32      `json:"link_netnsid,omitempty"` // IFLA_LINK_NETNSID
	Ifname      string      `json:"ifname"`
	Flags       []string    `json:"flags"`
	Mtu         *uint32     `json:"mtu,omitempty"`
	Qdisc       string      `json:"qdisc,omitempty"`
	Operstate   string      `json:"operstate,omitempty"`
	Linkmode    string      `json:"linkmode,omitempty"`
	Group       string      `json:"group,omitempty"`
	Txqlen      *uint32     `json:"txqlen,omitempty"`
	LinkType    string      `json:"link_type"`
	Address     string      `json:"address,omitempty"`
	Broadcast   string      `json:"broadcast,omitempty"`
	Promiscuity *uint32     `json:"promiscuity,omitempty"`
	Allmulti    *uint32     `json:"allmulti,omitempty"`
	MinMtu      *uint32     `json:"min_mtu,omitempty"`
	MaxMtu      *uint32     `json:"max_mtu,omitempty"`
	Linkinfo    *ipLinkinfo `json:"linkinfo,omitempty"`
	AddrGenMode string      `json:"inet6_addr_gen_mode,omitempty"`
	NumTx       *uint32     `json:"num_tx_queues,omitempty"`
	NumRx       *uint32     `json:"num_rx_queues,omitempty"`
	GsoMaxSize  *uint32     `json:"gso_max_size,omitempty"`
	GsoMaxSegs  *uint32     `json:"gso_max_segs,omitempty"`
	TsoMaxSize  *uint32     `json:"tso_max_size,omitempty"`
	TsoMaxSegs  *uint32     `json:"tso_max_segs,omitempty"`
	GroMaxSize  *uint32     `json:"gro_max_size,omitempty"`
	Ifalias     string      `json:"ifalias,omitempty"`
	Altnames    []string    `json:"altnames,omitempty"`
	Master      string      `json:"master,omitempty"`
}

type ipLinkinfo struct {
	InfoKind string `json:"info_kind"`
}

// ipFlagNames are ip's names of the ifinfomsg flags, in the order ip
// prints them (print_link_flags). IFF_RUNNING is not printed: ip prints
// NO-CARRIER, first, for a link that is up and not running.
var ipFlagNames = []struct {
	bit  rtlink.IfinfoFlags
	name string
}{
	{rtlink.IfinfoFlagsLoopback, "LOOPBACK"},
	{rtlink.IfinfoFlagsBroadcast, "BROADCAST"},
	{rtlink.IfinfoFlagsPointToPoint, "POINTOPOINT"},
	{rtlink.IfinfoFlagsMulticast, "MULTICAST"},
	{rtlink.IfinfoFlagsNoArp, "NOARP"},
	{rtlink.IfinfoFlagsAllMulti, "ALLMULTI"},
	{rtlink.IfinfoFlagsPromisc, "PROMISC"},
	{rtlink.IfinfoFlagsMaster, "MASTER"},
	{rtlink.IfinfoFlagsSlave, "SLAVE"},
	{rtlink.IfinfoFlagsDebug, "DEBUG"},
	{rtlink.IfinfoFlagsDynamic, "DYNAMIC"},
	{rtlink.IfinfoFlagsAutoMedia, "AUTOMEDIA"},
	{rtlink.IfinfoFlagsPortsel, "PORTSEL"},
	{rtlink.IfinfoFlagsNoTrailers, "NOTRAILERS"},
	{rtlink.IfinfoFlagsUp, "UP"},
	{rtlink.IfinfoFlagsLowerUp, "LOWER_UP"},
	{rtlink.IfinfoFlagsDormant, "DORMANT"},
	{rtlink.IfinfoFlagsEcho, "ECHO"},
}

// ipFlags names flags as ip does; peerDown is ip's M-DOWN, printed last
// when the link's IFLA_LINK names a link that is not up.
func ipFlags(t *testing.T, flags rtlink.IfinfoFlags, peerDown bool) []string {
	t.Helper()
	names := []string{}
	if flags&rtlink.IfinfoFlagsUp != 0 && flags&rtlink.IfinfoFlagsRunning == 0 {
		names = append(names, "NO-CARRIER")
	}
	rest := flags &^ rtlink.IfinfoFlagsRunning
	for _, f := range ipFlagNames {
		if rest&f.bit != 0 {
			names = append(names, f.name)
			rest &^= f.bit
		}
	}
	if rest != 0 {
		t.Errorf("flags %v: bits %#x have no name of ip's", flags, uint32(rest))
	}
	if peerDown {
		names = append(names, "M-DOWN")
	}
	return names
}

// ipNames are the names ip gives numbers, from the kernel's headers and
// iproute2's tables.
var (
	ipOperstates  = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"} // IF_OPER_*
	ipLinkmodes   = []string{"DEFAULT", "DORMANT", "TESTING"}                                               // IF_LINK_MODE_*
	ipAddrGenMode = []string{"eui64", "none", "stable_secret", "random"}                                    // IN6_ADDR_GEN_MODE_*
	ipLinkTypes   = map[uint16]string{1: "ether", 772: "loopback"}                                          // ARPHRD_*
)

func name(t *testing.T, what string, names []string, v uint8) string {
	t.Helper()
	if int(v) >= len(names) {
		t.Errorf("%s %d has no name of ip's", what, v)
		return strconv.Itoa(int(v))
	}
	return names[v]
}

// opt is a present attribute's value, nil for an absent one.
func opt(o family.Opt[uint32]) *uint32 {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

// comparedKeys are the keys of ip's link objects ipLink holds.
var comparedKeys = map[string]bool{}

func init() {
	b, _ := json.Marshal(ipLink{Flags: []string{}, Mtu: new(uint32), Txqlen: new(uint32), Promiscuity: new(uint32),
		Allmulti: new(uint32), MinMtu: new(uint32), MaxMtu: new(uint32), Linkinfo: &ipLinkinfo{}, NumTx: new(uint32),
		NumRx: new(uint32), GsoMaxSize: new(uint32), GsoMaxSegs: new(uint32), TsoMaxSize: new(uint32),
		TsoMaxSegs: new(uint32), GroMaxSize: new(uint32), Link: "x", Qdisc: "x", Operstate: "x", Linkmode: "x",
		Group: "x", Address: "x", LinkIndex: new(uint32), LinkNetnsid: new(int32), Broadcast: "x", AddrGenMode: "x", Ifalias: "x", Altnames: []string{"x"}, Master: "x"})
	var m map[string]any
	json.Unmarshal(b, &m)
	for k := range m {
		comparedKeys[k] = true
	}
}

// TestIntegrationLinkDumpEqualsIP creates 500 veth pairs in a namespace
// of the host's kernel (with lo, 1,001 links), some up, some with another
// MTU, queue length or group, one with alternative names, one with an
// alias, dumps them with GetlinkDump and compares
// every link field by field with `ip -json -details link show`. Every key
// ip prints must be one the test compares.
func TestIntegrationLinkDumpEqualsIP(t *testing.T) {
	ns := nstest.New(t)
	const pairs = 500
	var lines []string
	for i := range pairs {
		lines = append(lines, fmt.Sprintf("link add veth%da type veth peer name veth%db", i, i))
	}
	for i := 0; i < pairs; i += 7 {
		lines = append(lines, fmt.Sprintf("link set veth%da up", i))
	}
	for i := 0; i < pairs; i += 21 {
		lines = append(lines, fmt.Sprintf("link set veth%db up", i))
	}
	for i := 3; i < pairs; i += 50 {
		lines = append(lines, fmt.Sprintf("link set veth%da mtu %d txqlen %d group %d", i, 1280+i, 10+i, i))
	}
	lines = append(lines, "link set lo up",
		"link property add dev veth5a altname veth5a-first altname veth5a-second",
		"link set veth6b alias \"the sixth pair's b\"")
	ns.Batch(t, lines)

	got := compareLinks(t, ns)
	ups, veths := 0, 0
	for _, l := range got {
		if l.Operstate == "UP" {
			ups++
		}
		if l.Linkinfo != nil && l.Linkinfo.InfoKind == "veth" && l.Link != "" {
			veths++
		}
	}
	t.Logf("%d links compared field by field with ip: %d veths with their peer, %d operationally up", len(got), veths, ups)
	for _, l := range got {
		switch l.Ifname {
		case "veth5a":
			if len(l.Altnames) != 2 {
				t.Errorf("veth5a's altnames: %q, want 2", l.Altnames)
			}
		case "veth6b":
			if l.Ifalias == "" {
				t.Errorf("veth6b has no alias")
			}
		}
	}
	if len(got) != 2*pairs+1 || veths != 2*pairs || ups == 0 {
		t.Errorf("%d links, %d veths with a peer (want %d, %d), %d links up (want some)", len(got), veths, 2*pairs+1, 2*pairs, ups)
	}
}

// TestIntegrationLinkDumpPeersElsewhereEqualsIP: veths whose peers are in
// another namespace, for which the kernel adds IFLA_LINK_NETNSID and ip
// prints the peer's index (link_index) and the namespace's id.
func TestIntegrationLinkDumpPeersElsewhereEqualsIP(t *testing.T) {
	ns, other := nstest.New(t), nstest.New(t)
	ns.Batch(t, []string{
		"link add far0 type veth peer name near0 netns " + other.Name,
		"link add far1 type veth peer name near1 netns " + other.Name,
		"link add here0 type veth peer name here1",
		"link set far1 up",
	})
	got := compareLinks(t, ns)
	far := 0
	for _, l := range got {
		if l.LinkNetnsid != nil {
			far++
		}
	}
	if far != 2 {
		t.Errorf("%d links with a peer's namespace id, want 2", far)
	}
}

// compareLinks dumps ns's links with GetlinkDump and compares them with
// `ip -json -details link show`, failing on any key ip prints that the
// test does not compare. It returns the links.
func compareLinks(t *testing.T, ns *nstest.NS) []ipLink {
	t.Helper()
	c, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type typed struct {
		l     ipLink
		flags rtlink.IfinfoFlags
		peer  uint32
	}
	var links []typed
	index := map[int32]int{} // ifindex to position in links
	for l, err := range c.GetlinkDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		n := ipLink{
			Ifindex: l.IfiIndex, Ifname: l.Ifname, Mtu: opt(l.Mtu), Qdisc: l.Qdisc, Txqlen: opt(l.Txqlen),
			LinkType: ipLinkTypes[l.IfiType], Promiscuity: opt(l.Promiscuity), Allmulti: opt(l.Allmulti),
			MinMtu: opt(l.MinMtu), MaxMtu: opt(l.MaxMtu), NumTx: opt(l.NumTxQueues), NumRx: opt(l.NumRxQueues),
			GsoMaxSize: opt(l.GsoMaxSize), GsoMaxSegs: opt(l.GsoMaxSegs), TsoMaxSize: opt(l.TsoMaxSize),
			TsoMaxSegs: opt(l.TsoMaxSegs), GroMaxSize: opt(l.GroMaxSize), Ifalias: l.Ifalias,
		}
		if n.LinkType == "" {
			t.Errorf("%s: link type %d has no name here", l.Ifname, l.IfiType)
		}
		if l.Operstate.Valid {
			n.Operstate = name(t, "operstate", ipOperstates, l.Operstate.Value)
		}
		if l.Linkmode.Valid {
			n.Linkmode = name(t, "linkmode", ipLinkmodes, l.Linkmode.Value)
		}
		if g := l.Group; g.Valid {
			n.Group = strconv.Itoa(int(g.Value))
			if g.Value == 0 {
				n.Group = "default" // /usr/share/iproute2/group
			}
		}
		if l.Address != nil {
			n.Address = l.Address.String()
		}
		if l.Broadcast != nil {
			n.Broadcast = l.Broadcast.String()
		}
		if li := l.Linkinfo; li.Valid && li.Value.Kind != "" {
			n.Linkinfo = &ipLinkinfo{InfoKind: li.Value.Kind}
		}
		if as := l.AfSpec; as.Valid && as.Value.Inet6.Valid && as.Value.Inet6.Value.AddrGenMode.Valid {
			n.AddrGenMode = name(t, "addr-gen-mode", ipAddrGenMode, as.Value.Inet6.Value.AddrGenMode.Value)
		}
		if l.PropList.Valid {
			n.Altnames = append(n.Altnames, l.PropList.Value.AltIfname...)
		}
		if l.LinkNetnsid.Valid {
			id := l.LinkNetnsid.Value
			n.LinkNetnsid = &id
		}
		if l.Master.Valid {
			t.Errorf("%s: a master (%d), which this test does not make", l.Ifname, l.Master.Value)
		}
		if _, dup := index[n.Ifindex]; dup {
			t.Fatalf("ifindex %d twice in the dump", n.Ifindex)
		}
		index[n.Ifindex] = len(links)
		links = append(links, typed{l: n, flags: l.IfiFlags, peer: l.Link.Value})
	}
	// What ip derives from other links: IFLA_LINK by name and M-DOWN, but
	// for a peer in another namespace its index alone.
	for i := range links {
		peerDown := false
		if p := links[i].peer; p != 0 && links[i].l.LinkNetnsid != nil {
			links[i].l.LinkIndex = &links[i].peer
		} else if p != 0 {
			j, ok := index[int32(p)]
			if !ok {
				t.Errorf("%s: IFLA_LINK %d is not in the dump", links[i].l.Ifname, p)
				continue
			}
			links[i].l.Link = links[j].l.Ifname
			peerDown = links[j].flags&rtlink.IfinfoFlagsUp == 0
		}
		links[i].l.Flags = ipFlags(t, links[i].flags, peerDown)
	}

	out := ns.IP(t, "-json", "-details", "link", "show")
	var want []ipLink
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	uncompared := map[string]int{}
	for _, m := range raw {
		for k := range m {
			if !comparedKeys[k] {
				uncompared[k]++
			}
		}
		if li, ok := m["linkinfo"].(map[string]any); ok {
			for k := range li {
				if k != "info_kind" {
					uncompared["linkinfo."+k]++
				}
			}
		}
	}
	if len(uncompared) > 0 {
		t.Errorf("keys ip prints that the test does not compare (key: links): %v", uncompared)
	}
	got := make([]ipLink, len(links))
	for i, l := range links {
		got[i] = l.l
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("typed dump differs from ip -json -details link show (-ip +typed):\n%s", diff)
	}
	return got
}
