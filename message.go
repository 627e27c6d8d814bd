package netlink

import (
	"encoding/binary"
	"iter"
	"math"
	"strconv"
	"strings"
)

// HeaderType is the type of a netlink message (nlmsghdr.nlmsg_type). Values
// below MinType are the control messages defined here; families define
// their own from MinType up.
type HeaderType uint16

// Control message types.
const (
	Noop    HeaderType = 0x1  // NLMSG_NOOP: nothing; skip it
	Error   HeaderType = 0x2  // NLMSG_ERROR: an error code or an acknowledgement
	Done    HeaderType = 0x3  // NLMSG_DONE: the end of a multipart message
	Overrun HeaderType = 0x4  // NLMSG_OVERRUN: data was lost
	MinType HeaderType = 0x10 // NLMSG_MIN_TYPE: the first type a family may use
)

// String returns the C name's suffix in lower case for control types and
// the number otherwise.
func (t HeaderType) String() string {
	switch t {
	case Noop:
		return "noop"
	case Error:
		return "error"
	case Done:
		return "done"
	case Overrun:
		return "overrun"
	}
	return strconv.Itoa(int(t))
}

// HeaderFlags are the flags of a netlink message (nlmsghdr.nlmsg_flags).
// The bits from 0x100 up mean different things in GET, NEW and DELETE
// requests and in acknowledgements, so several names share a value.
type HeaderFlags uint16

// Flags for every message.
const (
	Request         HeaderFlags = 0x01 // NLM_F_REQUEST: a request
	Multi           HeaderFlags = 0x02 // NLM_F_MULTI: part of a multipart message, ended by Done
	Acknowledge     HeaderFlags = 0x04 // NLM_F_ACK: reply with an acknowledgement
	Echo            HeaderFlags = 0x08 // NLM_F_ECHO: echo this request
	DumpInterrupted HeaderFlags = 0x10 // NLM_F_DUMP_INTR: the dump was inconsistent
	DumpFiltered    HeaderFlags = 0x20 // NLM_F_DUMP_FILTERED: the dump was filtered as requested
)

// Flags for GET requests.
const (
	Root   HeaderFlags = 0x100        // NLM_F_ROOT: return the whole table
	Match  HeaderFlags = 0x200        // NLM_F_MATCH: return all matching entries
	Atomic HeaderFlags = 0x400        // NLM_F_ATOMIC: an atomic snapshot
	Dump   HeaderFlags = Root | Match // NLM_F_DUMP
)

// Flags for NEW requests.
const (
	Replace HeaderFlags = 0x100 // NLM_F_REPLACE: replace an existing object
	Excl    HeaderFlags = 0x200 // NLM_F_EXCL: do not touch an existing object
	Create  HeaderFlags = 0x400 // NLM_F_CREATE: create if it does not exist
	Append  HeaderFlags = 0x800 // NLM_F_APPEND: add to the end of the list
)

// Flags for DELETE requests.
const (
	NonRecursive HeaderFlags = 0x100 // NLM_F_NONREC: do not delete recursively
	Bulk         HeaderFlags = 0x200 // NLM_F_BULK: delete several objects
)

// Flags for acknowledgements (NLMSG_ERROR and NLMSG_DONE messages).
const (
	Capped          HeaderFlags = 0x100 // NLM_F_CAPPED: the echoed request was cut to its header
	AcknowledgeTLVs HeaderFlags = 0x200 // NLM_F_ACK_TLVS: extended-ack TLVs follow
)

// A FlagContext says which meaning the shared high flag bits have when
// HeaderFlags are formatted.
type FlagContext uint8

// Flag contexts for HeaderFlags.Format.
const (
	GetFlags    FlagContext = iota // root, match, atomic (and dump)
	NewFlags                       // replace, excl, create, append
	DeleteFlags                    // nonrec, bulk
	AckFlags                       // capped, ack_tlvs
)

type flagName struct {
	bit  HeaderFlags
	name string
}

var commonFlagNames = []flagName{
	{Request, "request"}, {Multi, "multi"}, {Acknowledge, "acknowledge"}, {Echo, "echo"},
	{DumpInterrupted, "dump-interrupted"}, {DumpFiltered, "dump-filtered"},
}

