package netlink

import (
	"encoding/binary"
	"errors"
	"testing"
)

// Attribute types of an RTM_NEWLINK message (IFLA_* in <linux/if_link.h>),
// spelled out so the tests build on every platform.
const (
	iflaAddress        = 1  // IFLA_ADDRESS
	iflaBroadcast      = 2  // IFLA_BROADCAST
	iflaIfname         = 3  // IFLA_IFNAME
	iflaMTU            = 4  // IFLA_MTU
	iflaLink           = 5  // IFLA_LINK
	iflaQdisc          = 6  // IFLA_QDISC
	iflaStats          = 7  // IFLA_STATS
	iflaMaster         = 10 // IFLA_MASTER
	iflaTxqlen         = 13 // IFLA_TXQLEN
	iflaMap            = 14 // IFLA_MAP
	iflaWeight         = 15 // IFLA_WEIGHT
	iflaOperstate      = 16 // IFLA_OPERSTATE
	iflaLinkmode       = 17 // IFLA_LINKMODE
	iflaNetNSPID       = 19 // IFLA_NET_NS_PID
	iflaStats64        = 23 // IFLA_STATS64
	iflaGroup          = 27 // IFLA_GROUP
	iflaPromiscuity    = 30 // IFLA_PROMISCUITY
	iflaNumTxQueues    = 31 // IFLA_NUM_TX_QUEUES
	iflaNumRxQueues    = 32 // IFLA_NUM_RX_QUEUES
	iflaCarrier        = 33 // IFLA_CARRIER
	iflaCarrierChanges = 35 // IFLA_CARRIER_CHANGES
	iflaProtoDown      = 39 // IFLA_PROTO_DOWN
	iflaGSOMaxSegs     = 40 // IFLA_GSO_MAX_SEGS
	iflaGSOMaxSize     = 41 // IFLA_GSO_MAX_SIZE
	iflaXDP            = 43 // IFLA_XDP
	iflaCarrierUp      = 47 // IFLA_CARRIER_UP_COUNT
	iflaCarrierDown    = 48 // IFLA_CARRIER_DOWN_COUNT
	iflaMinMTU         = 50 // IFLA_MIN_MTU
	iflaMaxMTU         = 51 // IFLA_MAX_MTU
	iflaPermAddress    = 54 // IFLA_PERM_ADDRESS
	iflaParentDevName  = 56 // IFLA_PARENT_DEV_NAME
	iflaParentBusName  = 57 // IFLA_PARENT_DEV_BUS_NAME
	iflaGROMaxSize     = 58 // IFLA_GRO_MAX_SIZE
	iflaTSOMaxSize     = 59 // IFLA_TSO_MAX_SIZE
	iflaTSOMaxSegs     = 60 // IFLA_TSO_MAX_SEGS
	iflaAllmulti       = 61 // IFLA_ALLMULTI
	iflaGSOIPv4MaxSize = 63 // IFLA_GSO_IPV4_MAX_SIZE
	iflaGROIPv4MaxSize = 64 // IFLA_GRO_IPV4_MAX_SIZE

	iflaXDPAttached = 2 // IFLA_XDP_ATTACHED
	iflaXDPProgID   = 4 // IFLA_XDP_PROG_ID
)

