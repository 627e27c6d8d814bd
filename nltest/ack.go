package nltest

import (
	"encoding/binary"

	"github.com/nlgo/netlink"
)

// Extended-ack attribute types (enum nlmsgerr_attrs).
const (
	attrMsg         = 1 // NLMSGERR_ATTR_MSG
	attrOffset      = 2 // NLMSGERR_ATTR_OFFS
	attrCookie      = 3 // NLMSGERR_ATTR_COOKIE
	attrPolicy      = 4 // NLMSGERR_ATTR_POLICY
	attrMissingType = 5 // NLMSGERR_ATTR_MISS_TYPE
	attrMissingNest = 6 // NLMSGERR_ATTR_MISS_NEST
)

// errorMessage builds the NLMSG_ERROR that netlink_ack sends for req with
// error code code to port: the code, the echoed request (its header only
// on success or with capAck, flagged NLM_F_CAPPED), then, with extAck,
// the extended-ack TLVs (flagged NLM_F_ACK_TLVS). Its Sequence is the
// request's.
func errorMessage(code int32, req netlink.Message, port uint32, capAck, extAck bool, ext *ExtError) netlink.Message {
	var flags netlink.HeaderFlags
	h := req.Header
	if h.Length == 0 {
		h.Length = uint32(netlink.MessageLen(len(req.Data)))
	}
	data := binary.NativeEndian.AppendUint32(nil, uint32(code))
	if code != 0 && !capAck {
		data = appendHeader(data, h)
		data = append(data, req.Data...)
		data = append(data, make([]byte, netlink.Align(len(data))-len(data))...)
	} else {
		flags |= netlink.Capped
		data = appendHeader(data, h)
	}
	if extAck {
		if n := len(data); appendExtAck(&data, code, ext) > n {
			flags |= netlink.AcknowledgeTLVs
		}
	}
	return netlink.Message{
		Header: netlink.Header{Type: netlink.Error, Flags: flags, Sequence: h.Sequence, PID: port},
		Data:   data,
	}
}

// doneMessage builds the NLMSG_DONE that ends a dump, as
// netlink_dump_done does: NLM_F_MULTI and flags, the code as a 32-bit
// int, then, with extAck, the extended-ack TLVs.
func doneMessage(code int32, seq, port uint32, flags netlink.HeaderFlags, extAck bool, ext *ExtError) netlink.Message {
	data := binary.NativeEndian.AppendUint32(nil, uint32(code))
	flags |= netlink.Multi
	if extAck && appendExtAck(&data, code, ext) > 4 {
		flags |= netlink.AcknowledgeTLVs
	}
	return netlink.Message{
		Header: netlink.Header{Type: netlink.Done, Flags: flags, Sequence: seq, PID: port},
		Data:   data,
	}
}

// appendExtAck appends ext's TLVs to *b in the kernel's order
// (netlink_ack_tlv_fill) and returns the new length. The message and
// cookie go with any code; the offset, the policy and the missing
// attribute only with an error.
func appendExtAck(b *[]byte, code int32, ext *ExtError) int {
	if ext == nil {
		return len(*b)
	}
	var e netlink.AttributeEncoder
	e.Reset(*b)
	if ext.Message != "" {
		e.String(attrMsg, ext.Message)
	}
	if len(ext.Cookie) > 0 {
		e.Bytes(attrCookie, ext.Cookie)
	}
	if code != 0 {
		if ext.Offset != 0 {
			e.Uint32(attrOffset, ext.Offset)
		}
		if len(ext.Policy) > 0 {
			e.Bytes(attrPolicy|netlink.AttributeNested, ext.Policy)
		}
		if ext.MissingType != 0 {
			e.Uint32(attrMissingType, ext.MissingType)
		}
		if ext.MissingNest != 0 {
			e.Uint32(attrMissingNest, ext.MissingNest)
		}
	}
	if out, err := e.Encode(); err == nil {
		*b = out
	}
	return len(*b)
}

// appendHeader appends h as it is, Length included, in native byte order.
func appendHeader(b []byte, h netlink.Header) []byte {
	b = binary.NativeEndian.AppendUint32(b, h.Length)
	b = binary.NativeEndian.AppendUint16(b, uint16(h.Type))
	b = binary.NativeEndian.AppendUint16(b, uint16(h.Flags))
	b = binary.NativeEndian.AppendUint32(b, h.Sequence)
	return binary.NativeEndian.AppendUint32(b, h.PID)
}
