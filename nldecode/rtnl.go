package nldecode

import "github.com/nlgo/netlink"

// rtnetlink (NETLINK_ROUTE), from <linux/rtnetlink.h>: message types come
// in groups of four, NEW, DEL, GET and SET (RTM_NEWLINK = 16 ... RTM_SETLINK
// = 19), each group with its family header and attributes.

// An rtnlGroup describes a group of four rtnetlink message types.
type rtnlGroup struct {
	names  [4]string // NEW, DEL, GET, SET; "" where the group has none
	header *structSpec
	attrs  attrSet
}

// rtnlGroups are indexed by (type-16)/4.
var rtnlGroups = []rtnlGroup{
	{[4]string{"RTM_NEWLINK", "RTM_DELLINK", "RTM_GETLINK", "RTM_SETLINK"}, ifinfomsg, linkAttrs},
	{[4]string{"RTM_NEWADDR", "RTM_DELADDR", "RTM_GETADDR"}, ifaddrmsg, addrAttrs},
	{[4]string{"RTM_NEWROUTE", "RTM_DELROUTE", "RTM_GETROUTE"}, rtmsg, routeAttrs},
	{[4]string{"RTM_NEWNEIGH", "RTM_DELNEIGH", "RTM_GETNEIGH"}, ndmsg, neighAttrs},
	{[4]string{"RTM_NEWRULE", "RTM_DELRULE", "RTM_GETRULE"}, fibRuleHdr, ruleAttrs},
	{[4]string{"RTM_NEWQDISC", "RTM_DELQDISC", "RTM_GETQDISC"}, tcmsg, tcAttrs},
	{[4]string{"RTM_NEWTCLASS", "RTM_DELTCLASS", "RTM_GETTCLASS"}, tcmsg, tcAttrs},
	{[4]string{"RTM_NEWTFILTER", "RTM_DELTFILTER", "RTM_GETTFILTER"}, tcmsg, tcAttrs},
	{[4]string{"RTM_NEWACTION", "RTM_DELACTION", "RTM_GETACTION"}, tcamsg, nil},
	{[4]string{"RTM_NEWPREFIX"}, prefixmsg, nil},
	{[4]string{"RTM_NEWMULTICAST", "RTM_DELMULTICAST", "RTM_GETMULTICAST"}, ifaddrmsg, addrAttrs},
	{[4]string{"RTM_NEWANYCAST", "RTM_DELANYCAST", "RTM_GETANYCAST"}, ifaddrmsg, addrAttrs},
	{[4]string{"RTM_NEWNEIGHTBL", 2: "RTM_GETNEIGHTBL", 3: "RTM_SETNEIGHTBL"}, ndtmsg, nil},
	{[4]string{"RTM_NEWNDUSEROPT"}, nduseroptmsg, nil},
	{[4]string{"RTM_NEWADDRLABEL", "RTM_DELADDRLABEL", "RTM_GETADDRLABEL"}, ifaddrlblmsg, nil},
	{[4]string{2: "RTM_GETDCB", 3: "RTM_SETDCB"}, dcbmsg, nil},
	{[4]string{"RTM_NEWNETCONF", "RTM_DELNETCONF", "RTM_GETNETCONF"}, netconfmsg, netconfAttrs},
	{[4]string{"RTM_NEWMDB", "RTM_DELMDB", "RTM_GETMDB"}, brPortMsg, nil},
	{[4]string{"RTM_NEWNSID", "RTM_DELNSID", "RTM_GETNSID"}, rtgenmsg, nsidAttrs},
	{[4]string{"RTM_NEWSTATS", 2: "RTM_GETSTATS", 3: "RTM_SETSTATS"}, ifStatsMsg, nil},
	{[4]string{"RTM_NEWCACHEREPORT"}, rtgenmsg, nil},
	{[4]string{"RTM_NEWCHAIN", "RTM_DELCHAIN", "RTM_GETCHAIN"}, tcmsg, tcAttrs},
	{[4]string{"RTM_NEWNEXTHOP", "RTM_DELNEXTHOP", "RTM_GETNEXTHOP"}, nhmsg, nexthopAttrs},
	{[4]string{"RTM_NEWLINKPROP", "RTM_DELLINKPROP", "RTM_GETLINKPROP"}, ifinfomsg, linkAttrs},
	{[4]string{"RTM_NEWVLAN", "RTM_DELVLAN", "RTM_GETVLAN"}, brVlanMsg, nil},
	{[4]string{"RTM_NEWNEXTHOPBUCKET", "RTM_DELNEXTHOPBUCKET", "RTM_GETNEXTHOPBUCKET"}, nhmsg, nil},
	{[4]string{"RTM_NEWTUNNEL", "RTM_DELTUNNEL", "RTM_GETTUNNEL"}, tunnelMsg, nil},
}

// rtnlType returns the description of rtnetlink type t: its group, its
// name, and the meaning of its high flag bits.
func rtnlType(t netlink.HeaderType) (g rtnlGroup, name string, fc netlink.FlagContext, ok bool) {
	if t < netlink.MinType {
		return g, "", 0, false
	}
	i := int(t-netlink.MinType) / 4
	if i >= len(rtnlGroups) {
		return g, "", 0, false
	}
	g = rtnlGroups[i]
	k := int(t-netlink.MinType) % 4
	if g.names[k] == "" {
		return g, "", 0, false
	}
	return g, g.names[k], [4]netlink.FlagContext{netlink.NewFlags, netlink.DeleteFlags, netlink.GetFlags, netlink.NewFlags}[k], true
}

