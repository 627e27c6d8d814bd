package netlink

import (
	"encoding/binary"
	"syscall"
)

// Extended-ack attribute types (enum nlmsgerr_attrs).
const (
	extAckMessage     = 1 // NLMSGERR_ATTR_MSG
	extAckOffset      = 2 // NLMSGERR_ATTR_OFFS
	extAckCookie      = 3 // NLMSGERR_ATTR_COOKIE
	extAckPolicy      = 4 // NLMSGERR_ATTR_POLICY
	extAckMissingType = 5 // NLMSGERR_ATTR_MISS_TYPE
	extAckMissingNest = 6 // NLMSGERR_ATTR_MISS_NEST
)

// An Ack is the decoded payload of an NLMSG_ERROR or NLMSG_DONE message.
type Ack struct {
	// Code is the error code as sent: 0 for success, otherwise a negative
	// errno from the kernel (some user-space peers send it positive).
	Code int32
	// Request is the request the peer echoed in an NLMSG_ERROR message:
	// its header, and its payload unless the Capped flag was set. Zero for
	// NLMSG_DONE.
	Request Message
	// ExtAck holds the extended-ack TLVs, on success as on failure.
	ExtAck ExtAck
}

// Errno returns the error code as an errno; 0 means success.
func (a Ack) Errno() syscall.Errno { return errnoOf(a.Code) }

// ParseAck decodes an NLMSG_ERROR or NLMSG_DONE message. Both layouts of
// NLMSG_ERROR parse: the full echoed request, and the header alone when
// m carries the Capped flag. Extended-ack TLVs are read when m carries
// AcknowledgeTLVs. A DONE message may be empty (code 0) or carry a code and
// TLVs. Payload slices in the result alias m.Data.
//
// Offsets in a returned *ParseError count from the start of m.Data.
func ParseAck(m Message) (Ack, error) {
	switch m.Header.Type {
	case Error:
		return parseErrorAck(m)
	case Done:
		return parseDoneAck(m)
	}
	return Ack{}, parseErrorf("message", 0, int(m.Header.Type), ErrBadLength,
		"type %v is not an acknowledgement", m.Header.Type)
}

func parseErrorAck(m Message) (Ack, error) {
	b := m.Data
	if len(b) < 4 {
		return Ack{}, parseErrorf("error message", 0, -1, ErrShortMessage,
			"%d bytes, the error code needs 4", len(b))
	}
	a := Ack{Code: int32(binary.NativeEndian.Uint32(b))}
	if len(b) == 4 {
		// A bare error code, as some user-space peers send.
		return a, nil
	}
	if len(b) < 4+HeaderLen {
		return a, parseErrorf("error message", 4, -1, ErrShortMessage,
			"%d bytes left, the echoed header needs %d", len(b)-4, HeaderLen)
	}
	h := readHeader(b[4:])
	a.Request.Header = h
	tlv := 4 + HeaderLen
	if m.Header.Flags&Capped == 0 {
		// The echoed request is complete: its own length says where it
		// ends, and it must fit in what was received.
		if h.Length < HeaderLen {
			return a, parseErrorf("error message", 4, int(h.Type), ErrBadLength,
				"echoed request length %d < %d", h.Length, HeaderLen)
		}
		if uint64(h.Length) > uint64(len(b)-4) {
			return a, parseErrorf("error message", 4, int(h.Type), ErrBadLength,
				"echoed request length %d runs past the end: %d bytes left", h.Length, len(b)-4)
		}
		end := 4 + int(h.Length)
		a.Request.Data = b[tlv:end:end]
		tlv = 4 + Align(int(h.Length))
	}
	if m.Header.Flags&AcknowledgeTLVs == 0 || tlv >= len(b) {
		return a, nil
	}
	ext, err := parseExtAck(b, tlv)
	a.ExtAck = ext
	return a, err
}

func parseDoneAck(m Message) (Ack, error) {
	b := m.Data
	if len(b) == 0 {
		return Ack{}, nil
	}
	if len(b) < 4 {
		return Ack{}, parseErrorf("done message", 0, -1, ErrShortMessage,
			"%d bytes, the error code needs 4", len(b))
	}
	a := Ack{Code: int32(binary.NativeEndian.Uint32(b))}
	if m.Header.Flags&AcknowledgeTLVs == 0 || len(b) == 4 {
		return a, nil
	}
	ext, err := parseExtAck(b, 4)
	a.ExtAck = ext
	return a, err
}

// parseExtAck reads the extended-ack TLVs in b[off:]. Unknown types are
// skipped, as the kernel may add more.
func parseExtAck(b []byte, off int) (ExtAck, error) {
	var ext ExtAck
	var d AttributeDecoder
	d.Reset(b[off:])
	for d.Next() {
		switch d.Type() {
		case extAckMessage:
			ext.Message = d.String()
		case extAckOffset:
			ext.Offset = d.Uint32()
		case extAckCookie:
			ext.Cookie = d.Data()
		case extAckPolicy:
			ext.Policy = d.Data()
			// The policy only explains the error: one that does not
			// decode is left undecoded rather than hiding the errno.
			if kp, err := ParseKernelPolicy(ext.Policy); err == nil {
				if a := kp.AttributePolicy(); a.Kind != KindUnspec {
					ext.Expected = &a
				}
			}
		case extAckMissingType:
			ext.MissingType = d.Uint32()
		case extAckMissingNest:
			ext.MissingNest = d.Uint32()
		}
	}
	if err := d.Err(); err != nil {
		if pe, ok := err.(*ParseError); ok {
			pe.Offset += off
			pe.What = "extended ack " + pe.What
		}
		return ext, err
	}
	return ext, nil
}

// CheckMessage reports the error a message carries. It returns nil for an
// ordinary message, a successful acknowledgement and an empty or zero
// NLMSG_DONE; an *OpError (Op "receive") wrapping the errno as a
// syscall.Errno for an NLMSG_ERROR or NLMSG_DONE with a non-zero code, with
// the echoed request header and extended ack; an *OpError wrapping
// ErrOverrun for NLMSG_OVERRUN; and a *ParseError for a malformed
// acknowledgement. When the extended ack points into the request and the
// echoed request is complete (not Capped), the OpError's Sent holds a copy
// of it, for OpError.Locate. Use ParseAck to read the extended ack of a
// successful acknowledgement, which carries warnings and cookies. The
// returned error does not alias m.Data.
func CheckMessage(m Message) error {
	switch m.Header.Type {
	case Error, Done:
	case Overrun:
		return &OpError{Op: "receive", Err: overrunf("the peer sent NLMSG_OVERRUN"), Sequence: m.Header.Sequence}
	default:
		return nil
	}
	a, err := ParseAck(m)
	if err != nil {
		return err
	}
	if a.Code == 0 {
		return nil
	}
	e := &OpError{
		Op:       "receive",
		Err:      a.Errno(),
		Sequence: m.Header.Sequence,
		Request:  a.Request.Header,
		ExtAck:   a.ExtAck.clone(),
	}
	if m.Header.Type == Error && m.Header.Flags&Capped == 0 && len(m.Data) > 4 {
		// The echo is the request as sent (netlink_ack).
		e.keepRequest(m.Data[4 : 4+int(a.Request.Header.Length)])
	}
	return e
}
