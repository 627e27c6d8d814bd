package nldecode

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/nlgo/netlink"
)

// The attributes of rtnetlink messages, from <linux/if_link.h>,
// <linux/if_addr.h>, <linux/rtnetlink.h>, <linux/neighbour.h>,
// <linux/fib_rules.h>, <linux/pkt_sched.h>, <linux/netconf.h>,
// <linux/net_namespace.h> and <linux/nexthop.h>.

// linkStatsNames are the counters of struct rtnl_link_stats64, in order;
// struct rtnl_link_stats has the first 24 of them, 32 bits wide.
var linkStatsNames = []string{"rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors",
	"tx_errors", "rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
	"rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors", "rx_missed_errors",
	"tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors", "tx_heartbeat_errors",
	"tx_window_errors", "rx_compressed", "tx_compressed", "rx_nohandler", "rx_otherhost_dropped"}

// linkAttrs are IFLA_*.
var linkAttrs = attrs(
	hw(1, "address"), hw(2, "broadcast"), str(3, "ifname"), u32(4, "mtu"), u32(5, "link"),
	str(6, "qdisc"), strct(7, "stats", u32s("rtnl_link_stats", linkStatsNames[:24]...)),
	u32(8, "cost"), u32(9, "priority"), u32(10, "master"), guessed(11, "wireless"),
	guessed(12, "protinfo"), u32(13, "txqlen"), raw(14, "map"), u32(15, "weight"),
	u8(16, "operstate").named(operStates), u8(17, "linkmode").named(linkModes),
	guessed(18, "linkinfo"), u32(19, "net_ns_pid"), str(20, "ifalias"),
	u32(21, "num_vf"), guessed(22, "vfinfo_list"),
	strct(23, "stats64", u64s("rtnl_link_stats64", linkStatsNames...)),
	guessed(24, "vf_ports"), guessed(25, "port_self"), nest(26, "af_spec", afSpecAttrs),
	u32(27, "group"), u32(28, "net_ns_fd"), u32(29, "ext_mask"), u32(30, "promiscuity"),
	u32(31, "num_tx_queues"), u32(32, "num_rx_queues"), u8(33, "carrier"),
	raw(34, "phys_port_id"), u32(35, "carrier_changes"), raw(36, "phys_switch_id"),
	s32(37, "link_netnsid"), str(38, "phys_port_name"), u8(39, "proto_down"),
	u32(40, "gso_max_segs"), u32(41, "gso_max_size"), raw(42, "pad"), nest(43, "xdp", xdpAttrs),
	u32(44, "event"), s32(45, "new_netnsid"), s32(46, "target_netnsid"),
	u32(47, "carrier_up_count"), u32(48, "carrier_down_count"), s32(49, "new_ifindex"),
	u32(50, "min_mtu"), u32(51, "max_mtu"), nest(52, "prop_list", linkPropAttrs),
	str(53, "alt_ifname"), hw(54, "perm_address"), guessed(55, "proto_down_reason"),
	str(56, "parent_dev_name"), str(57, "parent_dev_bus_name"), u32(58, "gro_max_size"),
	u32(59, "tso_max_size"), u32(60, "tso_max_segs"), u32(61, "allmulti"),
	guessed(62, "devlink_port"), u32(63, "gso_ipv4_max_size"), u32(64, "gro_ipv4_max_size"),
	guessed(65, "dpll_pin"), u32(66, "max_pacing_offload_horizon"), u8(67, "netns_immutable"),
	u16(68, "headroom"), u16(69, "tailroom"),
)

func init() {
	// IFLA_LINKINFO of a veth holds the peer's link attributes: the table
	// refers to itself, which only init can set up.
	linkAttrs[18] = custom(18, "linkinfo", decodeLinkInfo)
}

// linkPropAttrs are the attributes of IFLA_PROP_LIST.
var linkPropAttrs = attrs(str(53, "alt_ifname"))

// xdpAttrs are IFLA_XDP_*.
var xdpAttrs = attrs(s32(1, "fd"), u8(2, "attached"), u32(3, "flags"), u32(4, "prog_id"),
	u32(5, "drv_prog_id"), u32(6, "skb_prog_id"), u32(7, "hw_prog_id"), s32(8, "expected_fd"))