// Family headers (struct ifinfomsg and the others).
var (
	ifinfomsg = structOf("ifinfomsg", fu8("family", addressFamilies), pad(1), fu16("type", linkTypes),
		fs32("index"), fu32("flags", linkFlags), fu32("change", linkFlags))
	ifaddrmsg = structOf("ifaddrmsg", fu8("family", addressFamilies), fu8("prefixlen", nil),
		fu8("flags", addrFlags), fu8("scope", scopes), fu32("index", nil))
	rtmsg = structOf("rtmsg", fu8("family", addressFamilies), fu8("dst_len", nil), fu8("src_len", nil),
		fu8("tos", nil), fu8("table", routeTables), fu8("protocol", routeProtocols), fu8("scope", scopes),
		fu8("type", routeTypes), fu32("flags", routeFlags))
	ndmsg = structOf("ndmsg", fu8("family", addressFamilies), pad(3), fs32("ifindex"),
		fu16("state", neighStates), fu8("flags", neighFlags), fu8("type", routeTypes))
	fibRuleHdr = structOf("fib_rule_hdr", fu8("family", addressFamilies), fu8("dst_len", nil),
		fu8("src_len", nil), fu8("tos", nil), fu8("table", routeTables), pad(2),
		fu8("action", ruleActions), fu32("flags", ruleFlags))
	tcmsg = structOf("tcmsg", fu8("family", addressFamilies), pad(3), fs32("ifindex"),
		fu32("handle", nil), fu32("parent", nil), fu32("info", nil))
	tcamsg       = structOf("tcamsg", fu8("family", addressFamilies), pad(3))
	prefixmsg    = structOf("prefixmsg", fu8("family", addressFamilies), pad(3), fs32("ifindex"), fu8("type", nil), fu8("len", nil), fu8("flags", nil), pad(1))
	ndtmsg       = structOf("ndtmsg", fu8("family", addressFamilies), pad(3))
	nduseroptmsg = structOf("nduseroptmsg", fu8("family", addressFamilies), pad(1), fu16("opts_len", nil), fs32("ifindex"), fu8("icmp_type", nil), fu8("icmp_code", nil), pad(6))
	ifaddrlblmsg = structOf("ifaddrlblmsg", fu8("family", addressFamilies), pad(1), fu8("prefixlen", nil), fu8("flags", nil), fu32("index", nil), fu32("seq", nil))
	dcbmsg       = structOf("dcbmsg", fu8("family", addressFamilies), fu8("cmd", nil), pad(2))
	netconfmsg   = structOf("netconfmsg", fu8("family", addressFamilies), pad(3))
	brPortMsg    = structOf("br_port_msg", fu8("family", addressFamilies), pad(3), fu32("ifindex", nil))
	rtgenmsg     = structOf("rtgenmsg", fu8("family", addressFamilies), pad(3))
	ifStatsMsg   = structOf("if_stats_msg", fu8("family", addressFamilies), pad(3), fu32("ifindex", nil), fu32("filter_mask", nil))
	nhmsg        = structOf("nhmsg", fu8("family", addressFamilies), fu8("scope", scopes), fu8("protocol", routeProtocols), pad(1), fu32("flags", nextHopFlags))
	brVlanMsg    = structOf("br_vlan_msg", fu8("family", addressFamilies), pad(3), fu32("ifindex", nil))
	tunnelMsg    = structOf("tunnel_msg", fu8("family", addressFamilies), fu8("flags", nil), pad(2), fu32("ifindex", nil))
)

// decodeRoute decodes an rtnetlink message's family header and
// attributes, these as a spec names them if AddSchema was given one.
func (d *Decoder) decodeRoute(m *Message, nm netlink.Message) {
	g, name, fc, ok := rtnlType(nm.Header.Type)
	if !ok {
		m.Hex = hexOf(nm.Data)
		return
	}
	m.Type = name
	m.Flags = nm.Header.Flags.Format(fc)
	set := g.attrs
	if s, ok := d.routeSet(nm.Header.Type, nm.Header.Flags&netlink.Request != 0); ok {
		set = s
	}
	decodeBody(m, nm.Data, g.header, set)
}

// decodeBody decodes a family header of layout hdr and the attributes
// after it. A payload shorter than the header, as some GET requests send
// (a bare rtgenmsg), decodes the fields it holds; an empty one, as an
// NLMSG_ERROR echoes a capped request, decodes nothing.
func decodeBody(m *Message, p []byte, hdr *structSpec, set attrSet) {
	if len(p) == 0 { // a capped echo, or a request without a header
		return
	}
	m.HeaderName = hdr.name
	n := hdr.size()
	if len(p) < n {
		var why string
		m.Fields, _, why = decodeStruct(hdr, p)
		if m.Header.Flags&netlink.Request == 0 {
			m.Error, m.Hex = why, hexOf(p)
		}
		return
	}
	m.Fields, _, _ = decodeStruct(hdr, p[:n])
	rest := p[min(netlink.Align(n), len(p)):]
	if len(rest) == 0 {
		return
	}
	base := netlink.HeaderLen + netlink.Align(n)
	attrs, err := decodeAttrs(rest, set, base, 0)
	m.Attrs = attrs
	if err != nil {
		m.Error, m.Hex = err.Error(), hexOf(rest[failedAt(err, base, len(rest)):])
	}
}

// failedAt returns where in attrs, base bytes into its message, the
// attribute that err reports starts; 0 when err does not say.
func failedAt(err error, base, n int) int {
	if pe, ok := err.(*netlink.ParseError); ok && pe.Offset >= base && pe.Offset-base <= n {
		return pe.Offset - base
	}
	return 0
}
