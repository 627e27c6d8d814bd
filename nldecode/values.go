package nldecode

// Names of the values that rtnetlink's headers and attributes carry, from
// <linux/socket.h>, <linux/if_arp.h>, <linux/if.h>, <linux/rtnetlink.h>,
// <linux/if_addr.h>, <linux/neighbour.h> and <linux/fib_rules.h>. They are
// the kernel's ABI, written out here so that the package builds on every
// platform; names_linux_test.go checks them against golang.org/x/sys/unix.

// addressFamilies names address families (AF_*, RTNL_FAMILY_*).
var addressFamilies = enumOf(map[uint64]string{
	0: "unspec", 1: "unix", 2: "inet", 3: "ax25", 4: "ipx", 5: "appletalk", 7: "bridge",
	10: "inet6", 16: "netlink", 17: "packet", 28: "mpls", 29: "can", 40: "vsock",
	128: "ipmr", 129: "ip6mr",
})

// linkTypes names link types (ARPHRD_*).
var linkTypes = enumOf(map[uint64]string{
	1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802",
	7: "arcnet", 8: "appletlk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394",
	27: "eui64", 32: "infiniband", 256: "slip", 257: "cslip", 258: "slip6", 259: "cslip6",
	260: "rsrvd", 264: "adapt", 270: "rose", 271: "x25", 272: "hwx25", 280: "can", 290: "mctp",
	512: "ppp", 513: "cisco", 516: "lapb", 517: "ddcmp", 518: "rawhdlc", 519: "rawip",
	768: "tunnel", 769: "tunnel6", 770: "frad", 771: "skip", 772: "loopback", 773: "localtlk",
	774: "fddi", 775: "bif", 776: "sit", 777: "ipddp", 778: "ipgre", 779: "pimreg",
	780: "hippi", 781: "ash", 782: "econet", 783: "irda", 784: "fcpp", 785: "fcal",
	786: "fcpl", 787: "fcfabric", 800: "ieee802_tr", 801: "ieee80211", 802: "ieee80211_prism",
	803: "ieee80211_radiotap", 804: "ieee802154", 805: "ieee802154_monitor", 820: "phonet",
	821: "phonet_pipe", 822: "caif", 823: "ip6gre", 824: "netlink", 825: "6lowpan",
	826: "vsockmon", 0xfffe: "none", 0xffff: "void",
})

// linkFlags names interface flags (IFF_*).
var linkFlags = bits(
	0x1, "up", 0x2, "broadcast", 0x4, "debug", 0x8, "loopback", 0x10, "pointopoint",
	0x20, "notrailers", 0x40, "running", 0x80, "noarp", 0x100, "promisc", 0x200, "allmulti",
	0x400, "master", 0x800, "slave", 0x1000, "multicast", 0x2000, "portsel",
	0x4000, "automedia", 0x8000, "dynamic", 0x10000, "lower_up", 0x20000, "dormant",
	0x40000, "echo",
)

// operStates names IFLA_OPERSTATE values (IF_OPER_*).
var operStates = enum("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")

// linkModes names IFLA_LINKMODE values (IF_LINK_MODE_*).
var linkModes = enum("default", "dormant", "testing")

// addrFlags names address flags (IFA_F_*); the low 8 bits also fit
// ifaddrmsg.ifa_flags.
var addrFlags = bits(
	0x1, "secondary", 0x2, "nodad", 0x4, "optimistic", 0x8, "dadfailed", 0x10, "homeaddress",
	0x20, "deprecated", 0x40, "tentative", 0x80, "permanent", 0x100, "managetempaddr",
	0x200, "noprefixroute", 0x400, "mcautojoin", 0x800, "stable-privacy",
)

// scopes names address and route scopes (RT_SCOPE_*).
var scopes = enumOf(map[uint64]string{0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"})

// routeTables names the reserved routing tables (RT_TABLE_*).
var routeTables = enumOf(map[uint64]string{0: "unspec", 252: "compat", 253: "default", 254: "main", 255: "local"})

// routeProtocols names who installed a route (RTPROT_*).
var routeProtocols = enumOf(map[uint64]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra",
	10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
	17: "mrouted", 18: "keepalived", 42: "babel", 99: "openr", 186: "bgp", 187: "isis",
	188: "ospf", 189: "rip", 192: "eigrp",
})

// routeTypes names route types (RTN_*), which neighbours use too.
var routeTypes = enum("unspec", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve")

// routeFlags names rtmsg flags (RTM_F_*, and RTNH_F_* in the low byte).
var routeFlags = bits(
	0x1, "dead", 0x2, "pervasive", 0x4, "onlink", 0x8, "offload", 0x10, "linkdown",
	0x20, "unresolved", 0x40, "trap", 0x100, "notify", 0x200, "cloned", 0x400, "equalize",
	0x800, "prefix", 0x1000, "lookup_table", 0x2000, "fib_match", 0x4000, "rt_offload",
	0x8000, "rt_trap", 0x20000000, "rt_offload_failed",
)

// nextHopFlags names rtnexthop flags (RTNH_F_*).
var nextHopFlags = bits(
	0x1, "dead", 0x2, "pervasive", 0x4, "onlink", 0x8, "offload", 0x10, "linkdown",
	0x20, "unresolved", 0x40, "trap",
)

// neighStates names neighbour states (NUD_*).
var neighStates = bits(
	0x1, "incomplete", 0x2, "reachable", 0x4, "stale", 0x8, "delay", 0x10, "probe",
	0x20, "failed", 0x40, "noarp", 0x80, "permanent",
)

// neighFlags names neighbour flags (NTF_*).
var neighFlags = bits(
	0x1, "use", 0x2, "self", 0x4, "master", 0x8, "proxy", 0x10, "ext_learned",
	0x20, "offloaded", 0x40, "sticky", 0x80, "router",
)

// ruleActions names rule actions (FR_ACT_*).
var ruleActions = enum("unspec", "to_tbl", "goto", "nop", "res3", "res4", "blackhole", "unreachable", "prohibit")

// ruleFlags names rule flags (FIB_RULE_*).
var ruleFlags = bits(0x1, "permanent", 0x2, "invert", 0x4, "unresolved", 0x8, "iif_detached",
	0x10, "oif_detached", 0x10000, "find_saddr")

// ipProtocols names the IP protocols rules and routes match (IPPROTO_*).
var ipProtocols = enumOf(map[uint64]string{
	0: "ip", 1: "icmp", 2: "igmp", 4: "ipip", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre",
	50: "esp", 51: "ah", 58: "icmpv6", 132: "sctp", 136: "udplite", 255: "raw",
})

// routePrefs names RTA_PREF values (ICMPV6_ROUTER_PREF_*).
var routePrefs = enumOf(map[uint64]string{0: "medium", 1: "high", 3: "low"})

// addrGenModes names IFLA_INET6_ADDR_GEN_MODE values (IN6_ADDR_GEN_MODE_*).
var addrGenModes = enum("eui64", "none", "stable_privacy", "random")
