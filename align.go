package netlink

// Size arithmetic for netlink messages and attributes: the NLMSG_* and NLA_*
// macros of <linux/netlink.h>, in Go. Every function takes and returns byte
// counts as int; callers that start from a length read off the wire check it
// against the buffer before calling them, so none of them can overflow on a
// 32-bit platform for lengths that fit in a real buffer.

const (
	// Alignment is the boundary messages are padded to (NLMSG_ALIGNTO).
	Alignment = 4

	// HeaderLen is the size of an encoded nlmsghdr (NLMSG_HDRLEN).
	HeaderLen = 16

	// AttributeAlignment is the boundary attributes are padded to (NLA_ALIGNTO).
	AttributeAlignment = 4

	// AttributeHeaderLen is the size of an encoded nlattr header (NLA_HDRLEN).
	AttributeHeaderLen = 4

	// MaxAttributePayload is the largest payload one attribute can carry: its
	// 16-bit length field counts the 4-byte header too.
	MaxAttributePayload = 1<<16 - 1 - AttributeHeaderLen
)

// Align rounds n up to the message alignment (NLMSG_ALIGN(len)).
func Align(n int) int {
	return (n + Alignment - 1) &^ (Alignment - 1)
}

// MessageLen is the length of a message whose payload is n bytes, without
// trailing padding: the value for Header.Length (NLMSG_LENGTH(len)).
func MessageLen(n int) int {
	return n + HeaderLen
}

// MessageSpace is the number of bytes a message with an n-byte payload takes
// in a datagram, padding included (NLMSG_SPACE(len)).
func MessageSpace(n int) int {
	return Align(MessageLen(n))
}

// MessagePayloadLen is the payload length of a message of total length
// length after a family header of hdr bytes (NLMSG_PAYLOAD(nlh, len)).
// It returns 0, not a negative number, when the message is shorter.
func MessagePayloadLen(length, hdr int) int {
	n := length - MessageSpace(hdr)
	if n < 0 {
		return 0
	}
	return n
}

// AttributeAlign rounds n up to the attribute alignment (NLA_ALIGN(len)).
func AttributeAlign(n int) int {
	return (n + AttributeAlignment - 1) &^ (AttributeAlignment - 1)
}

// AttributeLen is the length of an attribute whose payload is n bytes,
// without padding: the value of nla_len (nla_attr_size(payload)).
func AttributeLen(n int) int {
	return n + AttributeHeaderLen
}

// AttributeSpace is the number of bytes an attribute with an n-byte payload
// takes, padding included (nla_total_size(payload)).
func AttributeSpace(n int) int {
	return AttributeAlign(AttributeLen(n))
}
