package nldecode

import (
	"strconv"

	"github.com/nlgo/netlink"
)

// extAckAttrs are the extended-ack TLVs (NLMSGERR_ATTR_*).
var extAckAttrs = attrs(
	str(1, "msg"), u32(2, "offs"), raw(3, "cookie"), nest(4, "policy", policyAttrs),
	u32(5, "miss_type"), u32(6, "miss_nest"),
)

// decodeAck decodes an NLMSG_ERROR or NLMSG_DONE of family: the code, the
// echoed request, decoded as the family's, and the extended ack.
func (d *Decoder) decodeAck(m *Message, family int, nm netlink.Message) {
	m.Flags = nm.Header.Flags.Format(netlink.AckFlags)
	a, err := netlink.ParseAck(nm)
	if err != nil {
		m.Error, m.Hex = err.Error(), hexOf(nm.Data)
		return
	}
	if nm.Header.Type == netlink.Done && len(nm.Data) == 0 {
		return
	}
	ack := &Ack{Code: a.Code, Errno: ErrnoName(a.Code)}
	m.Ack = ack
	tlv := 4
	if nm.Header.Type == netlink.Error && len(nm.Data) > 4 {
		req := d.decodeMessage(family, a.Request, true)
		ack.Request = &req
		tlv += netlink.HeaderLen
		if nm.Header.Flags&netlink.Capped == 0 {
			tlv = 4 + netlink.Align(int(a.Request.Header.Length))
		}
	}
	if nm.Header.Flags&netlink.AcknowledgeTLVs == 0 || tlv >= len(nm.Data) {
		return
	}
	if x := a.ExtAck.Expected; x != nil {
		ack.Expected = x.String()
	}
	// ParseAck accepted the TLVs, so they decode.
	ack.Attrs, _ = decodeAttrs(nm.Data[tlv:], extAckAttrs, netlink.HeaderLen+tlv, 0)
	if ack.Request != nil && a.ExtAck.Offset != 0 {
		ack.Offending = offending(ack.Request.Attrs, int(a.ExtAck.Offset))
	}
}

// offending names the attribute at offset off among attrs, nests searched,
// as a path of names (or numbers) joined by dots.
func offending(attrs []Attr, off int) string {
	for _, a := range attrs {
		label := a.Name
		if label == "" {
			label = strconv.Itoa(int(a.Type))
		}
		if a.Offset == off {
			return label
		}
		if inner := offending(a.Attrs, off); inner != "" {
			return label + "." + inner
		}
	}
	return ""
}