// afSpecAttrs are the nests of IFLA_AF_SPEC, one per address family.
var afSpecAttrs = attrs(
	nest(2, "inet", attrs(raw(1, "conf"))),
	nest(10, "inet6", attrs(u32(1, "flags"), raw(2, "conf"), raw(3, "stats"), raw(4, "mcast"),
		strct(5, "cacheinfo", u32s("ifla_cacheinfo", "max_reasm_len", "tstamp", "reachable_time", "retrans_time")),
		raw(6, "icmp6stats"), addr(7, "token"), u8(8, "addr_gen_mode").named(addrGenModes),
		u32(9, "ra_mtu"))),
	guessed(7, "bridge"), guessed(28, "mpls"),
)

// linkInfoAttrs are IFLA_INFO_*; the data nests are read by kind.
var linkInfoAttrs = attrs(str(1, "kind"), guessed(2, "data"), guessed(3, "xstats"),
	str(4, "slave_kind"), guessed(5, "slave_data"))

// linkKinds are the attributes of IFLA_INFO_DATA for some link kinds.
var linkKinds = map[string]attrSet{
	"vlan": attrs(u16(1, "id"), strct(2, "flags", u32s("ifla_vlan_flags", "flags", "mask")),
		guessed(3, "egress_qos"), guessed(4, "ingress_qos"), be16(5, "protocol")),
	"veth": attrs(custom(1, "peer", decodeVethPeer)),
	"vrf":  attrs(u32(1, "table")),
	"macvlan": attrs(u32(1, "mode").named(enumOf(map[uint64]string{1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"})),
		u16(2, "flags"), u32(3, "macaddr_mode"), hw(4, "macaddr"), guessed(5, "macaddr_data"),
		u32(6, "macaddr_count"), u32(7, "bc_queue_len"), u32(8, "bc_queue_len_used")),
	"ipvlan": attrs(u16(1, "mode").named(enum("l2", "l3", "l3s")), u16(2, "flags")),
	"vxlan": attrs(u32(1, "id"), addr(2, "group"), u32(3, "link"), addr(4, "local"), u8(5, "ttl"),
		u8(6, "tos"), u8(7, "learning"), u32(8, "ageing"), u32(9, "limit"),
		strct(10, "port_range", structOf("ifla_vxlan_port_range", fieldSpec{name: "low", kind: kindBE16}, fieldSpec{name: "high", kind: kindBE16})),
		u8(11, "proxy"), u8(12, "rsc"), u8(13, "l2miss"), u8(14, "l3miss"), be16(15, "port"),
		addr(16, "group6"), addr(17, "local6")),
	"bridge": attrs(u32(1, "forward_delay"), u32(2, "hello_time"), u32(3, "max_age"),
		u32(4, "ageing_time"), u32(5, "stp_state"), u16(6, "priority"), u8(7, "vlan_filtering"),
		be16(8, "vlan_protocol"), u16(9, "group_fwd_mask"), raw(10, "root_id"), raw(11, "bridge_id"),
		u16(12, "root_port"), u32(13, "root_path_cost"), u8(14, "topology_change"),
		u8(15, "topology_change_detected"), u64(16, "hello_timer"), u64(17, "tcn_timer"),
		u64(18, "topology_change_timer"), u64(19, "gc_timer"), hw(20, "group_addr")),
}

// decodeLinkInfo decodes IFLA_LINKINFO, naming the attributes of its
// data by the link's kind.
func decodeLinkInfo(a *Attr, p []byte, depth int) {
	a.Kind = "nested"
	set := linkInfoAttrs
	var d netlink.AttributeDecoder
	d.Reset(p)
	for d.Next() {
		if d.Type() == 1 {
			if s, ok := linkKinds[cString(d.Data())]; ok {
				set = append(attrSet(nil), linkInfoAttrs...)
				set[2] = nest(2, "data", s)
			}
		}
	}
	var err error
	if a.Attrs, err = decodeAttrs(p, set, a.Offset+netlink.AttributeHeaderLen, depth+1); err != nil {
		a.Error = err.Error()
	}
}

// decodeVethPeer decodes VETH_INFO_PEER: an ifinfomsg, then the peer's
// link attributes.
func decodeVethPeer(a *Attr, p []byte, depth int) {
	n := ifinfomsg.size()
	if len(p) < n {
		a.Kind, a.Hex = "bytes", hex.EncodeToString(p)
		return
	}
	a.Fields, _, _ = decodeStruct(ifinfomsg, p[:n])
	var err error
	if a.Attrs, err = decodeAttrs(p[n:], linkAttrs, a.Offset+netlink.AttributeHeaderLen+n, depth+1); err != nil {
		a.Error = err.Error()
	}
}

// addrAttrs are IFA_*.
var addrAttrs = attrs(
	addr(1, "address"), addr(2, "local"), str(3, "label"), addr(4, "broadcast"), addr(5, "anycast"),
	strct(6, "cacheinfo", u32s("ifa_cacheinfo", "prefered", "valid", "cstamp", "tstamp")),
	addr(7, "multicast"), u32(8, "flags").named(addrFlags), u32(9, "rt_priority"),
	s32(10, "target_netnsid"), u8(11, "proto"),
)

// routeAttrs are RTA_*.
var routeAttrs = attrs(
	addr(1, "dst"), addr(2, "src"), u32(3, "iif"), u32(4, "oif"), addr(5, "gateway"),
	u32(6, "priority"), addr(7, "prefsrc"), nest(8, "metrics", metricAttrs),
	custom(9, "multipath", decodeMultipath), guessed(10, "protoinfo"), u32(11, "flow"),
	strct(12, "cacheinfo", structOf("rta_cacheinfo", fu32("clntref", nil), fu32("lastuse", nil),
		fs32("expires"), fu32("error", nil), fu32("used", nil), fu32("id", nil), fu32("ts", nil), fu32("tsage", nil))),
	guessed(13, "session"), guessed(14, "mp_algo"), u32(15, "table").named(routeTables), u32(16, "mark"),
	raw(17, "mfc_stats"), custom(18, "via", decodeVia), addr(19, "newdst"),
	u8(20, "pref").named(routePrefs), u16(21, "encap_type"), guessed(22, "encap"),
	u32(23, "expires"), raw(24, "pad"), u32(25, "uid"), u8(26, "ttl_propagate"),
	u8(27, "ip_proto").named(ipProtocols), be16(28, "sport"), be16(29, "dport"), u32(30, "nh_id"),
	be32(31, "flowlabel"),
)

// metricAttrs are RTAX_*.
var metricAttrs = attrs(
	u32(1, "lock"), u32(2, "mtu"), u32(3, "window"), u32(4, "rtt"), u32(5, "rttvar"),
	u32(6, "ssthresh"), u32(7, "cwnd"), u32(8, "advmss"), u32(9, "reordering"), u32(10, "hoplimit"),
	u32(11, "initcwnd"), u32(12, "features"), u32(13, "rto_min"), u32(14, "initrwnd"),
	u32(15, "quickack"), str(16, "cc_algo"), u32(17, "fastopen_no_cookie"),
)

// rtnexthop is the header of each next hop of RTA_MULTIPATH.
var rtnexthop = structOf("rtnexthop", fu16("len", nil), fu8("flags", nextHopFlags), fu8("hops", nil), fs32("ifindex"))

// decodeMultipath decodes RTA_MULTIPATH: a sequence of struct rtnexthop,
// each followed by route attributes (RTA_GATEWAY ...) up to its length.
func decodeMultipath(a *Attr, p []byte, depth int) {
	a.Kind = "array"
	base := a.Offset + netlink.AttributeHeaderLen
	for off, i := 0, 0; off < len(p); i++ {
		hop := Attr{Type: uint16(i), Kind: "struct", Offset: base + off}
		if len(p)-off < 8 {
			a.Hex, a.Error = hex.EncodeToString(p[off:]), fmt.Sprintf("%d bytes left, a next hop needs 8", len(p)-off)
			return
		}
		n := int(binary.NativeEndian.Uint16(p[off:]))
		if n < 8 || n > len(p)-off {
			a.Hex, a.Error = hex.EncodeToString(p[off:]), fmt.Sprintf("next hop %d: length %d out of range", i, n)
			return
		}
		hop.Fields, _, _ = decodeStruct(rtnexthop, p[off:off+8])
		var err error
		if hop.Attrs, err = decodeAttrs(p[off+8:off+n], hopAttrs, base+off+8, depth+1); err != nil {
			hop.Error = err.Error()
		}
		a.Attrs = append(a.Attrs, hop)
		off += netlink.Align(n)
	}
}

// hopAttrs are the route attributes a next hop of RTA_MULTIPATH carries.
var hopAttrs = attrs(addr(5, "gateway"), u32(11, "flow"), custom(18, "via", decodeVia),
	addr(19, "newdst"), u16(21, "encap_type"), guessed(22, "encap"))

// decodeVia decodes RTA_VIA: an address family, then an address.
func decodeVia(a *Attr, p []byte, _ int) {
	if len(p) < 2 {
		a.Kind, a.Hex = "bytes", hex.EncodeToString(p)
		return
	}
	a.Kind = "struct"
	fam := fieldSpec{kind: kindU16, names: addressFamilies}.value(p[:2], false)
	a.Fields = Fields{{"family", fam}, {"addr", fieldSpec{kind: kindAddr}.value(p[2:], false)}}
}

// neighAttrs are NDA_*.
var neighAttrs = attrs(
	addr(1, "dst"), hw(2, "lladdr"),
	strct(3, "cacheinfo", u32s("nda_cacheinfo", "confirmed", "used", "updated", "refcnt")),
	u32(4, "probes"), u16(5, "vlan"), be16(6, "port"), u32(7, "vni"), u32(8, "ifindex"),
	u32(9, "master"), s32(10, "link_netnsid"), u32(11, "src_vni"), u8(12, "protocol").named(routeProtocols),
	u32(13, "nh_id"), guessed(14, "fdb_ext_attrs"), u32(15, "flags_ext"), u16(16, "ndm_state_mask"),
	u8(17, "ndm_flags_mask"),
)

// portRange is struct fib_rule_port_range.
var portRange = structOf("fib_rule_port_range", fu16("start", nil), fu16("end", nil))

// ruleAttrs are FRA_*.
var ruleAttrs = attrs(
	addr(1, "dst"), addr(2, "src"), str(3, "iifname"), u32(4, "goto"), raw(5, "unused2"),
	u32(6, "priority"), raw(7, "unused3"), raw(8, "unused4"), raw(9, "unused5"), u32(10, "fwmark"),
	u32(11, "flow"), be64(12, "tun_id"), u32(13, "suppress_ifgroup"), u32(14, "suppress_prefixlen"),
	u32(15, "table").named(routeTables), u32(16, "fwmask"), str(17, "oifname"), raw(18, "pad"),
	u8(19, "l3mdev"), strct(20, "uid_range", u32s("fib_rule_uid_range", "start", "end")),
	u8(21, "protocol").named(routeProtocols), u8(22, "ip_proto").named(ipProtocols),
	strct(23, "sport_range", portRange), strct(24, "dport_range", portRange), u8(25, "dscp"),
	be32(26, "flowlabel"), be32(27, "flowlabel_mask"), u16(28, "sport_mask"), u16(29, "dport_mask"),
	u8(30, "dscp_mask"),
)

// tcAttrs are TCA_*.
var tcAttrs = attrs(
	str(1, "kind"), guessed(2, "options"), raw(3, "stats"), raw(4, "xstats"), raw(5, "rate"),
	u32(6, "fcnt"), nest(7, "stats2", attrs(
		strct(1, "basic", structOf("gnet_stats_basic", fu64("bytes"), fu32("packets", nil))),
		raw(2, "rate_est"), strct(3, "queue", u32s("gnet_stats_queue", "qlen", "backlog", "drops", "requeues", "overlimits")),
		raw(4, "app"), raw(5, "rate_est64"), raw(6, "pad"), raw(7, "basic_hw"), u64(8, "pkt64"))),
	guessed(8, "stab"), raw(9, "pad"), flag(10, "dump_invisible"), u32(11, "chain"),
	u8(12, "hw_offload"), u32(13, "ingress_block"), u32(14, "egress_block"),
	raw(15, "dump_flags"), str(16, "ext_warn_msg"),
)

// netconfAttrs are NETCONFA_*.
var netconfAttrs = attrs(
	s32(1, "ifindex"), s32(2, "forwarding"), s32(3, "rp_filter"), s32(4, "mc_forwarding"),
	s32(5, "proxy_neigh"), s32(6, "ignore_routes_with_linkdown"), s32(7, "input"),
	s32(8, "bc_forwarding"),
)

// nsidAttrs are NETNSA_*.
var nsidAttrs = attrs(s32(1, "nsid"), u32(2, "pid"), u32(3, "fd"), s32(4, "target_nsid"), s32(5, "current_nsid"))

// nexthopAttrs are NHA_*.
var nexthopAttrs = attrs(
	u32(1, "id"), raw(2, "group"), u16(3, "group_type"), flag(4, "blackhole"), u32(5, "oif"),
	addr(6, "gateway"), u16(7, "encap_type"), guessed(8, "encap"), flag(9, "groups"),
	u32(10, "master"), flag(11, "fdb"), guessed(12, "res_group"), guessed(13, "res_bucket"),
	u32(14, "op_flags"), guessed(15, "group_stats"), u32(16, "hw_stats_enable"), u32(17, "hw_stats_used"),
)
