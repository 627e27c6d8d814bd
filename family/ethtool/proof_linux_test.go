package ethtool_test

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/internal/testenv"
)

// ethSSFeatures is ETH_SS_FEATURES (<linux/ethtool.h>), the string set
// of the netdev feature names; ethtool.yaml's stringset enum lists no
// values.
const ethSSFeatures = 4

// feature is one line of `ethtool -k` (its --json form): a feature bit,
// or a legacy flag grouping several, whose fixed and requested ethtool
// leaves out (null).
type feature struct {
	Active    bool  `json:"active"`
	Fixed     *bool `json:"fixed"`
	Requested *bool `json:"requested"`
}

// legacyFlags are ethtool's legacy feature flags (off_flag_def in
// ethtool's internal.h): each groups the kernel's feature bits its
// pattern matches. A flag grouping one bit is printed in the bit's place,
// under its own name; one grouping more is printed, active if any of its
// bits is, before its bits; one grouping none is not printed.
var legacyFlags = []struct{ name, pattern string }{
	{"rx-checksumming", "rx-checksum"},
	{"tx-checksumming", "tx-checksum-*"},
	{"scatter-gather", "tx-scatter-gather*"},
	{"tcp-segmentation-offload", "tx-tcp*-segmentation"},
	{"udp-fragmentation-offload", "tx-udp-fragmentation"},
	{"generic-segmentation-offload", "tx-generic-segmentation"},
	{"generic-receive-offload", "rx-gro"},
	{"large-receive-offload", "rx-lro"},
	{"rx-vlan-offload", "rx-vlan-hw-parse"},
	{"tx-vlan-offload", "tx-vlan-hw-insert"},
	{"ntuple-filters", "rx-ntuple-filter"},
	{"receive-hashing", "rx-hashing"},
}

// bitNames returns the names of a bitset's set bits, checking each bit's
// index against the string set: in a list (nomask) every bit listed, else
// those with the value flag (the others are in the mask only).
func bitNames(t *testing.T, what string, b family.Opt[ethtool.Bitset], names map[uint32]string) map[string]bool {
	t.Helper()
	if !b.Valid {
		t.Fatalf("features-get reply without %s", what)
	}
	m := map[string]bool{}
	for _, bit := range b.Value.Bits.Value.Bit {
		if names[bit.Index.Value] != bit.Name {
			t.Errorf("%s bit %d is %q, the string set's is %q", what, bit.Index.Value, bit.Name, names[bit.Index.Value])
		}
		if b.Value.Nomask || bit.Value {
			m[bit.Name] = true
		}
	}
	return m
}

