//go:build linux

package netlink

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// Real-kernel tests of the attribute API a request is built with: a nest
// that starts with a struct (VETH_INFO_PEER), addresses and prefixes,
// hardware addresses and network-order integers.

const vethPeerAttr = 1 // VETH_INFO_PEER, <linux/veth.h>

// TestIntegrationAttributeVethPeer creates a veth pair with RTM_NEWLINK,
// the peer described by NestedWithHeader (a struct ifinfomsg, then IFLA_*
// attributes), and checks that the kernel made the peer as asked: its
// name, MTU and hardware address, and its IFLA_LINK pointing at the first
// device. With and without NLA_F_NESTED on VETH_INFO_PEER: the kernel
// accepts both.
func TestIntegrationAttributeVethPeer(t *testing.T) {
	ns := newTestNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, &Config{Strict: true})
	tests := []struct {
		name     string
		peerType uint16
	}{
		{name: "VETH_INFO_PEER", peerType: vethPeerAttr},
		{name: "VETH_INFO_PEER|NLA_F_NESTED", peerType: vethPeerAttr | AttributeNested},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, peerName := fmt.Sprintf("vp%d", i), fmt.Sprintf("vp%dpeer", i)
			mac := net.HardwareAddr{0x02, 0x00, 0x5e, 0x10, 0x00, byte(i)}
			peerMAC := net.HardwareAddr{0x02, 0x00, 0x5e, 0x20, 0x00, byte(i)}

			e := NewAttributeEncoder()
			e.Reset(ifInfomsg{}.append(nil))
			e.String(unix.IFLA_IFNAME, name)
			e.HardwareAddr(unix.IFLA_ADDRESS, mac)
			e.Nested(unix.IFLA_LINKINFO, func(e *AttributeEncoder) error {
				e.String(unix.IFLA_INFO_KIND, "veth")
				e.Nested(unix.IFLA_INFO_DATA, func(e *AttributeEncoder) error {
					e.NestedWithHeader(tt.peerType, ifInfomsg{}.append(nil), func(e *AttributeEncoder) error {
						e.String(unix.IFLA_IFNAME, peerName)
						e.Uint32(unix.IFLA_MTU, 1400)
						e.HardwareAddr(unix.IFLA_ADDRESS, peerMAC)
						return nil
					})
					return nil
				})
				return nil
			})
			b, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			req := Message{Header: Header{Type: rtmNewLink, Flags: Request | Acknowledge | Create | Excl}, Data: b}
			if _, err := c.Execute(req); err != nil {
				t.Fatalf("RTM_NEWLINK of a veth pair: %v", err)
			}

			links := ns.links(t)
			idx, peerIdx := ns.ifindex(t, name), ns.ifindex(t, peerName)
			if links[idx] != name || links[peerIdx] != peerName {
				t.Fatalf("ip shows %v, want %s and %s", links, name, peerName)
			}
			want := vethLink{Name: peerName, MTU: 1400, Addr: peerMAC.String(), Link: uint32(idx)}
			if diff := cmp.Diff(want, getVethLink(t, c, peerIdx)); diff != "" {
				t.Errorf("the peer (-want +got):\n%s", diff)
			}
			want = vethLink{Name: name, MTU: 1500, Addr: mac.String(), Link: uint32(peerIdx)}
			if diff := cmp.Diff(want, getVethLink(t, c, idx)); diff != "" {
				t.Errorf("the first device (-want +got):\n%s", diff)
			}
		})
	}
}

// vethLink is what getVethLink reads of a link.
type vethLink struct {
	Name string
	MTU  uint32
	Addr string
	Link uint32 // IFLA_LINK: the peer's index
}

// getVethLink asks for link idx and decodes it with the decoder's
// hardware-address getter, decoding into a buffer of its own.
func getVethLink(t *testing.T, c *Conn, idx int) vethLink {
	t.Helper()
	msgs, err := c.Execute(getLinkRequest(t, int32(idx)))
	if err != nil || len(msgs) != 1 {
		t.Fatalf("RTM_GETLINK %d: %d messages, %v", idx, len(msgs), err)
	}
	var l vethLink
	var mac [MaxHardwareAddrLen]byte
	d := NewAttributeDecoder(msgs[0].Data[sizeofIfInfomsg:])
	for d.Next() {
		switch d.Type() {
		case unix.IFLA_IFNAME:
			l.Name = d.String()
		case unix.IFLA_MTU:
			l.MTU = d.Uint32()
		case unix.IFLA_ADDRESS:
			l.Addr = d.AppendHardwareAddr(mac[:0]).String()
		case unix.IFLA_LINK:
			l.Link = d.Uint32()
		}
	}
	if err := d.Err(); err != nil {
		t.Fatalf("decoding link %d: %v", idx, err)
	}
	return l
}

