package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/nlgo/netlink"
)

// The few rtnetlink constants nl needs, from <linux/rtnetlink.h>,
// <linux/if_link.h> and <linux/if_addr.h>. They are defined here rather than
// taken from golang.org/x/sys/unix so that nl builds on every platform.
const (
	familyRoute = 0 // NETLINK_ROUTE

	rtmNewLink  = 16 // RTM_NEWLINK
	rtmDelLink  = 17 // RTM_DELLINK
	rtmGetLink  = 18 // RTM_GETLINK
	rtmNewAddr  = 20 // RTM_NEWADDR
	rtmDelAddr  = 21 // RTM_DELADDR
	rtmGetAddr  = 22 // RTM_GETADDR
	rtmNewRoute = 24 // RTM_NEWROUTE
	rtmDelRoute = 25 // RTM_DELROUTE
	rtmGetRoute = 26 // RTM_GETROUTE

	ifinfomsgLen = 16 // sizeof(struct ifinfomsg)
	ifaddrmsgLen = 8  // sizeof(struct ifaddrmsg)
	rtmsgLen     = 12 // sizeof(struct rtmsg)

	iflaAddress   = 1  // IFLA_ADDRESS
	iflaIfname    = 3  // IFLA_IFNAME
	iflaMTU       = 4  // IFLA_MTU
	iflaOperstate = 16 // IFLA_OPERSTATE
	iflaLinkinfo  = 18 // IFLA_LINKINFO
	iflaInfoKind  = 1  // IFLA_INFO_KIND

	ifaAddress = 1 // IFA_ADDRESS
	ifaLocal   = 2 // IFA_LOCAL
	ifaLabel   = 3 // IFA_LABEL

	rtaDst     = 1  // RTA_DST
	rtaOIF     = 4  // RTA_OIF
	rtaGateway = 5  // RTA_GATEWAY
	rtaTable   = 15 // RTA_TABLE

	afInet  = 2  // AF_INET
	afInet6 = 10 // AF_INET6
)

// A Link is a network interface, as an RTM_NEWLINK message describes it.
type Link struct {
	Index     int32          `json:"index"`
	Name      string         `json:"name"`
	OperState string         `json:"operstate"`
	MTU       uint32         `json:"mtu"`
	MAC       string         `json:"mac,omitempty"`
	Kind      string         `json:"kind,omitempty"`
	Addrs     []netip.Prefix `json:"addrs,omitempty"`
}

// An Address is an interface address, from an RTM_NEWADDR message.
type Address struct {
	Index  int32        `json:"index"`
	Dev    string       `json:"dev,omitempty"`
	Prefix netip.Prefix `json:"prefix"`
	Scope  string       `json:"scope"`
}

// A Route is a routing table entry, from an RTM_NEWROUTE message.
type Route struct {
	Type    string       `json:"type"`
	Dst     netip.Prefix `json:"dst"`
	Gateway netip.Addr   `json:"gateway,omitzero"`
	Index   int32        `json:"index,omitempty"`
	Dev     string       `json:"dev,omitempty"`
	Table   uint32       `json:"table"`
}

// operStates names IFLA_OPERSTATE values (IF_OPER_*).
var operStates = []string{"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"}

// routeTypes names rtmsg.rtm_type values (RTN_*).
var routeTypes = []string{"unspec", "unicast", "local", "broadcast", "anycast", "multicast",
	"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"}

// name returns names[v], or v as a number when names has no entry for it.
func name[T ~uint8 | ~uint16 | ~uint32](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return strconv.FormatUint(uint64(v), 10)
}

// scopeName names an address or route scope (RT_SCOPE_*).
func scopeName(s uint8) string {
	switch s {
	case 0:
		return "global" // RT_SCOPE_UNIVERSE
	case 200:
		return "site" // RT_SCOPE_SITE
	case 253:
		return "link" // RT_SCOPE_LINK
	case 254:
		return "host" // RT_SCOPE_HOST
	case 255:
		return "nowhere" // RT_SCOPE_NOWHERE
	}
	return strconv.Itoa(int(s))
}

// tableName names a routing table (RT_TABLE_*).
func tableName(t uint32) string {
	switch t {
	case 253:
		return "default" // RT_TABLE_DEFAULT
	case 254:
		return "main" // RT_TABLE_MAIN
	case 255:
		return "local" // RT_TABLE_LOCAL
	}
	return strconv.FormatUint(uint64(t), 10)
}