// typedFeatures reads the device's features through the typed client and
// returns them as ethtool -k prints them, by name, and the lines of its
// text form in its order: the legacy flags, each followed by its bits,
// indented, when it groups several; then the other bits.
func typedFeatures(t *testing.T, c *ethtool.Client, dev string) (map[string]feature, []string) {
	t.Helper()
	ss, err := c.StrsetGet(&ethtool.Strset{Header: family.Some(ethtool.Header{DevName: dev}),
		Stringsets: family.Some(ethtool.Stringsets{Stringset: []ethtool.StringsetAttrs{{Id: family.Some[uint32](ethSSFeatures)}}})})
	if err != nil {
		t.Fatalf("StrsetGet: %v", err)
	}
	names := map[uint32]string{}
	var order []string
	for _, set := range ss.Stringsets.Value.Stringset {
		if set.Id.Value != ethSSFeatures {
			continue
		}
		for _, strs := range set.Strings {
			for _, s := range strs.String {
				names[s.Index.Value] = s.Value
				order = append(order, s.Value)
			}
		}
		if uint32(len(order)) != set.Count.Value {
			t.Errorf("string set %d: %d strings, count %d", ethSSFeatures, len(order), set.Count.Value)
		}
	}
	if len(order) == 0 {
		t.Fatal("no feature names in the string set")
	}
	f, err := c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: dev})})
	if err != nil {
		t.Fatalf("FeaturesGet: %v", err)
	}
	hw, wanted := bitNames(t, "hw", f.Hw, names), bitNames(t, "wanted", f.Wanted, names)
	active, nochange := bitNames(t, "active", f.Active, names), bitNames(t, "nochange", f.Nochange, names)
	out := map[string]feature{}
	var text []string
	line := func(indent, name string) {
		f := out[name]
		l := indent + name + ": " + onOff(f.Active)
		if f.Fixed != nil && *f.Fixed {
			l += " [fixed]"
		}
		if f.Requested != nil && *f.Requested != f.Active {
			l += " [requested " + onOff(*f.Requested) + "]"
		}
		text = append(text, l)
	}
	inGroup := map[string]bool{}
	for _, lf := range legacyFlags {
		var members []string
		for _, n := range order {
			if ok, _ := path.Match(lf.pattern, n); ok {
				members = append(members, n)
			}
		}
		switch {
		case len(members) == 1:
			inGroup[members[0]] = true
			n := members[0]
			fixed, req := !hw[n] || nochange[n], wanted[n]
			out[lf.name] = feature{Active: active[n], Fixed: &fixed, Requested: &req}
			line("", lf.name)
		case len(members) > 1:
			any := false
			for _, n := range members {
				any = any || active[n]
				inGroup[n] = true
				fixed, req := !hw[n] || nochange[n], wanted[n]
				out[n] = feature{Active: active[n], Fixed: &fixed, Requested: &req}
			}
			out[lf.name] = feature{Active: any}
			line("", lf.name)
			for _, n := range members {
				line("\t", n)
			}
		}
	}
	for _, n := range order {
		if inGroup[n] || n == "" {
			continue
		}
		fixed, req := !hw[n] || nochange[n], wanted[n]
		out[n] = feature{Active: active[n], Fixed: &fixed, Requested: &req}
		line("", n)
	}
	return out, text
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// ethtoolFeatures runs ethtool --json -k dev in the namespace.
func ethtoolFeatures(t *testing.T, ns *nstest.NS, dev string) map[string]feature {
	t.Helper()
	out := ns.Exec(t, "ethtool", "--json", "-k", dev)
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil || len(raw) != 1 {
		t.Fatalf("ethtool --json -k %s: %v (%d objects)\n%s", dev, err, len(raw), out)
	}
	m := map[string]feature{}
	for k, v := range raw[0] {
		if k == "ifname" {
			continue
		}
		var f feature
		if err := json.Unmarshal(v, &f); err != nil {
			t.Fatalf("ethtool --json -k: %s: %v", k, err)
		}
		m[k] = f
	}
	return m
}

// ethtoolSections parses ethtool's "Key: value" text into one map per
// section: a line ending in ':' opens a section, named by it.
func ethtoolSections(out string) map[string]map[string]string {
	secs := map[string]map[string]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		s := strings.TrimSpace(line)
		if s == "" {
			continue
		}
		if strings.HasSuffix(s, ":") {
			cur = strings.TrimSuffix(s, ":")
			continue
		}
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			continue
		}
		if secs[cur] == nil {
			secs[cur] = map[string]string{}
		}
		secs[cur][strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return secs
}

// vethNS makes a namespace with the pair veth0, veth1, both up.
func vethNS(t *testing.T) *nstest.NS {
	t.Helper()
	ns := nstest.New(t)
	ns.Batch(t, []string{"link add veth0 type veth peer name veth1", "link set veth0 up", "link set veth1 up"})
	return ns
}

