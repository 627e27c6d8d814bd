package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nlgo/netlink"
)

// A protocol is a netlink protocol family, for Dial.
type protocol struct {
	name string
	num  int
}

// protocols are the families of <linux/netlink.h> (NETLINK_*), by number.
var protocols = []protocol{
	{"route", familyRoute}, {"usersock", 2}, {"firewall", 3}, {"sock_diag", 4}, {"nflog", 5},
	{"xfrm", 6}, {"selinux", 7}, {"iscsi", 8}, {"audit", 9}, {"fib_lookup", 10},
	{"connector", 11}, {"netfilter", 12}, {"ip6_fw", 13}, {"dnrtmsg", 14},
	{"kobject_uevent", 15}, {"generic", familyGeneric}, {"scsitransport", 18},
	{"ecryptfs", 19}, {"rdma", 20}, {"crypto", 21}, {"smc", 22},
}

// maxProtocol is the highest family number the kernel accepts (MAX_LINKS-1).
const maxProtocol = 31

// A dumpType is a dump request nl knows: its message type and the family
// header it sends and the replies start with.
type dumpType struct {
	name   string
	typ    netlink.HeaderType
	hdrLen int
	hdr    []byte // the family header's leading bytes; zero after them
}

// routeDumps are the rtnetlink tables. RTM_GETx is RTM_NEWx+2, and the
// kernel answers with RTM_NEWx messages.
var routeDumps = []dumpType{
	{name: "getlink", typ: rtmGetLink, hdrLen: ifinfomsgLen},
	{name: "getaddr", typ: rtmGetAddr, hdrLen: ifaddrmsgLen},
	{name: "getroute", typ: rtmGetRoute, hdrLen: rtmsgLen},
	{name: "getneigh", typ: 30, hdrLen: 12},   // RTM_GETNEIGH, struct ndmsg
	{name: "getrule", typ: 34, hdrLen: 12},    // RTM_GETRULE, struct fib_rule_hdr
	{name: "getqdisc", typ: 38, hdrLen: 20},   // RTM_GETQDISC, struct tcmsg
	{name: "getclass", typ: 42, hdrLen: 20},   // RTM_GETTCLASS, struct tcmsg
	{name: "getfilter", typ: 46, hdrLen: 20},  // RTM_GETTFILTER, struct tcmsg
	{name: "getnetconf", typ: 82, hdrLen: 4},  // RTM_GETNETCONF, struct netconfmsg
	{name: "getnsid", typ: 90, hdrLen: 4},     // RTM_GETNSID, struct rtgenmsg
	{name: "getnexthop", typ: 106, hdrLen: 8}, // RTM_GETNEXTHOP, struct nhmsg
}

// genericDumps are the generic netlink controller's dumps.
var genericDumps = []dumpType{
	{name: "getfamily", typ: genlIDCtrl, hdrLen: genlHdrLen, hdr: getFamilyHeader()},
}

// A usageError is a mistake on the command line: nl exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// canonical lower-cases a name and drops a C prefix, so that NETLINK_ROUTE
// and RTM_GETLINK work as well as route and getlink.
func canonical(s string, prefixes ...string) string {
	s = strings.ToLower(s)
	for _, p := range prefixes {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// parseProtocol resolves a family given by name or number.
func parseProtocol(arg string) (protocol, error) {
	if n, err := strconv.ParseUint(arg, 0, 8); err == nil {
		if n > maxProtocol {
			return protocol{}, usagef("netlink family %d out of range 0-%d", n, maxProtocol)
		}
		for _, p := range protocols {
			if p.num == int(n) {
				return p, nil
			}
		}
		return protocol{name: arg, num: int(n)}, nil
	}
	name := canonical(arg, "netlink_")
	if name == "inet_diag" {
		name = "sock_diag"
	}
	var known []string
	for _, p := range protocols {
		if p.name == name {
			return p, nil
		}
		known = append(known, p.name)
	}
	return protocol{}, usagef("unknown netlink family %q (known: %s, or a number)", arg, strings.Join(known, ", "))
}

// dumpsOf returns the dumps nl knows for a family.
func dumpsOf(p protocol) []dumpType {
	switch p.num {
	case familyRoute:
		return routeDumps
	case familyGeneric:
		return genericDumps
	}
	return nil
}

// parseDumpType resolves a message type given by name or number. A number
// nl does not know gets a zeroed family header of 4 bytes for generic
// netlink (struct genlmsghdr) and 16 bytes otherwise, as large as the
// common rtnetlink headers.
func parseDumpType(p protocol, arg string) (dumpType, error) {
	dumps := dumpsOf(p)
	if n, err := strconv.ParseUint(arg, 0, 16); err == nil {
		for _, t := range dumps {
			if t.typ == netlink.HeaderType(n) {
				return t, nil
			}
		}
		hdrLen := ifinfomsgLen
		if p.num == familyGeneric {
			hdrLen = genlHdrLen
		}
		return dumpType{name: arg, typ: netlink.HeaderType(n), hdrLen: hdrLen}, nil
	}
	name := canonical(arg, "rtm_", "ctrl_cmd_")
	var known []string
	for _, t := range dumps {
		if t.name == name {
			return t, nil
		}
		known = append(known, t.name)
	}
	if len(known) == 0 {
		return dumpType{}, usagef("no known message types for family %s: give a number", p.name)
	}
	return dumpType{}, usagef("unknown message type %q for family %s (known: %s, or a number)",
		arg, p.name, strings.Join(known, ", "))
}