var contextFlagNames = [...][]flagName{
	GetFlags:    {{Dump, "dump"}, {Root, "root"}, {Match, "match"}, {Atomic, "atomic"}},
	NewFlags:    {{Replace, "replace"}, {Excl, "excl"}, {Create, "create"}, {Append, "append"}},
	DeleteFlags: {{NonRecursive, "nonrec"}, {Bulk, "bulk"}},
	AckFlags:    {{Capped, "capped"}, {AcknowledgeTLVs, "ack-tlvs"}},
}

// String formats f as names joined by '|' ("request|acknowledge"), reading
// the high bits as GET-request flags. Unknown bits print in hex.
func (f HeaderFlags) String() string { return f.Format(GetFlags) }

// Format formats f like String, reading the shared high bits in context c.
func (f HeaderFlags) Format(c FlagContext) string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(s)
	}
	for _, fn := range commonFlagNames {
		if f&fn.bit != 0 {
			add(fn.name)
			f &^= fn.bit
		}
	}
	if int(c) < len(contextFlagNames) {
		for _, fn := range contextFlagNames[c] {
			if f&fn.bit == fn.bit {
				add(fn.name)
				f &^= fn.bit
			}
		}
	}
	if f != 0 {
		add("0x" + strconv.FormatUint(uint64(f), 16))
	}
	return b.String()
}

// A Header is a netlink message header (struct nlmsghdr).
type Header struct {
	// Length is the length of the message, header included, without
	// trailing padding (nlmsg_len). Encoding fills it in.
	Length uint32
	// Type is the message type (nlmsg_type).
	Type HeaderType
	// Flags are the message flags (nlmsg_flags).
	Flags HeaderFlags
	// Sequence is the sequence number (nlmsg_seq).
	Sequence uint32
	// PID is the port ID of the sending socket (nlmsg_pid); 0 for the kernel.
	PID uint32
}

// String formats h for logs and test diffs, e.g.
// "{len=20 type=error flags=capped seq=7 pid=0}". The high flag bits
// (0x100 to 0x800) mean different things for GET, NEW and DELETE requests,
// and only the family knows which kind a type is: they print by name for
// acknowledgements, replies and dump requests, and otherwise in hex
// ("request|acknowledge|0x600" for a NEW with NLM_F_CREATE|NLM_F_EXCL).
// Format names them for a context the caller knows.
func (h Header) String() string { return h.Format(h.flagContext()) }

// flagContext is the context String reads the high flag bits in, or
// rawFlags when it cannot tell.
func (h Header) flagContext() FlagContext {
	const high = Root | Match | Atomic | Append
	switch {
	case h.Type == Error || h.Type == Done:
		return AckFlags
	case h.Flags&Request == 0, h.Flags&high == 0, h.Flags&high == Dump:
		return GetFlags
	}
	return rawFlags
}

// rawFlags formats the high flag bits in hex, naming none.
const rawFlags FlagContext = 255

// Format formats h like String, reading the high flag bits in context c.
func (h Header) Format(c FlagContext) string {
	return "{len=" + strconv.FormatUint(uint64(h.Length), 10) +
		" type=" + h.Type.String() +
		" flags=" + h.Flags.Format(c) +
		" seq=" + strconv.FormatUint(uint64(h.Sequence), 10) +
		" pid=" + strconv.FormatUint(uint64(h.PID), 10) + "}"
}

// putHeader writes h into b[:HeaderLen] in native byte order.
func putHeader(b []byte, h Header) {
	binary.NativeEndian.PutUint32(b[0:4], h.Length)
	binary.NativeEndian.PutUint16(b[4:6], uint16(h.Type))
	binary.NativeEndian.PutUint16(b[6:8], uint16(h.Flags))
	binary.NativeEndian.PutUint32(b[8:12], h.Sequence)
	binary.NativeEndian.PutUint32(b[12:16], h.PID)
}

// readHeader reads a header from b, which must hold HeaderLen bytes.
func readHeader(b []byte) Header {
	_ = b[HeaderLen-1]
	return Header{
		Length:   binary.NativeEndian.Uint32(b[0:4]),
		Type:     HeaderType(binary.NativeEndian.Uint16(b[4:6])),
		Flags:    HeaderFlags(binary.NativeEndian.Uint16(b[6:8])),
		Sequence: binary.NativeEndian.Uint32(b[8:12]),
		PID:      binary.NativeEndian.Uint32(b[12:16]),
	}
}