func dialEthtool(t *testing.T, ns *nstest.NS) *ethtool.Client {
	t.Helper()
	c, err := ethtool.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no ethtool family: %v", err))
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestIntegrationFeaturesEqualEthtool compares a veth's features, read
// with StrsetGet and FeaturesGet, with `ethtool --json -k` (every line,
// active, fixed and requested) and with `ethtool -k`'s text, line by line
// in its order; then turns rx-checksum off with
// FeaturesSet, checks the reply and ethtool again, and turns it back on.
func TestIntegrationFeaturesEqualEthtool(t *testing.T) {
	ns := vethNS(t)
	c := dialEthtool(t, ns)
	compare := func(step string) {
		t.Helper()
		got, text := typedFeatures(t, c, "veth0")
		if diff := cmp.Diff(ethtoolFeatures(t, ns, "veth0"), got); diff != "" {
			t.Errorf("%s: features differ from ethtool --json -k veth0 (-ethtool +typed):\n%s", step, diff)
		}
		want := strings.Split(strings.TrimRight(ns.Exec(t, "ethtool", "-k", "veth0"), "\n"), "\n")
		if diff := cmp.Diff(want, append([]string{"Features for veth0:"}, text...)); diff != "" {
			t.Errorf("%s: features differ from ethtool -k veth0's text (-ethtool +typed):\n%s", step, diff)
		}
	}
	compare("as created")
	if f := ethtoolFeatures(t, ns, "veth0")["rx-checksumming"]; !f.Active || f.Fixed == nil || *f.Fixed {
		t.Fatalf("rx-checksumming of a new veth: %+v, want on and changeable", f)
	}

	for _, on := range []bool{false, true} {
		rep, err := c.FeaturesSet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "veth0"}),
			Wanted: family.Some(ethtool.Bitset{Bits: family.Some(ethtool.BitsetBits{
				Bit: []ethtool.BitsetBit{{Name: "rx-checksum", Value: on}}})})})
		if err != nil {
			t.Fatalf("FeaturesSet rx-checksum %v: %v", on, err)
		}
		// The reply lists the bits whose values differ from the request
		// (none: the kernel did as asked) and the active bits that changed.
		changed := map[string]bool{}
		for _, b := range rep.Active.Value.Bits.Value.Bit {
			changed[b.Name] = b.Value
		}
		if diff := cmp.Diff(map[string]bool{"rx-checksum": on}, changed); diff != "" {
			t.Errorf("FeaturesSet rx-checksum %v: active bits changed (-want +got):\n%s", on, diff)
		}
		if f := ethtoolFeatures(t, ns, "veth0")["rx-checksumming"]; f.Active != on || f.Requested == nil || *f.Requested != on {
			t.Errorf("ethtool after FeaturesSet rx-checksum %v: rx-checksumming %+v", on, f)
		}
		compare(fmt.Sprintf("rx-checksum %v", on))
	}

	// Without checksumming the kernel turns segmentation off too, but
	// keeps it wanted: ethtool's "[requested on]".
	for _, on := range []bool{false, true} {
		if _, err := c.FeaturesSet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "veth0"}),
			Wanted: family.Some(ethtool.Bitset{Bits: family.Some(ethtool.BitsetBits{
				Bit: []ethtool.BitsetBit{{Name: "tx-checksum-ip-generic", Value: on}}})})}); err != nil {
			t.Fatalf("FeaturesSet tx-checksum-ip-generic %v: %v", on, err)
		}
		got, _ := typedFeatures(t, c, "veth0")
		if f := got["tx-tcp-segmentation"]; f.Active != on || f.Requested == nil || !*f.Requested {
			t.Errorf("tx-tcp-segmentation after tx-checksum-ip-generic %v: %+v, want active %v and requested", on, f, on)
		}
		compare(fmt.Sprintf("tx-checksum-ip-generic %v", on))
	}
}

// TestIntegrationChannelsEqualEthtool compares ChannelsGet of a veth
// with `ethtool -l`: "n/a" is an absent attribute.
func TestIntegrationChannelsEqualEthtool(t *testing.T) {
	ns := vethNS(t)
	c := dialEthtool(t, ns)
	ch, err := c.ChannelsGet(&ethtool.Channels{Header: family.Some(ethtool.Header{DevName: "veth0"})})
	if err != nil {
		t.Fatal(err)
	}
	v := func(o family.Opt[uint32]) string {
		if !o.Valid {
			return "n/a"
		}
		return fmt.Sprint(o.Value)
	}
	got := map[string]map[string]string{
		"Pre-set maximums":          {"RX": v(ch.RxMax), "TX": v(ch.TxMax), "Other": v(ch.OtherMax), "Combined": v(ch.CombinedMax)},
		"Current hardware settings": {"RX": v(ch.RxCount), "TX": v(ch.TxCount), "Other": v(ch.OtherCount), "Combined": v(ch.CombinedCount)},
	}
	want := ethtoolSections(ns.Exec(t, "ethtool", "-l", "veth0"))
	delete(want, "Channel parameters for veth0")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("channels differ from ethtool -l veth0 (-ethtool +typed):\n%s", diff)
	}
	if !ch.RxMax.Valid || ch.RxMax.Value == 0 {
		t.Errorf("a veth's rx-max: %v, want its queues", ch.RxMax)
	}
}