// TestIntegrationAttributeAddrPrefix adds IPv4 and IPv6 addresses with
// Prefix (the prefix length written into the ifaddrmsg after the address
// attributes are encoded), checks them with ip, and reads them back from
// the kernel's dump with the decoder's Prefix.
func TestIntegrationAttributeAddrPrefix(t *testing.T) {
	ns := newTestNS(t)
	ns.batch(t, []string{"link add ap0 type veth peer name ap1"})
	idx := uint32(ns.ifindex(t, "ap0"))
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	prefixes := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.7/24"),
		netip.MustParsePrefix("198.51.100.1/32"),
		netip.MustParsePrefix("2001:db8:1::5/64"),
		netip.MustParsePrefix("2001:db8:2::1/128"),
	}
	for _, p := range prefixes {
		family := uint8(unix.AF_INET)
		if p.Addr().Is6() {
			family = unix.AF_INET6
		}
		hdr := ifAddrmsg{Family: family, Flags: unix.IFA_F_NODAD, Index: idx}.append(nil)
		var e AttributeEncoder
		e.Reset(hdr)
		hdr[1] = e.Prefix(unix.IFA_LOCAL, p) // ifa_prefixlen
		e.Prefix(unix.IFA_ADDRESS, p)
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		req := Message{Header: Header{Type: rtmNewAddr, Flags: Request | Acknowledge | Create | Excl}, Data: b}
		if _, err := c.Execute(req); err != nil {
			t.Fatalf("adding %v: %v", p, err)
		}
	}

	var want, fromIP, got []string
	for _, p := range prefixes {
		want = append(want, p.String())
	}
	out := ns.ip(t, "-o", "addr", "show", "dev", "ap0")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		for i := range f {
			if (f[i] == "inet" || f[i] == "inet6") && i+1 < len(f) && !strings.HasPrefix(f[i+1], "fe80:") {
				fromIP = append(fromIP, f[i+1])
			}
		}
	}
	if diff := cmp.Diff(sortedStrings(want), sortedStrings(fromIP)); diff != "" {
		t.Errorf("ip shows (-want +got):\n%s", diff)
	}

	msgs, err := c.Execute(Message{Header: Header{Type: rtmGetAddr, Flags: Request | Dump},
		Data: ifAddrmsg{}.append(nil)})
	if err != nil {
		t.Fatalf("dumping addresses: %v", err)
	}
	for _, m := range msgs {
		ifa, err := parseIfAddrmsg(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if ifa.Index != idx {
			continue
		}
		d := NewAttributeDecoder(m.Data[sizeofIfAddrmsg:])
		for d.Next() {
			if d.Type() == unix.IFA_ADDRESS {
				if p := d.Prefix(ifa.PrefixLen); !p.Addr().IsLinkLocalUnicast() {
					got = append(got, p.String())
				}
			}
		}
		if err := d.Err(); err != nil {
			t.Fatalf("decoding an address: %v", err)
		}
	}
	if diff := cmp.Diff(sortedStrings(want), sortedStrings(got)); diff != "" {
		t.Errorf("the dump decoded with Prefix (-want +got):\n%s", diff)
	}
}

// sortedStrings returns ss sorted, for comparing sets.
func sortedStrings(ss []string) []string {
	out := append([]string(nil), ss...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestIntegrationAttributeNetworkOrder looks up a route with RTM_GETROUTE
// for a UDP destination port (RTA_DPORT, a __be16 without
// NLA_F_NET_BYTEORDER) encoded with Uint16BE. A rule sends only that port
// to table 100, the only table with a route to the destination, so the
// lookup succeeds, through table 100's gateway, only if the kernel read
// the port as sent; the next port up finds no route.
func TestIntegrationAttributeNetworkOrder(t *testing.T) {
	const port, table = 4790, 100
	ns := newTestNS(t)
	ns.batch(t, []string{
		"link add rp0 type veth peer name rp1",
		"link set rp0 up",
		"link set rp1 up",
		"addr add 10.9.0.1/24 dev rp0",
		fmt.Sprintf("route add 10.99.0.0/24 via 10.9.0.2 dev rp0 table %d", table),
		fmt.Sprintf("rule add ipproto 17 dport %d table %d", port, table), // 17: UDP; the test VM has no /etc/protocols
	})
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)

	lookup := func(t *testing.T, dport uint16) ([]Message, error) {
		rtm := make([]byte, unix.SizeofRtMsg)
		rtm[0], rtm[1] = unix.AF_INET, 32 // rtm_family, rtm_dst_len
		e := NewAttributeEncoder()
		e.Reset(rtm)
		e.Addr(unix.RTA_DST, netip.MustParseAddr("10.99.0.5"))
		e.Uint8(unix.RTA_IP_PROTO, unix.IPPROTO_UDP)
		e.Uint16BE(unix.RTA_DPORT, dport)
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return c.Execute(Message{Header: Header{Type: unix.RTM_GETROUTE, Flags: Request}, Data: b})
	}

	msgs, err := lookup(t, port)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("route lookup for UDP port %d: %d messages, %v", port, len(msgs), err)
	}
	// Only table 100 routes 10.99.0.0/24: the gateway shows the rule
	// matched the port.
	var gw netip.Addr
	d := NewAttributeDecoder(msgs[0].Data[unix.SizeofRtMsg:])
	for d.Next() {
		if d.Type() == unix.RTA_GATEWAY {
			gw = d.Addr()
		}
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if want := netip.MustParseAddr("10.9.0.2"); gw != want {
		t.Errorf("route lookup for UDP port %d: gateway %v, want %v, table %d's", port, gw, want, table)
	}

	// Another port matches no rule, and the main table has no route.
	if _, err := lookup(t, port+1); !errors.Is(err, unix.ENETUNREACH) {
		t.Errorf("route lookup for UDP port %d: %v, want ENETUNREACH", port+1, err)
	}
}
