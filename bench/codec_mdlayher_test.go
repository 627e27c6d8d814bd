package bench

import (
	"encoding/binary"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// github.com/mdlayher/netlink: its Conn splits a datagram with an
// unexported iterator that calls Message.UnmarshalBinary on each aligned
// message (Data aliases the datagram), which the decoder below repeats with
// the exported API. NewAttributeDecoder allocates a decoder per message,
// and each Next copies the attribute's payload. Its AttributeEncoder keeps
// a slice of attributes, each with its own payload, and Encode and
// MarshalBinary allocate the result: nothing can be reused.

// decodeMdlayher is the Decode workload with mdlayher/netlink.
func decodeMdlayher(b []byte) (uint64, error) {
	var sum uint64
	for len(b) >= nlmsgHeaderLen {
		// The walk of Conn.Receive (parseMessagesIter), which the
		// package does not export.
		n := align4(int(binary.NativeEndian.Uint32(b)))
		if n < nlmsgHeaderLen || n > len(b) {
			return 0, errBadLength
		}
		var m netlink.Message
		if err := m.UnmarshalBinary(b[:n]); err != nil {
			return 0, err
		}
		b = b[n:]
		if m.Header.Type == netlink.Done {
			return sum, nil
		}
		if len(m.Data) < ifinfomsgLen {
			return 0, errShortPayload
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[ifinfomsgLen:])
		if err != nil {
			return 0, err
		}
		for ad.Next() {
			typ := ad.Type()
			// Do hands out the payload without a further copy; Len
			// counts attributes, and Bytes would copy again.
			ad.Do(func(p []byte) error {
				sum += uint64(typ) + uint64(len(p))
				return nil
			})
		}
		if err := ad.Err(); err != nil {
			return 0, err
		}
	}
	return 0, errNoDone
}

// mdlayherEncoder has nothing to keep: every request starts afresh.
type mdlayherEncoder struct{}

func newMdlayherEncoder() encoder { return mdlayherEncoder{} }

// encode is the Encode workload with mdlayher/netlink: the attributes are
// encoded, then appended after the family header, then the message is
// marshalled with its length set as Conn.Send would set it.
func (mdlayherEncoder) encode(r *linkRequest) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, r.Name)
	ae.Bytes(unix.IFLA_ADDRESS, r.Address)
	ae.Bytes(unix.IFLA_BROADCAST, r.Broadcast)
	ae.Uint32(unix.IFLA_MTU, r.MTU)
	ae.Uint32(unix.IFLA_TXQLEN, r.TxQueueLen)
	ae.Uint32(unix.IFLA_GROUP, r.Group)
	ae.Uint32(unix.IFLA_MASTER, r.Master)
	ae.Uint32(unix.IFLA_NUM_TX_QUEUES, r.NumTxQueues)
	ae.Uint32(unix.IFLA_NUM_RX_QUEUES, r.NumRxQueues)
	ae.Uint32(unix.IFLA_GSO_MAX_SEGS, r.GSOMaxSegs)
	ae.Uint32(unix.IFLA_GSO_MAX_SIZE, r.GSOMaxSize)
	ae.Uint8(unix.IFLA_OPERSTATE, r.OperState)
	ae.Uint8(unix.IFLA_LINKMODE, r.LinkMode)
	ae.Uint8(unix.IFLA_CARRIER, r.Carrier)
	ae.String(unix.IFLA_QDISC, r.Qdisc)
	ae.Nested(unix.IFLA_LINKINFO, func(ae *netlink.AttributeEncoder) error {
		ae.String(infoKind, r.Info.Kind)
		ae.Uint16(infoID, r.Info.ID)
		ae.Uint64(infoCookie, r.Info.Cookie)
		ae.Uint8(infoMode, r.Info.Mode)
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	data := appendIfinfomsg(make([]byte, 0, ifinfomsgLen+len(attrs)), r.Family, r.DevType, r.Index, r.IfFlags, r.Change)
	data = append(data, attrs...)
	m := netlink.Message{
		Header: netlink.Header{
			Length:   uint32(nlmsgHeaderLen + len(data)),
			Type:     netlink.HeaderType(r.Type),
			Flags:    netlink.HeaderFlags(r.Flags),
			Sequence: r.Sequence,
		},
		Data: data,
	}
	return m.MarshalBinary()
}