// ethtool's names (ethtool.c and netlink/settings.c) of the values
// <linux/ethtool.h> defines.
var (
	ethtoolPorts   = map[uint8]string{0x00: "Twisted Pair", 0x01: "AUI", 0x02: "BNC", 0x03: "MII", 0x04: "FIBRE", 0x05: "Direct Attach Copper", 0xef: "None", 0xff: "Other"}
	ethtoolXcvrs   = map[uint8]string{0: "internal", 1: "external"}
	ethtoolDuplex  = map[uint8]string{0: "Half", 1: "Full", 0xff: "Unknown! (255)"}
	ethtoolAutoneg = map[uint8]string{0: "off", 1: "on"}
	ethtoolMdix    = map[uint8]string{0: "Unknown", 1: "off", 2: "on"} // ETH_TP_MDI_INVALID, ETH_TP_MDI, ETH_TP_MDI_X
)

// TestIntegrationLinkSettingsEqualEthtool compares a veth's LinkinfoGet,
// LinkmodesGet and LinkstateGet with what `ethtool veth0` prints: port,
// PHY address, transceiver, MDI-X, speed, duplex, autonegotiation, link
// modes (a veth reports none) and link detection.
func TestIntegrationLinkSettingsEqualEthtool(t *testing.T) {
	ns := vethNS(t)
	c := dialEthtool(t, ns)
	hdr := family.Some(ethtool.Header{DevName: "veth0"})
	li, err := c.LinkinfoGet(&ethtool.Linkinfo{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := c.LinkmodesGet(&ethtool.Linkmodes{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := c.LinkstateGet(&ethtool.Linkstate{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"Port":             ethtoolPorts[li.Port.Value],
		"PHYAD":            fmt.Sprint(li.Phyaddr.Value),
		"Transceiver":      ethtoolXcvrs[li.Transceiver.Value],
		"Speed":            fmt.Sprintf("%dMb/s", lm.Speed.Value),
		"Duplex":           ethtoolDuplex[lm.Duplex.Value],
		"Auto-negotiation": ethtoolAutoneg[lm.Autoneg.Value],
		"Link detected":    map[uint8]string{0: "no", 1: "yes"}[ls.Link.Value],
	}
	if li.Port.Value == 0 { // ethtool prints MDI-X for twisted pair only
		got["MDI-X"] = ethtoolMdix[li.TpMdix.Value]
	}
	if lm.Speed.Value == ^uint32(0) {
		got["Speed"] = "Unknown!"
	}
	// The link modes: ours holds the supported modes as its mask and the
	// advertised ones as its value. With no bits ethtool prints these.
	if n := len(lm.Ours.Value.Bits.Value.Bit); n == 0 {
		for k, v := range map[string]string{
			"Supported ports": "[  ]", "Supported link modes": "Not reported", "Supported pause frame use": "No",
			"Supports auto-negotiation": "No", "Supported FEC modes": "Not reported",
			"Advertised link modes": "Not reported", "Advertised pause frame use": "No",
			"Advertised auto-negotiation": "No", "Advertised FEC modes": "Not reported",
		} {
			got[k] = v
		}
	} else {
		t.Errorf("the veth reports %d link modes, which this test does not name as ethtool does", n)
	}
	want := ethtoolSections(ns.Exec(t, "ethtool", "veth0"))["Settings for veth0"]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings differ from ethtool veth0 (-ethtool +typed):\n%s", diff)
	}
	if !li.Port.Valid || !lm.Speed.Valid || !lm.Duplex.Valid || !ls.Link.Valid {
		t.Errorf("attributes absent: port %v, speed %v, duplex %v, link %v", li.Port.Valid, lm.Speed.Valid, lm.Duplex.Valid, ls.Link.Valid)
	}
}
