package bench

import (
	"syscall"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// github.com/vishvananda/netlink's nl package, used the way its own
// LinkList and LinkAdd use it. NetlinkSocket.Receive splits a datagram
// with syscall.ParseNetlinkMessage, which returns a slice of messages
// whose Data aliases the datagram; LinkDeserialize casts the ifinfomsg in
// place and collects the attributes into a slice with nl.ParseRouteAttr.
// A request is a tree of NetlinkRequestData values (an IfInfomsg, then an
// RtAttr per attribute, each payload its own slice) that Serialize turns
// into bytes, allocating at every level. Nothing can be reused.
//
// The nl package never sets NLA_F_NESTED by itself: the nest's type
// carries it explicitly, as the package's own conntrack code does, so that
// the bytes match the other encoders'.

// decodeVishvananda is the Decode workload with vishvananda/netlink.
func decodeVishvananda(b []byte) (uint64, error) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, m := range msgs {
		if m.Header.Type == unix.NLMSG_DONE {
			return sum, nil
		}
		if len(m.Data) < unix.SizeofIfInfomsg {
			return 0, errShortPayload // DeserializeIfInfomsg would panic
		}
		msg := nl.DeserializeIfInfomsg(m.Data)
		attrs, err := nl.ParseRouteAttr(m.Data[msg.Len():])
		if err != nil {
			return 0, err
		}
		for _, a := range attrs {
			sum += uint64(a.Attr.Type&nl.NLA_TYPE_MASK) + uint64(len(a.Value))
		}
	}
	return 0, errNoDone
}

// vishvanandaEncoder has nothing to keep: every request starts afresh.
type vishvanandaEncoder struct{}

func newVishvanandaEncoder() encoder { return vishvanandaEncoder{} }

// encode is the Encode workload with vishvananda/netlink.
func (vishvanandaEncoder) encode(r *linkRequest) ([]byte, error) {
	req := nl.NewNetlinkRequest(int(r.Type), int(r.Flags))
	req.Seq = r.Sequence // NewNetlinkRequest draws one from a global counter
	msg := nl.NewIfInfomsg(int(r.Family))
	msg.Type = r.DevType
	msg.Index = r.Index
	msg.Flags = r.IfFlags
	msg.Change = r.Change
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(r.Name)))
	req.AddData(nl.NewRtAttr(unix.IFLA_ADDRESS, r.Address))
	req.AddData(nl.NewRtAttr(unix.IFLA_BROADCAST, r.Broadcast))
	req.AddData(nl.NewRtAttr(unix.IFLA_MTU, nl.Uint32Attr(r.MTU)))
	req.AddData(nl.NewRtAttr(unix.IFLA_TXQLEN, nl.Uint32Attr(r.TxQueueLen)))
	req.AddData(nl.NewRtAttr(unix.IFLA_GROUP, nl.Uint32Attr(r.Group)))
	req.AddData(nl.NewRtAttr(unix.IFLA_MASTER, nl.Uint32Attr(r.Master)))
	req.AddData(nl.NewRtAttr(unix.IFLA_NUM_TX_QUEUES, nl.Uint32Attr(r.NumTxQueues)))
	req.AddData(nl.NewRtAttr(unix.IFLA_NUM_RX_QUEUES, nl.Uint32Attr(r.NumRxQueues)))
	req.AddData(nl.NewRtAttr(unix.IFLA_GSO_MAX_SEGS, nl.Uint32Attr(r.GSOMaxSegs)))
	req.AddData(nl.NewRtAttr(unix.IFLA_GSO_MAX_SIZE, nl.Uint32Attr(r.GSOMaxSize)))
	req.AddData(nl.NewRtAttr(unix.IFLA_OPERSTATE, nl.Uint8Attr(r.OperState)))
	req.AddData(nl.NewRtAttr(unix.IFLA_LINKMODE, nl.Uint8Attr(r.LinkMode)))
	req.AddData(nl.NewRtAttr(unix.IFLA_CARRIER, nl.Uint8Attr(r.Carrier)))
	req.AddData(nl.NewRtAttr(unix.IFLA_QDISC, nl.ZeroTerminated(r.Qdisc)))
	info := nl.NewRtAttr(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, nil)
	info.AddRtAttr(infoKind, nl.ZeroTerminated(r.Info.Kind))
	info.AddRtAttr(infoID, nl.Uint16Attr(r.Info.ID))
	info.AddRtAttr(infoCookie, nl.Uint64Attr(r.Info.Cookie))
	info.AddRtAttr(infoMode, nl.Uint8Attr(r.Info.Mode))
	req.AddData(info)
	return req.Serialize(), nil
}
