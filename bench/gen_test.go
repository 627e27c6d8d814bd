package bench

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Sizes of the fixed headers, from <linux/netlink.h> and <linux/rtnetlink.h>.
const (
	nlmsgHeaderLen = 16 // struct nlmsghdr
	ifinfomsgLen   = 16 // struct ifinfomsg
	nlaHeaderLen   = 4  // struct nlattr
	nlaTypeMask    = 0x3fff
)

// linkDump is the input of the Decode workload: a multipart datagram shaped
// like the kernel's reply to an RTM_GETLINK dump, and the checksum every
// decoder must reach on it.
type linkDump struct {
	b []byte
	// sum is the sum, over every top-level attribute of every RTM_NEWLINK
	// message, of the attribute's type (flag bits masked off) and its
	// payload length. It is computed while writing, not by decoding.
	sum uint64
	// messages is the number of RTM_NEWLINK messages, without NLMSG_DONE.
	messages int
}

// newLinkDump returns a dump of n RTM_NEWLINK messages followed by
// NLMSG_DONE. Each message is a 16-byte ifinfomsg and 40 top-level
// attributes:
//
//	IFLA_IFNAME "vethN", IFLA_ADDRESS and IFLA_BROADCAST (6 bytes each),
//	26 u32 attributes, 6 u8 attributes, IFLA_QDISC "noqueue",
//	a 200-byte IFLA_STATS64 blob, a u64, a nest of two u32s, and a u32.
//
// The attribute types are numbered 1 to 40 in that order (IFLA_ADDRESS,
// IFLA_BROADCAST and IFLA_IFNAME keep their real numbers 1, 2 and 3), the
// same shape as the root package's BenchmarkWalkLinkDump, so that the two
// can be compared. Codecs only ever see numbers.
func newLinkDump(n int) linkDump {
	var d linkDump
	var g attrWriter
	for i := range n {
		g.start(unix.RTM_NEWLINK, unix.NLM_F_MULTI, 1)
		g.b = appendIfinfomsg(g.b, 0, 1, int32(i+1), unix.IFF_UP|unix.IFF_RUNNING, 0)
		g.attr(unix.IFLA_IFNAME, fmt.Appendf(nil, "veth%d\x00", i))
		g.attr(unix.IFLA_ADDRESS, []byte{0x02, 0x42, 0xac, 0x11, byte(i >> 8), byte(i)})
		g.attr(unix.IFLA_BROADCAST, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		for t := uint16(4); t < 30; t++ { // MTU, LINK, TXQLEN, ...
			g.attr(t, ne32(uint32(t)*1000+uint32(i)))
		}
		for t := uint16(30); t < 36; t++ { // OPERSTATE, LINKMODE, CARRIER, ...
			g.attr(t, []byte{byte(t)})
		}
		g.attr(36, []byte("noqueue\x00"))      // IFLA_QDISC
		g.attr(37, make([]byte, 200))          // IFLA_STATS64
		g.attr(38, ne64(uint64(i)<<32|0xbeef)) // a u64
		nest := g.open(39 | unix.NLA_F_NESTED) // an IFLA_LINKINFO-like nest
		g.attr(1, ne32(1))
		g.attr(2, ne32(2))
		g.close(nest)
		g.attr(40, ne32(uint32(i))) // IFLA_NEW_IFINDEX-like
		g.end()
		d.messages++
	}
	g.start(unix.NLMSG_DONE, unix.NLM_F_MULTI, 1)
	g.b = append(g.b, ne32(0)...) // the error code: 0, success
	g.end()
	d.b = g.b
	d.sum = g.sum
	return d
}

// linkRequest is the input of the Encode workload: the contents of an
// RTM_NEWLINK request with a 16-byte family header and 16 top-level
// attributes, one of them a nest of four, mixing u8, u16, u32, u64, string
// and byte-slice payloads. Encoders build their message from these fields,
// as a caller would from its own configuration struct.
type linkRequest struct {
	// The netlink header, without the length.
	Type     uint16
	Flags    uint16
	Sequence uint32

	// The ifinfomsg family header.
	Family  uint8
	DevType uint16
	Index   int32
	IfFlags uint32
	Change  uint32

	// Top-level attributes, in the order they are encoded.
	Name        string // IFLA_IFNAME
	Address     []byte // IFLA_ADDRESS, 6 bytes
	Broadcast   []byte // IFLA_BROADCAST, 6 bytes
	MTU         uint32 // IFLA_MTU
	TxQueueLen  uint32 // IFLA_TXQLEN
	Group       uint32 // IFLA_GROUP
	Master      uint32 // IFLA_MASTER
	NumTxQueues uint32 // IFLA_NUM_TX_QUEUES
	NumRxQueues uint32 // IFLA_NUM_RX_QUEUES
	GSOMaxSegs  uint32 // IFLA_GSO_MAX_SEGS
	GSOMaxSize  uint32 // IFLA_GSO_MAX_SIZE
	OperState   uint8  // IFLA_OPERSTATE
	LinkMode    uint8  // IFLA_LINKMODE
	Carrier     uint8  // IFLA_CARRIER
	Qdisc       string // IFLA_QDISC
	Info        linkInfo
}

// linkInfo is the one nest of the Encode workload, encoded as IFLA_LINKINFO
// with the nested flag. Its attribute types are 1 to 4; only the first
// is the kernel's (IFLA_INFO_KIND): the others exist to cover u16 and u64
// payloads.
type linkInfo struct {
	Kind   string // 1, IFLA_INFO_KIND
	ID     uint16 // 2
	Cookie uint64 // 3
	Mode   uint8  // 4
}

// Attribute types inside linkInfo.
const (
	infoKind   = unix.IFLA_INFO_KIND
	infoID     = 2
	infoCookie = 3
	infoMode   = 4
)

// newLinkRequest returns the request every encoder encodes.
func newLinkRequest() linkRequest {
	return linkRequest{
		Type:        unix.RTM_NEWLINK,
		Flags:       unix.NLM_F_REQUEST | unix.NLM_F_ACK | unix.NLM_F_CREATE | unix.NLM_F_EXCL,
		Sequence:    1,
		Family:      unix.AF_UNSPEC,
		DevType:     unix.ARPHRD_ETHER,
		Index:       7,
		IfFlags:     unix.IFF_UP,
		Change:      unix.IFF_UP,
		Name:        "bench0",
		Address:     []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02},
		Broadcast:   []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		MTU:         9000,
		TxQueueLen:  1000,
		Group:       0,
		Master:      3,
		NumTxQueues: 4,
		NumRxQueues: 4,
		GSOMaxSegs:  65535,
		GSOMaxSize:  65536,
		OperState:   6, // IF_OPER_UP
		LinkMode:    0,
		Carrier:     1,
		Qdisc:       "fq_codel",
		Info: linkInfo{
			Kind:   "vlan",
			ID:     100,
			Cookie: 0x0123456789abcdef,
			Mode:   1,
		},
	}
}

