package genetlink

import (
	"fmt"

	"github.com/nlgo/netlink"
)

// HeaderLen is the size of an encoded genlmsghdr (GENL_HDRLEN).
const HeaderLen = 4

// A Header is a generic netlink message header (struct genlmsghdr): the
// command and the family's interface version. Its two reserved bytes are
// always zero.
type Header struct {
	// Command is the family's command (genlmsghdr.cmd).
	Command uint8
	// Version is the version of the family's interface the message is
	// written for (genlmsghdr.version).
	Version uint8
}

// A Message is a generic netlink message: a Header and its attributes (or
// a family-specific header, then attributes), without the netlink header
// that carries it.
type Message struct {
	Header Header
	// Data is the payload after the genlmsghdr. Messages returned by
	// Execute and Receive own it; those passed to an ExecuteEach function
	// alias the Conn's receive buffer.
	Data []byte
}

// MarshalBinary encodes m: the genlmsghdr with zero reserved bytes, then
// Data as it is.
func (m Message) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, HeaderLen+len(m.Data)))
}

// AppendBinary appends the encoding of m to b, like MarshalBinary.
func (m Message) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, m.Header.Command, m.Header.Version, 0, 0)
	return append(b, m.Data...), nil
}

// UnmarshalBinary decodes a generic netlink message from b, copying the
// payload. b must hold at least a genlmsghdr, whose reserved bytes must be
// zero: anything else is a *netlink.ParseError wrapping
// netlink.ErrShortMessage or ErrReserved.
func (m *Message) UnmarshalBinary(b []byte) error {
	h, err := parseHeader(b)
	if err != nil {
		return err
	}
	m.Header = h
	m.Data = append([]byte(nil), b[HeaderLen:]...)
	return nil
}

// parseHeader checks and decodes the genlmsghdr at the start of b.
func parseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, &netlink.ParseError{What: "generic netlink header", Type: -1,
			Err: netlink.ErrShortMessage, Detail: fmt.Sprintf("%d bytes < %d", len(b), HeaderLen)}
	}
	if b[2] != 0 || b[3] != 0 {
		return Header{}, &netlink.ParseError{What: "generic netlink header", Offset: 2, Type: int(b[0]),
			Err: ErrReserved, Detail: fmt.Sprintf("reserved bytes %#02x %#02x, want zero", b[2], b[3])}
	}
	return Header{Command: b[0], Version: b[1]}, nil
}

// unpack decodes the generic netlink message a netlink message carries,
// without copying: its Data aliases nm.Data.
func unpack(nm netlink.Message) (Message, error) {
	h, err := parseHeader(nm.Data)
	if err != nil {
		return Message{}, err
	}
	return Message{Header: h, Data: nm.Data[HeaderLen:]}, nil
}
