package bench

import (
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
)

// This library: the Messages iterator walks the datagram without
// allocating, Message.Data aliases it, and an AttributeDecoder declared as
// a value walks the attributes. Encoding appends the family header and the
// attributes into the encoder's reused buffer after room for the nlmsghdr,
// which FinishMessage then fills in: the message is built in place.

// decodeNlgo is the Decode workload with this library.
func decodeNlgo(b []byte) (uint64, error) {
	var sum uint64
	var d netlink.AttributeDecoder
	for m, err := range netlink.Messages(b) {
		if err != nil {
			return 0, err
		}
		if m.Header.Type == netlink.Done {
			return sum, nil
		}
		if len(m.Data) < ifinfomsgLen {
			return 0, errShortPayload
		}
		d.Reset(m.Data[ifinfomsgLen:])
		for d.Next() {
			sum += uint64(d.Type()) + uint64(d.Len())
		}
		if err := d.Err(); err != nil {
			return 0, err
		}
	}
	return 0, errNoDone
}

// nlgoEncoder keeps an AttributeEncoder and its buffer between requests.
// The message is built in place: the buffer starts with room for the
// nlmsghdr, which FinishMessage fills in, so nothing is copied.
type nlgoEncoder struct {
	e   *netlink.AttributeEncoder
	buf []byte // nlmsghdr, family header and attributes
}

func newNlgoEncoder() encoder {
	return &nlgoEncoder{e: netlink.NewAttributeEncoder()}
}

// encode is the Encode workload with this library.
func (x *nlgoEncoder) encode(r *linkRequest) ([]byte, error) {
	e := x.e
	x.buf = append(x.buf[:0], make([]byte, netlink.HeaderLen)...)
	e.Reset(appendIfinfomsg(x.buf, r.Family, r.DevType, r.Index, r.IfFlags, r.Change))
	e.String(unix.IFLA_IFNAME, r.Name)
	e.Bytes(unix.IFLA_ADDRESS, r.Address)
	e.Bytes(unix.IFLA_BROADCAST, r.Broadcast)
	e.Uint32(unix.IFLA_MTU, r.MTU)
	e.Uint32(unix.IFLA_TXQLEN, r.TxQueueLen)
	e.Uint32(unix.IFLA_GROUP, r.Group)
	e.Uint32(unix.IFLA_MASTER, r.Master)
	e.Uint32(unix.IFLA_NUM_TX_QUEUES, r.NumTxQueues)
	e.Uint32(unix.IFLA_NUM_RX_QUEUES, r.NumRxQueues)
	e.Uint32(unix.IFLA_GSO_MAX_SEGS, r.GSOMaxSegs)
	e.Uint32(unix.IFLA_GSO_MAX_SIZE, r.GSOMaxSize)
	e.Uint8(unix.IFLA_OPERSTATE, r.OperState)
	e.Uint8(unix.IFLA_LINKMODE, r.LinkMode)
	e.Uint8(unix.IFLA_CARRIER, r.Carrier)
	e.String(unix.IFLA_QDISC, r.Qdisc)
	e.Nested(unix.IFLA_LINKINFO, func(e *netlink.AttributeEncoder) error {
		e.String(infoKind, r.Info.Kind)
		e.Uint16(infoID, r.Info.ID)
		e.Uint64(infoCookie, r.Info.Cookie)
		e.Uint8(infoMode, r.Info.Mode)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		return nil, err
	}
	x.buf, err = netlink.FinishMessage(b, netlink.Header{
		Type:     netlink.HeaderType(r.Type),
		Flags:    netlink.HeaderFlags(r.Flags),
		Sequence: r.Sequence,
	})
	return x.buf, err
}