// wire returns the bytes every encoder must produce for r, built with the
// generator's own writer rather than with any of the codecs measured.
func (r *linkRequest) wire() []byte {
	var g attrWriter
	g.start(r.Type, r.Flags, r.Sequence)
	g.b = appendIfinfomsg(g.b, r.Family, r.DevType, r.Index, r.IfFlags, r.Change)
	g.attr(unix.IFLA_IFNAME, append([]byte(r.Name), 0))
	g.attr(unix.IFLA_ADDRESS, r.Address)
	g.attr(unix.IFLA_BROADCAST, r.Broadcast)
	g.attr(unix.IFLA_MTU, ne32(r.MTU))
	g.attr(unix.IFLA_TXQLEN, ne32(r.TxQueueLen))
	g.attr(unix.IFLA_GROUP, ne32(r.Group))
	g.attr(unix.IFLA_MASTER, ne32(r.Master))
	g.attr(unix.IFLA_NUM_TX_QUEUES, ne32(r.NumTxQueues))
	g.attr(unix.IFLA_NUM_RX_QUEUES, ne32(r.NumRxQueues))
	g.attr(unix.IFLA_GSO_MAX_SEGS, ne32(r.GSOMaxSegs))
	g.attr(unix.IFLA_GSO_MAX_SIZE, ne32(r.GSOMaxSize))
	g.attr(unix.IFLA_OPERSTATE, []byte{r.OperState})
	g.attr(unix.IFLA_LINKMODE, []byte{r.LinkMode})
	g.attr(unix.IFLA_CARRIER, []byte{r.Carrier})
	g.attr(unix.IFLA_QDISC, append([]byte(r.Qdisc), 0))
	nest := g.open(unix.IFLA_LINKINFO | unix.NLA_F_NESTED)
	g.attr(infoKind, append([]byte(r.Info.Kind), 0))
	g.attr(infoID, binary.NativeEndian.AppendUint16(nil, r.Info.ID))
	g.attr(infoCookie, ne64(r.Info.Cookie))
	g.attr(infoMode, []byte{r.Info.Mode})
	g.close(nest)
	g.end()
	return g.b
}

