package netlink_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"net"
	"net/netip"

	"github.com/nlgo/netlink"
)

// An AttributeEncoder appends attributes to one buffer; Nested writes a
// nest's contents in place and fills in its length afterwards.
func ExampleAttributeEncoder() {
	// Attribute types of a made-up family.
	const (
		attrName  = 1
		attrMTU   = 2
		attrUp    = 3
		attrStats = 4 // nested
		attrRx    = 1 // in attrStats
		attrTx    = 2 // in attrStats
	)
	e := netlink.NewAttributeEncoder()
	e.String(attrName, "eth0")
	e.Uint32(attrMTU, 1500)
	e.Flag(attrUp, true)
	e.Nested(attrStats, func(e *netlink.AttributeEncoder) error {
		e.Uint64(attrRx, 1200)
		e.Uint64(attrTx, 3400)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}

	attrs, err := netlink.UnmarshalAttributes(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes, %d attributes\n", len(b), len(attrs))
	for _, a := range attrs {
		fmt.Printf("type %d, nested %t, %d-byte payload\n",
			a.Type&netlink.AttributeTypeMask, a.Type&netlink.AttributeNested != 0, len(a.Data))
	}
	// Output:
	// 52 bytes, 4 attributes
	// type 1, nested false, 5-byte payload
	// type 2, nested false, 4-byte payload
	// type 3, nested false, 0-byte payload
	// type 4, nested true, 24-byte payload
}

// An AttributeDecoder walks attributes like bufio.Scanner; Nested decodes a
// nest with a decoder the parent reuses, and errors surface once, in Err.
func ExampleAttributeDecoder() {
	// Attribute types of a made-up family.
	const (
		attrName  = 1
		attrMTU   = 2
		attrUp    = 3
		attrStats = 4 // nested
		attrRx    = 1 // in attrStats
		attrTx    = 2 // in attrStats
	)
	e := netlink.NewAttributeEncoder()
	e.String(attrName, "eth0")
	e.Uint32(attrMTU, 1500)
	e.Flag(attrUp, true)
	e.Nested(attrStats, func(e *netlink.AttributeEncoder) error {
		e.Uint64(attrRx, 1200)
		e.Uint64(attrTx, 3400)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}

	var (
		name   string
		mtu    uint32
		up     bool
		rx, tx uint64
	)
	d := netlink.NewAttributeDecoder(b)
	for d.Next() {
		switch d.Type() {
		case attrName:
			name = d.String()
		case attrMTU:
			mtu = d.Uint32()
		case attrUp:
			up = d.Flag()
		case attrStats:
			d.Nested(func(d *netlink.AttributeDecoder) error {
				for d.Next() {
					switch d.Type() {
					case attrRx:
						rx = d.Uint64()
					case attrTx:
						tx = d.Uint64()
					}
				}
				return nil
			})
		}
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: mtu %d, up %t, rx %d, tx %d\n", name, mtu, up, rx, tx)

	// Malformed input is an error naming the attribute and its offset.
	d.Reset(b[:len(b)-2])
	for d.Next() {
	}
	fmt.Println(d.Err())
	// Output:
	// eth0: mtu 1500, up true, rx 1200, tx 3400
	// netlink: attribute 4 at offset 24: length 28 runs past the end of the buffer, 26 bytes left
}

// Addresses go into attributes as their bytes: Addr picks 4 or 16 bytes,
// HardwareAddr takes any link-layer length, and Uint16BE writes a port in
// network byte order, as IFLA_VXLAN_PORT wants it.
func ExampleAttributeEncoder_Addr() {
	const (
		attrGateway = 1 // an IP address
		attrLLAddr  = 2 // a hardware address
		attrPort    = 3 // a __be16
	)
	e := netlink.NewAttributeEncoder()
	e.Addr(attrGateway, netip.MustParseAddr("2001:db8::1"))
	e.HardwareAddr(attrLLAddr, net.HardwareAddr{0x02, 0x42, 0xac, 0x11, 0x00, 0x02})
	e.Uint16BE(attrPort, 4789)
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}

	// Decoding the hardware address into an array of the caller's
	// allocates nothing and keeps no reference to b.
	var mac [netlink.MaxHardwareAddrLen]byte
	d := netlink.NewAttributeDecoder(b)
	for d.Next() {
		switch d.Type() {
		case attrGateway:
			fmt.Println("gateway", d.Addr())
		case attrLLAddr:
			fmt.Println("lladdr", d.AppendHardwareAddr(mac[:0]))
		case attrPort:
			fmt.Println("port", d.Uint16BE())
		}
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}

	// A payload that is no address is an error naming the attribute.
	d.Reset(b)
	d.Next()
	d.Next()
	d.Addr()
	fmt.Println(d.Err())
	// Output:
	// gateway 2001:db8::1
	// lladdr 02:42:ac:11:00:02
	// port 4789
	// netlink: attribute 2 at offset 20: address needs 4 or 16 bytes, have 6
}

// The kernel splits a prefix in two: the address is an attribute and the
// length a field of the family header (ifa_prefixlen of struct ifaddrmsg
// here, rtm_dst_len of struct rtmsg for routes). Prefix encodes the one and
// returns the other; the header passed to Reset may be written into after
// attributes are encoded.
func ExampleAttributeEncoder_Prefix() {
	const (
		ifaAddress = 1 // IFA_ADDRESS
		ifaLocal   = 2 // IFA_LOCAL
		afInet     = 2 // AF_INET
	)
	p := netip.MustParsePrefix("192.0.2.7/24")
	ifa := make([]byte, 8) // struct ifaddrmsg
	ifa[0] = afInet
	binary.NativeEndian.PutUint32(ifa[4:], 3) // ifa_index
	e := netlink.NewAttributeEncoder()
	e.Reset(ifa)
	ifa[1] = e.Prefix(ifaLocal, p) // ifa_prefixlen
	e.Prefix(ifaAddress, p)
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ifa_family %d, ifa_prefixlen %d, ifa_index %d\n", b[0], b[1], binary.NativeEndian.Uint32(b[4:]))

	d := netlink.NewAttributeDecoder(b[8:])
	for d.Next() {
		if d.Type() == ifaAddress {
			fmt.Println("address", d.Prefix(b[1]))
		}
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// ifa_family 2, ifa_prefixlen 24, ifa_index 3
	// address 192.0.2.7/24
}

// VETH_INFO_PEER holds a struct ifinfomsg for the peer device and then the
// peer's attributes. NestedWithHeader writes both in the encoder's buffer,
// and the decoder's NestedWithHeader splits them again.
func ExampleAttributeEncoder_NestedWithHeader() {
	const (
		iflaIfname   = 3  // IFLA_IFNAME
		iflaLinkinfo = 18 // IFLA_LINKINFO
		infoKind     = 1  // IFLA_INFO_KIND
		infoData     = 2  // IFLA_INFO_DATA
		vethPeer     = 1  // VETH_INFO_PEER
		ifinfomsgLen = 16 // sizeof(struct ifinfomsg)
	)
	ifinfomsg := make([]byte, ifinfomsgLen)
	e := netlink.NewAttributeEncoder()
	e.Reset(ifinfomsg) // the request's own header
	e.String(iflaIfname, "veth0")
	e.Nested(iflaLinkinfo, func(e *netlink.AttributeEncoder) error {
		e.String(infoKind, "veth")
		e.Nested(infoData, func(e *netlink.AttributeEncoder) error {
			e.NestedWithHeader(vethPeer, make([]byte, ifinfomsgLen), func(e *netlink.AttributeEncoder) error {
				e.String(iflaIfname, "veth1")
				return nil
			})
			return nil
		})
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}
	req, err := netlink.Message{
		Header: netlink.Header{Type: 16, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
		Data:   b,
	}.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("RTM_NEWLINK of %d bytes\n", len(req))

	// Find the peer's name again.
	d := netlink.NewAttributeDecoder(b[ifinfomsgLen:])
	for d.Next() {
		if d.Type() != iflaLinkinfo {
			continue
		}
		d.Nested(func(d *netlink.AttributeDecoder) error {
			for d.Next() {
				if d.Type() != infoData {
					continue
				}
				d.Nested(func(d *netlink.AttributeDecoder) error {
					for d.Next() {
						d.NestedWithHeader(ifinfomsgLen, func(hdr []byte, d *netlink.AttributeDecoder) error {
							for d.Next() {
								if d.Type() == iflaIfname {
									fmt.Printf("peer %s, header of %d bytes\n", d.String(), len(hdr))
								}
							}
							return nil
						})
					}
					return nil
				})
			}
			return nil
		})
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// RTM_NEWLINK of 96 bytes
	// peer veth1, header of 16 bytes
}