// A Message is a netlink message: a header and its payload.
type Message struct {
	Header Header
	// Data is the payload after the header: the family header, then
	// attributes. Messages that this package parses out of a buffer alias
	// that buffer; see ParseMessages and Messages.
	Data []byte
}

// MarshalBinary encodes m with Header.Length set from len(Data) and the
// payload padded to Alignment.
func (m Message) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, MessageSpace(len(m.Data))))
}

// AppendBinary appends the encoding of m to b, like MarshalBinary. It
// ignores m.Header.Length and writes HeaderLen+len(m.Data), followed by zero
// padding to Alignment. It fails with ErrTooLarge if the length does not fit
// in 32 bits.
func (m Message) AppendBinary(b []byte) ([]byte, error) {
	if err := checkPayloadLen(len(m.Data), len(b), m.Header.Type); err != nil {
		return b, err
	}
	h := m.Header
	h.Length = uint32(MessageLen(len(m.Data)))
	start := len(b)
	b = grow(b, MessageSpace(len(m.Data)))
	putHeader(b[start:], h)
	n := copy(b[start+HeaderLen:], m.Data)
	clear(b[start+HeaderLen+n:])
	return b, nil
}

// FinishMessage completes a message built in place, saving the copy that
// AppendBinary makes: b holds HeaderLen reserved bytes followed by the
// payload, for instance written by an AttributeEncoder whose Reset was given
// that prefix and a family header. FinishMessage writes h into the reserved
// bytes with Length set to len(b), pads b with zeros to Alignment, and
// returns it.
func FinishMessage(b []byte, h Header) ([]byte, error) {
	if len(b) < HeaderLen {
		return b, parseErrorf("message", 0, int(h.Type), ErrShortMessage,
			"%d bytes, the header needs %d reserved", len(b), HeaderLen)
	}
	if err := checkPayloadLen(len(b)-HeaderLen, 0, h.Type); err != nil {
		return b, err
	}
	h.Length = uint32(len(b))
	putHeader(b, h)
	if pad := Align(len(b)) - len(b); pad > 0 {
		b = append(b, make([]byte, pad)...)
	}
	return b, nil
}

// checkPayloadLen refuses a payload whose message length, padding
// included, would not fit in nlmsg_len's 32 bits.
func checkPayloadLen(n, off int, typ HeaderType) error {
	if uint64(n) > math.MaxUint32-HeaderLen-Alignment {
		return parseErrorf("message", off, int(typ), ErrTooLarge,
			"payload of %d bytes does not fit a 32-bit length", n)
	}
	return nil
}

// grow extends b by n bytes, reallocating only when its capacity is short.
// The new bytes are not cleared.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// UnmarshalBinary decodes one message from b, copying the payload. b must
// hold exactly one message: its length as the header says, optionally
// followed by padding up to Alignment.
func (m *Message) UnmarshalBinary(b []byte) error {
	h, err := checkHeader(b, 0)
	if err != nil {
		return err
	}
	if end := Align(int(h.Length)); len(b) > end {
		return parseErrorf("message", 0, int(h.Type), ErrBadLength,
			"%d trailing bytes after a %d-byte message", len(b)-int(h.Length), h.Length)
	}
	m.Header = h
	m.Data = append([]byte(nil), b[HeaderLen:h.Length]...)
	return nil
}

// checkHeader reads the header at b[off:] and checks that its length is at
// least HeaderLen and fits in b. All arithmetic stays in range on 32-bit
// platforms: the length is compared with the bytes left before any sum.
func checkHeader(b []byte, off int) (Header, error) {
	rest := len(b) - off
	if rest < HeaderLen {
		return Header{}, parseErrorf("message", off, -1, ErrShortMessage,
			"%d bytes left, a header needs %d", rest, HeaderLen)
	}
	h := readHeader(b[off:])
	if h.Length < HeaderLen {
		return h, parseErrorf("message", off, int(h.Type), ErrBadLength,
			"length %d < %d", h.Length, HeaderLen)
	}
	if uint64(h.Length) > uint64(rest) {
		return h, parseErrorf("message", off, int(h.Type), ErrBadLength,
			"length %d runs past the end: %d bytes left", h.Length, rest)
	}
	return h, nil
}