// familyHeader returns the first n bytes of m's payload, the family header,
// and the attributes after it.
func familyHeader(m netlink.Message, n int) (hdr, attrs []byte, err error) {
	if len(m.Data) < n {
		return nil, nil, fmt.Errorf("message type %d: payload of %d bytes is shorter than its %d-byte header",
			m.Header.Type, len(m.Data), n)
	}
	return m.Data[:n], m.Data[min(netlink.Align(n), len(m.Data)):], nil
}

// parseLink decodes an RTM_NEWLINK or RTM_DELLINK message.
func parseLink(m netlink.Message) (Link, error) {
	hdr, attrs, err := familyHeader(m, ifinfomsgLen)
	if err != nil {
		return Link{}, err
	}
	l := Link{Index: int32(binary.NativeEndian.Uint32(hdr[4:8])), OperState: operStates[0]}
	var d netlink.AttributeDecoder
	d.Reset(attrs)
	for d.Next() {
		switch d.Type() {
		case iflaIfname:
			l.Name = d.String()
		case iflaMTU:
			l.MTU = d.Uint32()
		case iflaAddress:
			l.MAC = net.HardwareAddr(d.Data()).String()
		case iflaOperstate:
			l.OperState = name(operStates, d.Uint8())
		case iflaLinkinfo:
			d.Nested(func(nd *netlink.AttributeDecoder) error {
				for nd.Next() {
					if nd.Type() == iflaInfoKind {
						l.Kind = nd.String()
					}
				}
				return nil
			})
		}
	}
	return l, d.Err()
}

// parseAddress decodes an RTM_NEWADDR or RTM_DELADDR message.
func parseAddress(m netlink.Message) (Address, error) {
	hdr, attrs, err := familyHeader(m, ifaddrmsgLen)
	if err != nil {
		return Address{}, err
	}
	a := Address{Index: int32(binary.NativeEndian.Uint32(hdr[4:8])), Scope: scopeName(hdr[3])}
	var addr, local netip.Addr
	var d netlink.AttributeDecoder
	d.Reset(attrs)
	for d.Next() {
		switch d.Type() {
		case ifaAddress:
			addr, _ = netip.AddrFromSlice(d.Data())
		case ifaLocal:
			local, _ = netip.AddrFromSlice(d.Data())
		case ifaLabel:
			a.Dev = d.String()
		}
	}
	// On a point-to-point link IFA_ADDRESS is the peer's; IFA_LOCAL is ours.
	if local.IsValid() {
		addr = local
	}
	a.Prefix = netip.PrefixFrom(addr, int(hdr[1]))
	return a, d.Err()
}

// parseRoute decodes an RTM_NEWROUTE or RTM_DELROUTE message.
func parseRoute(m netlink.Message) (Route, error) {
	hdr, attrs, err := familyHeader(m, rtmsgLen)
	if err != nil {
		return Route{}, err
	}
	r := Route{Type: name(routeTypes, hdr[7]), Table: uint32(hdr[4])}
	dst := netip.IPv4Unspecified()
	if hdr[0] == afInet6 {
		dst = netip.IPv6Unspecified()
	}
	var d netlink.AttributeDecoder
	d.Reset(attrs)
	for d.Next() {
		switch d.Type() {
		case rtaDst:
			dst, _ = netip.AddrFromSlice(d.Data())
		case rtaGateway:
			r.Gateway, _ = netip.AddrFromSlice(d.Data())
		case rtaOIF:
			r.Index = int32(d.Uint32())
		case rtaTable:
			r.Table = d.Uint32()
		}
	}
	r.Dst = netip.PrefixFrom(dst, int(hdr[1]))
	return r, d.Err()
}

// String formats l on one line, as monitor prints it.
func (l Link) String() string {
	s := fmt.Sprintf("%d %s %s mtu %d", l.Index, l.Name, l.OperState, l.MTU)
	if l.MAC != "" {
		s += " " + l.MAC
	}
	if l.Kind != "" {
		s += " (" + l.Kind + ")"
	}
	return s
}

// String formats a on one line, as monitor prints it.
func (a Address) String() string {
	return fmt.Sprintf("%s dev %s scope %s", a.Prefix, devName(a.Dev, a.Index), a.Scope)
}

// String formats r on one line, in the manner of `ip route`.
func (r Route) String() string {
	s := "default"
	if r.Dst.Bits() > 0 {
		s = r.Dst.String()
	}
	if r.Type != routeTypes[1] {
		s = r.Type + " " + s
	}
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	if r.Index != 0 {
		s += " dev " + devName(r.Dev, r.Index)
	}
	return s + " table " + tableName(r.Table)
}

// devName is an interface's name, or its index when the name is unknown.
func devName(name string, index int32) string {
	if name != "" {
		return name
	}
	return strconv.Itoa(int(index))
}
