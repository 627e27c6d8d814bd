package nldecode

import (
	"bytes"
	"encoding/json"

	"github.com/nlgo/netlink"
)

// A Message is one netlink message, decoded for people.
type Message struct {
	// Header is the netlink header as received.
	Header netlink.Header `json:"-"`
	// Type names the message type: "RTM_NEWLINK", "NLMSG_ERROR", a
	// generic netlink family's name ("nlctrl"), or the number when the
	// decoder does not know it.
	Type string `json:"type"`
	// Flags are the header flags, named as they hold for the type: GET
	// requests have "dump", NEW requests "create|excl", acknowledgements
	// "capped|ack-tlvs" (netlink.HeaderFlags.Format).
	Flags string `json:"flags"`
	// HeaderName names the family header that follows the netlink header
	// ("ifinfomsg", "genlmsghdr"); "" when there is none or it is unknown.
	HeaderName string `json:"family_header,omitempty"`
	// Fields are the family header's fields, decoded.
	Fields Fields `json:"fields,omitempty"`
	// Attrs are the attributes after the family header.
	Attrs []Attr `json:"attrs,omitempty"`
	// Ack is the decoded payload of an NLMSG_ERROR or NLMSG_DONE.
	Ack *Ack `json:"ack,omitempty"`
	// Hex holds, in hex, the payload bytes that were not decoded: all of
	// them for a type the decoder does not know, the rest after an error.
	Hex string `json:"hex,omitempty"`
	// Error says why decoding stopped early; "" when it did not.
	Error string `json:"error,omitempty"`
}

// MarshalJSON encodes m as an object with the header's length, type
// number, sequence and port beside the decoded fields.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message // without the method
	return json.Marshal(struct {
		Length  uint32 `json:"len"`
		TypeNum uint16 `json:"type_num"`
		plain
		Sequence uint32 `json:"seq"`
		PID      uint32 `json:"pid"`
	}{m.Header.Length, uint16(m.Header.Type), plain(m), m.Header.Sequence, m.Header.PID})
}

// An Attr is one decoded attribute.
type Attr struct {
	// Type is the attribute type, without the flag bits.
	Type uint16 `json:"type"`
	// Name is the attribute's name ("ifname" for IFLA_IFNAME), or "" when
	// the decoder does not know it.
	Name string `json:"name,omitempty"`
	// Flags are the type's flag bits: "nested", "net-byteorder".
	Flags string `json:"flags,omitempty"`
	// Kind says what the payload is: "string", "u8" to "u64", "s32",
	// "be16" to "be64", "addr", "hwaddr", "flag", "bytes", "nested",
	// "array" (nests numbered by index), "struct".
	Kind string `json:"kind"`
	// Value is the value of a scalar: a string for strings, addresses and
	// named values, a uint64 or int64 for numbers, true for a flag.
	Value any `json:"value,omitempty"`
	// Fields are the fields of a struct.
	Fields Fields `json:"fields,omitempty"`
	// Attrs are the attributes inside a nest or an array.
	Attrs []Attr `json:"attrs,omitempty"`
	// Hex is the payload in hex, for bytes and for payloads that are not
	// what their kind says (then Error says why).
	Hex string `json:"hex,omitempty"`
	// Error says what was wrong with the payload.
	Error string `json:"error,omitempty"`
	// Offset is where the attribute's header starts, counted from the
	// start of its message's netlink header, as extended acks count.
	Offset int `json:"-"`
}

// A Field is one field of a struct: a family header or a struct-valued
// attribute.
type Field struct {
	// Name is the field's name in the C struct, without its prefix:
	// "family" for ifa_family.
	Name string
	// Value is a uint64 or int64, or a string for named values, masks
	// and addresses.
	Value any
}

// Fields are a struct's fields in order. They encode to JSON as one
// object, in order.
type Fields []Field

// MarshalJSON encodes fs as a JSON object whose keys keep their order.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of the field called name.
func (fs Fields) Get(name string) (any, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// An Ack is the decoded payload of an NLMSG_ERROR or NLMSG_DONE message.
type Ack struct {
	// Code is the error code: 0 for success, a negative errno otherwise.
	Code int32 `json:"code"`
	// Errno names the code ("EEXIST"), as Linux numbers them; "" for 0.
	Errno string `json:"errno,omitempty"`
	// Request is the request an NLMSG_ERROR echoes: its header, and its
	// payload decoded unless the kernel capped it.
	Request *Message `json:"request,omitempty"`
	// Attrs are the extended-ack TLVs: msg, offs, cookie, policy,
	// miss_type, miss_nest.
	Attrs []Attr `json:"attrs,omitempty"`
	// Offending names the attribute of the echoed request that the
	// extended ack's offset points at ("local" or "linkinfo.kind"); ""
	// when there is no offset or it points at no attribute decoded.
	Offending string `json:"offending,omitempty"`
	// Expected says what the kernel expected of the offending attribute,
	// from the extended ack's policy ("u32 in 1..100"); "" without one.
	Expected string `json:"expected,omitempty"`
}

// findAttr returns the first attribute called name among attrs.
func findAttr(attrs []Attr, name string) (Attr, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// Find returns the first attribute of m called name at the top level.
func (m Message) Find(name string) (Attr, bool) { return findAttr(m.Attrs, name) }

// Find returns the first attribute called name inside a.
func (a Attr) Find(name string) (Attr, bool) { return findAttr(a.Attrs, name) }