// wireHeader holds a header's fields as the hot loops read them. It exists
// because Header, a five-field struct, is kept in memory by the compiler:
// a Header stored field by field and then copied whole, as happens when a
// function returns one and it goes into a Message, defeats the CPU's store
// forwarding and cost about 20 ns per message (BenchmarkMessagesAddrDump,
// BenchmarkRouteDump). A wireHeader's four fields live in registers, and
// header builds the Header in place where it is needed.
type wireHeader struct {
	length    uint32
	typeFlags uint32 // nlmsg_type in the low 16 bits, nlmsg_flags in the high
	seq       uint32
	pid       uint32
}

// headerAt reads the header at b[off:] when it is well formed: at least
// HeaderLen long and inside b. It inlines, unlike checkHeader, which says
// what is wrong when it is not.
func headerAt(b []byte, off int) (h wireHeader, ok bool) {
	if len(b)-off >= HeaderLen {
		p := b[off : off+HeaderLen]
		h = wireHeader{
			length:    binary.NativeEndian.Uint32(p),
			typeFlags: uint32(binary.NativeEndian.Uint16(p[4:])) | uint32(binary.NativeEndian.Uint16(p[6:]))<<16,
			seq:       binary.NativeEndian.Uint32(p[8:]),
			pid:       binary.NativeEndian.Uint32(p[12:]),
		}
		ok = h.length >= HeaderLen && int64(h.length) <= int64(len(b)-off)
	}
	return h, ok
}

func (h wireHeader) typ() HeaderType    { return HeaderType(h.typeFlags) }
func (h wireHeader) flags() HeaderFlags { return HeaderFlags(h.typeFlags >> 16) }

// message returns the message with header h at b[off:], which headerAt
// found well formed. The whole Message is built in one literal: building
// the Header apart and copying it in brings the stall back.
func (h wireHeader) message(b []byte, off int) Message {
	end := off + int(h.length)
	return Message{
		Header: Header{Length: h.length, Type: h.typ(), Flags: h.flags(), Sequence: h.seq, PID: h.pid},
		Data:   b[off+HeaderLen : end : end],
	}
}

// fill sets *m to the message with header h at b[off:], which headerAt
// found well formed, one field at a time: assigning a whole Message to a
// slice element copies it through a temporary and stalls.
func (h wireHeader) fill(m *Message, b []byte, off int) {
	end := off + int(h.length)
	m.Header.Length = h.length
	m.Header.Type = h.typ()
	m.Header.Flags = h.flags()
	m.Header.Sequence = h.seq
	m.Header.PID = h.pid
	m.Data = b[off+HeaderLen : end : end]
}

// next returns the offset of the message after the one with header h at
// off in b. The last message of a datagram may lack its padding.
func (h wireHeader) next(b []byte, off int) int {
	return min(off+Align(int(h.length)), len(b))
}

// ParseMessages splits a datagram into its messages. Each Message.Data
// aliases b. Any malformed message, and trailing bytes that cannot hold a
// header, are an error (a *ParseError naming the offset); the messages
// before it are returned with it.
func ParseMessages(b []byte) ([]Message, error) {
	var msgs []Message
	for off := 0; off < len(b); {
		h, ok := headerAt(b, off)
		if !ok {
			_, err := checkHeader(b, off) // the error, saying why
			return msgs, err
		}
		if msgs == nil {
			msgs = make([]Message, 0, countMessages(b))
		}
		msgs = append(msgs, Message{})
		h.fill(&msgs[len(msgs)-1], b, off)
		off = h.next(b, off)
	}
	return msgs, nil
}

// countMessages counts the well-formed messages at the start of b, to size
// a slice once.
func countMessages(b []byte) int {
	n := 0
	for off := 0; off < len(b); n++ {
		h, ok := headerAt(b, off)
		if !ok {
			break
		}
		off = h.next(b, off)
	}
	return n
}

// Messages iterates over the messages of a datagram without allocating.
// Each Message.Data aliases b. A malformed message ends the iteration with
// its error (a *ParseError naming the offset) as the last pair.
func Messages(b []byte) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for off := 0; off < len(b); {
			h, ok := headerAt(b, off)
			if !ok {
				_, err := checkHeader(b, off) // the error, saying why
				yield(Message{}, err)
				return
			}
			if !yield(h.message(b, off), nil) {
				return
			}
			off = h.next(b, off)
		}
	}
}