// linkAttrBlock returns an attribute block shaped like the kernel's reply
// to RTM_GETLINK for an Ethernet device: 40 top-level attributes, strings,
// 32-bit and 8-bit integers, addresses, two statistics blobs and one nest.
func linkAttrBlock() []byte {
	mac := []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}
	e := NewAttributeEncoder()
	e.String(iflaIfname, "enp0s31f6")
	e.Uint32(iflaTxqlen, 1000)
	e.Uint8(iflaOperstate, 6)
	e.Uint8(iflaLinkmode, 0)
	e.Uint32(iflaMTU, 1500)
	e.Uint32(iflaMinMTU, 68)
	e.Uint32(iflaMaxMTU, 9000)
	e.Uint32(iflaGroup, 0)
	e.Uint32(iflaPromiscuity, 0)
	e.Uint32(iflaAllmulti, 0)
	e.Uint32(iflaNumTxQueues, 1)
	e.Uint32(iflaGSOMaxSegs, 65535)
	e.Uint32(iflaGSOMaxSize, 65536)
	e.Uint32(iflaGROMaxSize, 65536)
	e.Uint32(iflaGSOIPv4MaxSize, 65536)
	e.Uint32(iflaGROIPv4MaxSize, 65536)
	e.Uint32(iflaTSOMaxSize, 65536)
	e.Uint32(iflaTSOMaxSegs, 65535)
	e.Uint32(iflaNumRxQueues, 1)
	e.Uint8(iflaCarrier, 1)
	e.String(iflaQdisc, "fq_codel")
	e.Uint32(iflaCarrierChanges, 2)
	e.Uint32(iflaCarrierUp, 1)
	e.Uint32(iflaCarrierDown, 1)
	e.Uint8(iflaProtoDown, 0)
	e.Bytes(iflaMap, make([]byte, 32))
	e.Bytes(iflaAddress, mac)
	e.Bytes(iflaBroadcast, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	e.Bytes(iflaStats64, make([]byte, 200))
	e.Bytes(iflaStats, make([]byte, 96))
	e.Nested(iflaXDP, func(e *AttributeEncoder) error {
		e.Uint8(iflaXDPAttached, 0)
		e.Uint32(iflaXDPProgID, 0)
		return nil
	})
	e.Bytes(iflaPermAddress, mac)
	e.String(iflaParentDevName, "0000:00:1f.6")
	e.String(iflaParentBusName, "pci")
	e.Uint32(iflaLink, 2)
	e.Uint32(iflaMaster, 0)
	e.Uint32(iflaWeight, 0)
	e.Uint32(iflaNetNSPID, 0)
	e.Uint8(iflaCarrier+100, 1)
	e.Uint32(iflaCarrierChanges+100, 7)
	b, err := e.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

// attrLink is what decodeAttrLink fills in. Strings and blobs alias the decoded
// buffer, so decoding allocates nothing.
type attrLink struct {
	name, qdisc, parent, bus     []byte
	addr, broadcast, perm        []byte
	stats, stats64, ifmap        []byte
	mtu, txqlen, other           uint32
	operstate, carrier, xdpAttch uint8
	xdpProg                      uint32
	count                        int
}

// decodeAttrLink decodes every top-level attribute of linkAttrBlock' output.
func decodeAttrLink(d *AttributeDecoder, l *attrLink) error {
	for d.Next() {
		l.count++
		switch d.Type() {
		case iflaIfname:
			l.name = d.Data()
		case iflaQdisc:
			l.qdisc = d.Data()
		case iflaParentDevName:
			l.parent = d.Data()
		case iflaParentBusName:
			l.bus = d.Data()
		case iflaAddress:
			l.addr = d.Data()
		case iflaBroadcast:
			l.broadcast = d.Data()
		case iflaPermAddress:
			l.perm = d.Data()
		case iflaStats:
			l.stats = d.Data()
		case iflaStats64:
			l.stats64 = d.Data()
		case iflaMap:
			l.ifmap = d.Data()
		case iflaMTU:
			l.mtu = d.Uint32()
		case iflaTxqlen:
			l.txqlen = d.Uint32()
		case iflaOperstate:
			l.operstate = d.Uint8()
		case iflaCarrier, iflaLinkmode, iflaProtoDown, iflaCarrier + 100:
			l.carrier = d.Uint8()
		case iflaXDP:
			d.Nested(func(d *AttributeDecoder) error {
				for d.Next() {
					switch d.Type() {
					case iflaXDPAttached:
						l.xdpAttch = d.Uint8()
					case iflaXDPProgID:
						l.xdpProg = d.Uint32()
					}
				}
				return nil
			})
		default:
			l.other += d.Uint32()
		}
	}
	return d.Err()
}

// decodeAttrLinkFloor does decodeAttrLink's work by hand with encoding/binary,
// checking lengths but nothing else: the floor the decoder is measured
// against.
func decodeAttrLinkFloor(b []byte, l *attrLink) error {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff
		if n < 4 || n > len(b) {
			return errors.New("bad length")
		}
		p := b[4:n]
		l.count++
		switch typ {
		case iflaIfname:
			l.name = p
		case iflaQdisc:
			l.qdisc = p
		case iflaParentDevName:
			l.parent = p
		case iflaParentBusName:
			l.bus = p
		case iflaAddress:
			l.addr = p
		case iflaBroadcast:
			l.broadcast = p
		case iflaPermAddress:
			l.perm = p
		case iflaStats:
			l.stats = p
		case iflaStats64:
			l.stats64 = p
		case iflaMap:
			l.ifmap = p
		case iflaMTU:
			l.mtu = binary.NativeEndian.Uint32(p)
		case iflaTxqlen:
			l.txqlen = binary.NativeEndian.Uint32(p)
		case iflaOperstate:
			l.operstate = p[0]
		case iflaCarrier, iflaLinkmode, iflaProtoDown, iflaCarrier + 100:
			l.carrier = p[0]
		case iflaXDP:
			for len(p) >= 4 {
				m := int(binary.NativeEndian.Uint16(p))
				if m < 4 || m > len(p) {
					return errors.New("bad length")
				}
				switch binary.NativeEndian.Uint16(p[2:]) & 0x3fff {
				case iflaXDPAttached:
					l.xdpAttch = p[4]
				case iflaXDPProgID:
					l.xdpProg = binary.NativeEndian.Uint32(p[4:])
				}
				p = p[min((m+3)&^3, len(p)):]
			}
		default:
			l.other += binary.NativeEndian.Uint32(p)
		}
		b = b[min((n+3)&^3, len(b)):]
	}
	return nil
}

