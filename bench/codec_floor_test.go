package bench

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// The floor is what a careful programmer writes by hand with encoding/binary
// and no library: the C macros NLMSG_OK/NLMSG_NEXT and RTA_OK/RTA_NEXT,
// checking every length before slicing (as the libraries do), and an
// encoder appending into one reused buffer and back-patching lengths. It
// does no more: no error context, no size limits on what it encodes.

// decodeFloor is the Decode workload by hand.
func decodeFloor(b []byte) (uint64, error) {
	var sum uint64
	for len(b) >= nlmsgHeaderLen {
		n := int(binary.NativeEndian.Uint32(b))
		if n < nlmsgHeaderLen || n > len(b) {
			return 0, errBadLength
		}
		if binary.NativeEndian.Uint16(b[4:]) == unix.NLMSG_DONE {
			return sum, nil
		}
		p := b[nlmsgHeaderLen:n]
		if len(p) < ifinfomsgLen {
			return 0, errShortPayload
		}
		for a := p[ifinfomsgLen:]; len(a) >= nlaHeaderLen; {
			l := int(binary.NativeEndian.Uint16(a))
			if l < nlaHeaderLen || l > len(a) {
				return 0, errBadLength
			}
			sum += uint64(binary.NativeEndian.Uint16(a[2:])&nlaTypeMask) + uint64(l-nlaHeaderLen)
			a = a[min(align4(l), len(a)):]
		}
		b = b[min(align4(n), len(b)):]
	}
	return 0, errNoDone
}

// align4 rounds n up to a multiple of 4 (NLMSG_ALIGN, NLA_ALIGN).
func align4(n int) int { return (n + 3) &^ 3 }

// floorEncoder encodes by hand into one buffer it keeps between requests.
type floorEncoder struct {
	buf []byte
}

func newFloorEncoder() encoder { return &floorEncoder{} }

// encode writes the netlink header, the family header and the attributes
// in one pass, then back-patches the nest's and the message's lengths.
func (x *floorEncoder) encode(r *linkRequest) ([]byte, error) {
	b := x.buf[:0]
	b = binary.NativeEndian.AppendUint32(b, 0) // length, patched below
	b = binary.NativeEndian.AppendUint16(b, r.Type)
	b = binary.NativeEndian.AppendUint16(b, r.Flags)
	b = binary.NativeEndian.AppendUint32(b, r.Sequence)
	b = binary.NativeEndian.AppendUint32(b, 0) // port ID
	b = appendIfinfomsg(b, r.Family, r.DevType, r.Index, r.IfFlags, r.Change)
	b = floorString(b, unix.IFLA_IFNAME, r.Name)
	b = floorBytes(b, unix.IFLA_ADDRESS, r.Address)
	b = floorBytes(b, unix.IFLA_BROADCAST, r.Broadcast)
	b = floorUint32(b, unix.IFLA_MTU, r.MTU)
	b = floorUint32(b, unix.IFLA_TXQLEN, r.TxQueueLen)
	b = floorUint32(b, unix.IFLA_GROUP, r.Group)
	b = floorUint32(b, unix.IFLA_MASTER, r.Master)
	b = floorUint32(b, unix.IFLA_NUM_TX_QUEUES, r.NumTxQueues)
	b = floorUint32(b, unix.IFLA_NUM_RX_QUEUES, r.NumRxQueues)
	b = floorUint32(b, unix.IFLA_GSO_MAX_SEGS, r.GSOMaxSegs)
	b = floorUint32(b, unix.IFLA_GSO_MAX_SIZE, r.GSOMaxSize)
	b = floorUint8(b, unix.IFLA_OPERSTATE, r.OperState)
	b = floorUint8(b, unix.IFLA_LINKMODE, r.LinkMode)
	b = floorUint8(b, unix.IFLA_CARRIER, r.Carrier)
	b = floorString(b, unix.IFLA_QDISC, r.Qdisc)
	nest := len(b)
	b = floorHeader(b, unix.IFLA_LINKINFO|unix.NLA_F_NESTED, 0) // length patched below
	b = floorString(b, infoKind, r.Info.Kind)
	b = floorUint16(b, infoID, r.Info.ID)
	b = floorUint64(b, infoCookie, r.Info.Cookie)
	b = floorUint8(b, infoMode, r.Info.Mode)
	binary.NativeEndian.PutUint16(b[nest:], uint16(len(b)-nest))
	binary.NativeEndian.PutUint32(b, uint32(len(b)))
	x.buf = b
	return b, nil
}

// floorHeader appends the header of an attribute with an n-byte payload.
func floorHeader(b []byte, typ uint16, n int) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(nlaHeaderLen+n))
	return binary.NativeEndian.AppendUint16(b, typ)
}

// floorUint8 appends a u8 attribute and its 3 bytes of padding.
func floorUint8(b []byte, typ uint16, v uint8) []byte {
	return append(floorHeader(b, typ, 1), v, 0, 0, 0)
}

// floorUint16 appends a u16 attribute and its 2 bytes of padding.
func floorUint16(b []byte, typ uint16, v uint16) []byte {
	b = binary.NativeEndian.AppendUint16(floorHeader(b, typ, 2), v)
	return append(b, 0, 0)
}

// floorUint32 appends a u32 attribute.
func floorUint32(b []byte, typ uint16, v uint32) []byte {
	return binary.NativeEndian.AppendUint32(floorHeader(b, typ, 4), v)
}

// floorUint64 appends a u64 attribute.
func floorUint64(b []byte, typ uint16, v uint64) []byte {
	return binary.NativeEndian.AppendUint64(floorHeader(b, typ, 8), v)
}

// floorString appends s, its terminating NUL and padding.
func floorString(b []byte, typ uint16, s string) []byte {
	b = append(floorHeader(b, typ, len(s)+1), s...)
	return floorPad(append(b, 0))
}

// floorBytes appends p and padding.
func floorBytes(b []byte, typ uint16, p []byte) []byte {
	return floorPad(append(floorHeader(b, typ, len(p)), p...))
}

// floorPad appends zero bytes up to a multiple of 4.
func floorPad(b []byte) []byte {
	var zero [3]byte
	return append(b, zero[:align4(len(b))-len(b)]...)
}
