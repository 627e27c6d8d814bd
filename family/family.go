package family

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"strconv"

	"github.com/nlgo/netlink"
)

// An Opt is an optional value: Value is meaningful only when Valid is
// true. The generated structs hold every optional scalar, nest and fixed
// struct attribute as an Opt, so that decoding records presence without
// allocating, and a decoded value reused for the next message keeps the
// nest's memory.
//
// IsZero reports absence, so a field tagged `json:",omitzero"` is left
// out of JSON when absent; an absent Opt marshals as null, a present one
// as its Value.
type Opt[T any] struct {
	Value T
	Valid bool
}

// Some returns a present Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Value: v, Valid: true} }

// Get returns the value and whether it is present.
func (o Opt[T]) Get() (T, bool) { return o.Value, o.Valid }

// IsZero reports whether the value is absent.
func (o Opt[T]) IsZero() bool { return !o.Valid }

// MarshalJSON encodes the value, or null when it is absent.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON decodes a value and marks it present; null marks it
// absent.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Valid = false
		return nil
	}
	if err := json.Unmarshal(b, &o.Value); err != nil {
		return err
	}
	o.Valid = true
	return nil
}

// A Bitfield32 is the value of a bitfield32 attribute (struct
// nla_bitfield32): the bits to set and the bits Value applies to.
type Bitfield32 struct {
	Value    uint32 `json:"value"`
	Selector uint32 `json:"selector"`
}

// A Family describes a generated family to a generic client: its
// operations and the messages it sends and receives. Each generated
// package returns a new one from Describe; nothing is registered
// globally.
type Family struct {
	// Name is the family's name in its spec, as "rt-link" or "ethtool".
	Name string
	// Protocol is the spec's protocol: "netlink-raw", "genetlink",
	// "genetlink-c" or "genetlink-legacy".
	Protocol string
	// ProtocolNumber is the netlink protocol the family's sockets are of:
	// the spec's protonum for netlink-raw (0, NETLINK_ROUTE, for rt-link),
	// NETLINK_GENERIC (16) for generic netlink.
	ProtocolNumber int
	// Groups are the names of the family's multicast groups in the spec,
	// in spec order: the names the Client's JoinGroup takes.
	Groups []string
	// Dial opens a client of the family; the io.Closer is the package's
	// *Client, the value the Operations' Do and Dump take.
	Dial func(*netlink.Config) (io.Closer, error)
	// WithFlags returns client, a *Client of the family, as its
	// WithFlags method does: a Client that adds flags to the header of
	// every request it sends (netlink.Create|netlink.Excl for a new
	// object). It fails when client is not a *Client of the family.
	WithFlags func(client any, flags netlink.HeaderFlags) (any, error)
	// Operations are the family's do and dump operations, in spec order.
	Operations []Operation
	// Requests and Replies name the message types (netlink-raw) or
	// commands (generic netlink) of the messages the family receives and
	// sends, with their attributes: the name table a tracer prints
	// attribute names from. Replies include notifications. In the
	// directional model a number may mean one thing in Requests and
	// another in Replies.
	Requests, Replies []Message
}

// An Operation is one operation of a family, to be driven with values
// decoded from JSON.
type Operation struct {
	// Name is the operation's name in the spec, as "getlink".
	Name string
	// NewRequest returns a new, empty request: a pointer to the
	// operation's request struct, ready for json.Unmarshal.
	NewRequest func() any
	// Do runs the operation's do on client, a *Client of the family,
	// with req from NewRequest, returning its reply (a pointer), or nil
	// when the operation has no reply. Do is nil when the operation has
	// no do.
	Do func(client, req any) (any, error)
	// Dump runs the operation's dump; the reply it yields is one value
	// reused for every entry. Dump is nil when the operation has no dump.
	Dump func(client, req any) iter.Seq2[any, error]
}

// A Message names one message type of a family.
type Message struct {
	// Name is the name of the operation, or notification, it belongs to.
	Name string
	// Type is the netlink message type (netlink-raw) or the generic
	// netlink command.
	Type uint16
	// HeaderLen is the length of the family's fixed header before the
	// attributes, after the genlmsghdr for generic netlink.
	HeaderLen int
	// Attributes is the policy of the message's attributes, whose
	// attribute and nested names are the spec's.
	Attributes *netlink.Policy
}

// A Notification is a message received from a multicast group, decoded.
type Notification struct {
	// Name is the name of the operation or notification it decodes as.
	Name string
	// Type is the netlink message type (netlink-raw) or the generic
	// netlink command.
	Type uint16
	// Message is the decoded message, a pointer to the family's struct
	// for it.
	Message any
}

// Grow returns s one element longer, reusing its capacity: the new last
// element holds whatever an earlier use left there, for the caller to
// decode over.
func Grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero T
	return append(s, zero)
}

// SetString sets *dst to the text of b, up to its first NUL, allocating
// only when that differs from *dst.
func SetString(dst *string, b []byte) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if string(b) != *dst {
		*dst = string(b)
	}
}

// Addr returns b, 4 or 16 bytes, as an address; any other length is an
// error naming attribute typ at offset off.
func Addr(b []byte, typ uint16, off int) (netip.Addr, error) {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b)), nil
	case 16:
		return netip.AddrFrom16([16]byte(b)), nil
	}
	return netip.Addr{}, LengthError(typ, off, len(b), "4 or 16")
}

// AddrBytes returns a's 4 or 16 bytes for an attribute; an IPv4 address
// held as IPv4-mapped IPv6 is 16 bytes. An invalid a is empty.
func AddrBytes(a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	return a.AsSlice()
}

// LengthError reports that attribute typ at offset off has an n-byte
// payload where want bytes were needed. It wraps netlink.ErrBadLength.
func LengthError(typ uint16, off, n int, want string) error {
	return &netlink.ParseError{What: "attribute", Offset: off, Type: int(typ), Err: netlink.ErrBadLength,
		Detail: fmt.Sprintf("payload of %d bytes, want %s", n, want)}
}

// StructError reports that a fixed struct of size bytes, the header of a
// message or the payload of an attribute, was cut short at n bytes.
func StructError(name string, n, size int) error {
	return &netlink.ParseError{What: name, Offset: 0, Type: -1, Err: netlink.ErrBadLength,
		Detail: fmt.Sprintf("%d bytes, want %d", n, size)}
}

// EncodeAddr encodes a as attribute typ: 4 bytes for an IPv4 address, 16
// for IPv6; an invalid a encodes nothing.
func EncodeAddr(e *netlink.AttributeEncoder, typ uint16, a netip.Addr) {
	switch {
	case a.Is4():
		b := a.As4()
		e.Bytes(typ, b[:])
	case a.IsValid():
		b := a.As16()
		e.Bytes(typ, b[:])
	}
}

// DumpAny turns a typed dump into the untyped one of Operation.Dump.
func DumpAny[T any](s iter.Seq2[*T, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range s {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Fail returns a dump that yields err alone.
func Fail[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// UnmarshalJSONText decodes b, a JSON string or number, with u's
// UnmarshalText; null leaves u unchanged. The generated enum and flags
// types' UnmarshalJSON methods call it, so that they accept a name, as
// their UnmarshalText does, or a number.
func UnmarshalJSONText(b []byte, u encoding.TextUnmarshaler) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return err
		}
		b = []byte(s)
	}
	return u.UnmarshalText(b)
}