func BenchmarkAttributeDecode(b *testing.B) {
	buf := linkAttrBlock()
	b.Run("decoder", func(b *testing.B) {
		var d AttributeDecoder
		var l attrLink
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		for b.Loop() {
			d.Reset(buf)
			if err := decodeAttrLink(&d, &l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		var l attrLink
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		for b.Loop() {
			if err := decodeAttrLinkFloor(buf, &l); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// attrFamilyHeader returns a 16-byte family header (struct ifinfomsg) to encode
// attributes after.
func attrFamilyHeader() []byte {
	h := make([]byte, 16)
	h[0] = 0                                 // ifi_family: AF_UNSPEC
	binary.NativeEndian.PutUint16(h[2:], 1)  // ifi_type: ARPHRD_ETHER
	binary.NativeEndian.PutUint32(h[4:], 2)  // ifi_index
	binary.NativeEndian.PutUint32(h[8:], 1)  // ifi_flags: IFF_UP
	binary.NativeEndian.PutUint32(h[12:], 1) // ifi_change
	return h
}

// encodeAttrLink encodes 16 top-level attributes, one of them a nest of 4,
// after the family header already in e's buffer.
func encodeAttrLink(e *AttributeEncoder, mac []byte) {
	e.String(iflaIfname, "veth0")
	e.Uint32(iflaMTU, 1500)
	e.Uint32(iflaTxqlen, 1000)
	e.Uint8(iflaOperstate, 6)
	e.Uint8(iflaLinkmode, 0)
	e.Bytes(iflaAddress, mac)
	e.Uint32(iflaGroup, 0)
	e.Uint32(iflaMaster, 3)
	e.Uint32(iflaNetNSPID, 1)
	e.Uint32(iflaGSOMaxSegs, 65535)
	e.Uint32(iflaGSOMaxSize, 65536)
	e.Uint32(iflaNumTxQueues, 1)
	e.Uint32(iflaNumRxQueues, 1)
	e.String(iflaQdisc, "noqueue")
	e.Uint8(iflaCarrier, 1)
	e.Nested(iflaXDP, func(e *AttributeEncoder) error {
		e.Uint8(iflaXDPAttached, 1)
		e.Uint32(iflaXDPProgID, 42)
		e.Uint32(iflaXDPProgID+1, 0)
		e.Uint32(iflaXDPProgID+2, 0)
		return nil
	})
}

// encodeAttrLinkFloor does encodeAttrLink's work by hand with encoding/binary
// into a buffer known to be large enough: the floor the encoder is
// measured against.
func encodeAttrLinkFloor(b []byte, mac []byte) []byte {
	put := func(b []byte, typ uint16, n int) ([]byte, []byte) {
		off := len(b)
		space := (4 + n + 3) &^ 3
		b = b[:off+space]
		binary.NativeEndian.PutUint16(b[off:], uint16(4+n))
		binary.NativeEndian.PutUint16(b[off+2:], typ)
		clear(b[off+4+n : off+space])
		return b, b[off+4 : off+4+n]
	}
	var p []byte
	putU32 := func(typ uint16, v uint32) {
		b, p = put(b, typ, 4)
		binary.NativeEndian.PutUint32(p, v)
	}
	putU8 := func(typ uint16, v uint8) {
		b, p = put(b, typ, 1)
		p[0] = v
	}
	putStr := func(typ uint16, s string) {
		b, p = put(b, typ, len(s)+1)
		p[copy(p, s)] = 0
	}
	putStr(iflaIfname, "veth0")
	putU32(iflaMTU, 1500)
	putU32(iflaTxqlen, 1000)
	putU8(iflaOperstate, 6)
	putU8(iflaLinkmode, 0)
	b, p = put(b, iflaAddress, len(mac))
	copy(p, mac)
	putU32(iflaGroup, 0)
	putU32(iflaMaster, 3)
	putU32(iflaNetNSPID, 1)
	putU32(iflaGSOMaxSegs, 65535)
	putU32(iflaGSOMaxSize, 65536)
	putU32(iflaNumTxQueues, 1)
	putU32(iflaNumRxQueues, 1)
	putStr(iflaQdisc, "noqueue")
	putU8(iflaCarrier, 1)
	start := len(b)
	b, _ = put(b, iflaXDP|0x8000, 0)
	putU8(iflaXDPAttached, 1)
	putU32(iflaXDPProgID, 42)
	putU32(iflaXDPProgID+1, 0)
	putU32(iflaXDPProgID+2, 0)
	binary.NativeEndian.PutUint16(b[start:], uint16(len(b)-start))
	return b
}

func BenchmarkAttributeEncode(b *testing.B) {
	mac := []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}
	b.Run("encoder", func(b *testing.B) {
		buf := append(make([]byte, 0, 512), attrFamilyHeader()...)
		e := NewAttributeEncoder()
		b.ReportAllocs()
		for b.Loop() {
			e.Reset(buf[:16])
			encodeAttrLink(e, mac)
			out, err := e.Encode()
			if err != nil {
				b.Fatal(err)
			}
			buf = out
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("floor", func(b *testing.B) {
		buf := append(make([]byte, 0, 512), attrFamilyHeader()...)
		b.ReportAllocs()
		for b.Loop() {
			buf = encodeAttrLinkFloor(buf[:16], mac)
		}
		b.SetBytes(int64(len(buf)))
	})
}

// BenchmarkAttributeEncodeOneShot builds one RTM_NEWLINK-shaped request
// (encodeAttrLink's 16 attributes) the obvious way, with a new encoder and
// MarshalBinary, and with the reuse idiom: Reset on the last buffer and
// AppendBinary into a reused one.
func BenchmarkAttributeEncodeOneShot(b *testing.B) {
	mac := []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}
	b.Run("one-shot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := oneShotLink(mac); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reuse", func(b *testing.B) {
		var e AttributeEncoder
		var attrs, out []byte
		var err error
		b.ReportAllocs()
		for b.Loop() {
			if attrs, out, err = reuseLink(&e, attrs, out, mac); err != nil {
				b.Fatal(err)
			}
		}
	})
}