// appendIfinfomsg appends a struct ifinfomsg: family, a pad byte, type,
// index, flags and change, in native byte order.
func appendIfinfomsg(b []byte, family uint8, typ uint16, index int32, flags, change uint32) []byte {
	b = append(b, family, 0)
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = binary.NativeEndian.AppendUint32(b, uint32(index))
	b = binary.NativeEndian.AppendUint32(b, flags)
	return binary.NativeEndian.AppendUint32(b, change)
}

// attrWriter is the generator's writer: the simplest correct netlink
// encoder, used only to build inputs and expected outputs. It keeps the
// checksum of the top-level attributes it writes, the one linkDump.sum
// holds.
type attrWriter struct {
	b     []byte
	msg   int // offset of the open message
	depth int // open nests
	sum   uint64
}

// start opens a message with the given header fields; end writes its length.
func (g *attrWriter) start(typ, flags uint16, seq uint32) {
	g.msg = len(g.b)
	g.b = binary.NativeEndian.AppendUint32(g.b, 0) // length, written by end
	g.b = binary.NativeEndian.AppendUint16(g.b, typ)
	g.b = binary.NativeEndian.AppendUint16(g.b, flags)
	g.b = binary.NativeEndian.AppendUint32(g.b, seq)
	g.b = binary.NativeEndian.AppendUint32(g.b, 0) // port ID
}

// end writes the open message's length and pads it to 4 bytes.
func (g *attrWriter) end() {
	binary.NativeEndian.PutUint32(g.b[g.msg:], uint32(len(g.b)-g.msg))
	g.pad()
}

// attr appends one attribute and its padding.
func (g *attrWriter) attr(typ uint16, payload []byte) {
	if g.depth == 0 {
		g.sum += uint64(typ&nlaTypeMask) + uint64(len(payload))
	}
	g.b = binary.NativeEndian.AppendUint16(g.b, uint16(nlaHeaderLen+len(payload)))
	g.b = binary.NativeEndian.AppendUint16(g.b, typ)
	g.b = append(g.b, payload...)
	g.pad()
}

// open appends the header of a nest of type typ and returns its offset for
// close, which writes the nest's length once its contents are written.
func (g *attrWriter) open(typ uint16) int {
	start := len(g.b)
	g.b = binary.NativeEndian.AppendUint16(g.b, 0)
	g.b = binary.NativeEndian.AppendUint16(g.b, typ)
	g.depth++
	return start
}

// close writes the length of the nest opened at start.
func (g *attrWriter) close(start int) {
	g.depth--
	n := len(g.b) - start
	binary.NativeEndian.PutUint16(g.b[start:], uint16(n))
	if g.depth == 0 {
		g.sum += uint64(binary.NativeEndian.Uint16(g.b[start+2:])&nlaTypeMask) + uint64(n-nlaHeaderLen)
	}
}

// pad appends zero bytes up to a multiple of 4.
func (g *attrWriter) pad() {
	for len(g.b)%4 != 0 {
		g.b = append(g.b, 0)
	}
}

// ne32 returns v in native byte order.
func ne32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// ne64 returns v in native byte order.
func ne64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
