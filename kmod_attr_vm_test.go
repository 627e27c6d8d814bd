//go:build linux && vmtest

package netlink

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// kmAttr is one decoded attribute of the ATTRS reply: its type, flags and
// value as the typed getter for its type read it.
type kmAttr struct {
	Type, Flags uint16
	Value       any
	Kids        []kmAttr
}

// kmDecodeNest decodes the attributes inside AttrsNest / AttrsNestNoFlag.
func kmDecodeNest(d *AttributeDecoder) []kmAttr {
	var out []kmAttr
	for d.Next() {
		a := kmAttr{Type: d.Type(), Flags: d.TypeFlags()}
		switch d.Type() {
		case kmod.NestU32:
			a.Value = d.Uint32()
		case kmod.NestString:
			a.Value = d.String()
		case kmod.NestNest:
			d.Nested(func(d *AttributeDecoder) error {
				a.Kids = kmDecodeNest(d)
				return nil
			})
		}
		out = append(out, a)
	}
	return out
}

// kmDecodeAttrs decodes the ATTRS reply, each attribute with the typed
// getter for its type.
func kmDecodeAttrs(b []byte) ([]kmAttr, error) {
	var got []kmAttr
	d := NewAttributeDecoder(b)
	for d.Next() {
		a := kmAttr{Type: d.Type(), Flags: d.TypeFlags()}
		switch d.Type() {
		case kmod.AttrsPad: // alignment for 64-bit values, architecture dependent
			continue
		case kmod.AttrsU8:
			a.Value = d.Uint8()
		case kmod.AttrsU16, kmod.AttrsBE16:
			a.Value = d.Uint16()
		case kmod.AttrsU32, kmod.AttrsBE32:
			a.Value = d.Uint32()
		case kmod.AttrsU64:
			a.Value = d.Uint64()
		case kmod.AttrsS8:
			a.Value = d.Int8()
		case kmod.AttrsS16:
			a.Value = d.Int16()
		case kmod.AttrsS32:
			a.Value = d.Int32()
		case kmod.AttrsS64:
			a.Value = d.Int64()
		case kmod.AttrsString:
			a.Value = d.String()
		case kmod.AttrsFlag:
			a.Value = d.Flag()
		case kmod.AttrsBinary:
			a.Value = d.Bytes()
		case kmod.AttrsNest, kmod.AttrsNestNoFlag:
			d.Nested(func(d *AttributeDecoder) error {
				a.Kids = kmDecodeNest(d)
				return nil
			})
		case kmod.AttrsUint:
			a.Value = d.Uint()
		case kmod.AttrsSint:
			a.Value = d.Int()
		default:
			return got, fmt.Errorf("unexpected attribute %d at offset %d", d.Type(), d.Offset())
		}
		got = append(got, a)
	}
	return got, d.Err()
}

// TestIntegrationKmodAttrs decodes with an AttributeDecoder the attributes
// the kernel's own nla_put_* functions encoded: every integer width,
// signed values, a string, a flag, nests with and without NLA_F_NESTED,
// big-endian values marked NLA_F_NET_BYTEORDER (which the decoder reads as
// such), and a padded binary.
func TestIntegrationKmodAttrs(t *testing.T) {
	c := kmDial(t, -1, nil)
	msgs := kmExec(t, c, kmMsg(kmod.TypeAttrs, 0, nil))
	if len(msgs) != 1 || msgs[0].Header.Type != HeaderType(kmod.TypeAttrs) {
		t.Fatalf("ATTRS: %v, want one reply", msgs)
	}
	got, err := kmDecodeAttrs(msgs[0].Data)
	if err != nil {
		t.Fatalf("decoding the ATTRS reply: %v", err)
	}
	want := []kmAttr{
		{Type: kmod.AttrsU8, Value: kmod.AttrsU8Value},
		{Type: kmod.AttrsU16, Value: kmod.AttrsU16Value},
		{Type: kmod.AttrsU32, Value: kmod.AttrsU32Value},
		{Type: kmod.AttrsU64, Value: kmod.AttrsU64Value},
		{Type: kmod.AttrsS8, Value: kmod.AttrsS8Value},
		{Type: kmod.AttrsS16, Value: kmod.AttrsS16Value},
		{Type: kmod.AttrsS32, Value: kmod.AttrsS32Value},
		{Type: kmod.AttrsS64, Value: kmod.AttrsS64Value},
		{Type: kmod.AttrsString, Value: kmod.AttrsStringValue},
		{Type: kmod.AttrsFlag, Value: true},
		{Type: kmod.AttrsNest, Flags: AttributeNested, Kids: []kmAttr{
			{Type: kmod.NestU32, Value: kmod.NestU32Value},
			{Type: kmod.NestString, Value: kmod.NestStringValue},
			{Type: kmod.NestNest, Flags: AttributeNested, Kids: []kmAttr{
				{Type: kmod.NestU32, Value: kmod.NestInnerU32Value},
			}},
		}},
		{Type: kmod.AttrsBE16, Flags: AttributeNetByteOrder, Value: kmod.AttrsBE16Value},
		{Type: kmod.AttrsBE32, Flags: AttributeNetByteOrder, Value: kmod.AttrsBE32Value},
		{Type: kmod.AttrsBinary, Value: kmod.AttrsBinaryValue()},
		{Type: kmod.AttrsNestNoFlag, Kids: []kmAttr{{Type: kmod.NestU32, Value: kmod.NestU32Value}}},
	}
	if testenv.HasFeature(t, testenv.UintAttrs) {
		want = append(want,
			kmAttr{Type: kmod.AttrsUint, Value: kmod.AttrsUintValue},
			kmAttr{Type: kmod.AttrsSint, Value: kmod.AttrsSintValue})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ATTRS reply (-want +got):\n%s", diff)
	}
}

// kmParse sends a PARSE request with the attributes fn encodes and returns
// the replies and error.
func kmParse(t *testing.T, c *Conn, fn func(e *AttributeEncoder)) ([]Message, error) {
	t.Helper()
	e := NewAttributeEncoder()
	fn(e)
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("encoding: %v", err)
	}
	return kmExecErr(c, kmMsg(kmod.TypeParse, 0, b))
}

// kmEncodedLen is how many bytes e holds so far: where the next attribute
// will start in the payload.
func kmEncodedLen(t *testing.T, e *AttributeEncoder) int {
	t.Helper()
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// TestIntegrationKmodParse has the kernel validate our AttributeEncoder's
// output with its strict nla_parse and a policy: every attribute comes
// back as the kernel parsed it. The nest gets NLA_F_NESTED, which the
// policy requires.
func TestIntegrationKmodParse(t *testing.T) {
	c := kmDial(t, -1, &Config{Strict: true})
	msgs, err := kmParse(t, c, func(e *AttributeEncoder) {
		e.Uint8(kmod.ParseU8, 5)
		e.Uint16(kmod.ParseU16, 0x1234)
		e.Uint32(kmod.ParseU32, 0xcafebabe)
		e.Uint64(kmod.ParseU64, 1<<40|7)
		e.String(kmod.ParseString, "hello, kernel")
		e.Flag(kmod.ParseFlag, true)
		e.Nested(kmod.ParseNest, func(e *AttributeEncoder) error {
			e.Uint32(kmod.NestU32, 77)
			e.String(kmod.NestString, "nested")
			return nil
		})
		e.Uint8(kmod.ParseRanged, kmod.ParseRangedMax)
	})
	if err != nil {
		t.Fatalf("PARSE of a valid request: %v", err)
	}
	if len(msgs) != 1 {
		t.Fatalf("PARSE: %d replies, want 1", len(msgs))
	}
	got, err := kmod.DecodeParseReply(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	want := kmod.ParseReply{
		U64: 1<<40 | 7, Present: 0x1fe, U32: 0xcafebabe, NestU32: 77, U16: 0x1234, U8: 5,
		Ranged: kmod.ParseRangedMax, Flag: true, String: "hello, kernel", NestString: "nested",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the kernel parsed (-want +got):\n%s", diff)
	}

	// A false Flag encodes nothing: the kernel sees no flag.
	msgs, err = kmParse(t, c, func(e *AttributeEncoder) { e.Flag(kmod.ParseFlag, false); e.Uint8(kmod.ParseU8, 1) })
	if err != nil || len(msgs) != 1 {
		t.Fatalf("PARSE without the flag: %v, %v", msgs, err)
	}
	if got, err := kmod.DecodeParseReply(msgs[0].Data); err != nil || got.Flag || got.Present != 1<<kmod.ParseU8 {
		t.Errorf("PARSE without the flag: parsed %+v, %v", got, err)
	}

}

// kmParseReject is a PARSE request the kernel rejects: bad encodes the bad
// attribute after valid ones and returns its offset in the payload.
type kmParseReject struct {
	name  string
	bad   func(t *testing.T, e *AttributeEncoder) int
	errno syscall.Errno
	msg   string // the kernel's extended-ack message
}

func kmParseRejectCases() []kmParseReject {
	// The messages are the kernel's (lib/nlattr.c), unchanged since 5.x.
	const (
		badLength = "invalid attribute length"
		policy    = "Attribute failed policy validation"
		outOfRng  = "integer out of range"
		unknown   = "Unknown attribute type"
		noNested  = "NLA_F_NESTED is missing"
	)
	return []kmParseReject{
		{"u32 of 2 bytes", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			e.Uint16(kmod.ParseU32, 2)
			return off
		}, unix.EINVAL, badLength},
		{"u64 of 4 bytes", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			e.Uint32(kmod.ParseU64, 4)
			return off
		}, unix.EINVAL, badLength},
		{"string too long", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			e.String(kmod.ParseString, strings.Repeat("s", kmod.ParseStringMax+1))
			return off
		}, unix.ERANGE, policy},
		{"ranged above the range", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			e.Uint8(kmod.ParseRanged, kmod.ParseRangedMax+1)
			return off
		}, unix.ERANGE, outOfRng},
		{"unknown attribute type", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			e.Uint32(20, 1)
			return off
		}, unix.EINVAL, unknown},
		{"nest without NLA_F_NESTED", func(t *testing.T, e *AttributeEncoder) int {
			off := kmEncodedLen(t, e)
			inner := NewAttributeEncoder()
			inner.Uint32(kmod.NestU32, 1)
			b, err := inner.Encode()
			if err != nil {
				t.Fatal(err)
			}
			e.Bytes(kmod.ParseNest, b)
			return off
		}, unix.EINVAL, noNested},
		{"bad attribute inside a nest", func(t *testing.T, e *AttributeEncoder) int {
			nest := kmEncodedLen(t, e)
			e.Nested(kmod.ParseNest, func(e *AttributeEncoder) error {
				e.Uint32(kmod.NestU32, 1)
				e.Uint8(kmod.NestNest, 1) // NLA_NESTED of 1 byte
				return nil
			})
			// The nest's header, then an 8-byte U32 attribute.
			return nest + AttributeHeaderLen + AttributeSpace(4)
		}, unix.EINVAL, noNested},
		{"bad attribute two nests deep", func(t *testing.T, e *AttributeEncoder) int {
			nest := kmEncodedLen(t, e)
			e.Nested(kmod.ParseNest, func(e *AttributeEncoder) error {
				e.String(kmod.NestString, "in")
				e.Nested(kmod.NestNest, func(e *AttributeEncoder) error {
					e.Uint64(kmod.NestU32, 1) // NLA_U32 of 8 bytes
					return nil
				})
				return nil
			})
			return nest + AttributeHeaderLen + AttributeSpace(len("in\x00")) + AttributeHeaderLen
		}, unix.EINVAL, badLength},
	}
}

// TestIntegrationKmodParseRejects has the kernel's strict nla_parse reject
// deliberately wrong attributes: each comes back with the kernel's
// extended-ack message and an offset pointing exactly at the bad
// attribute, computed from the encoder's layout (the 16-byte header, then
// the attribute's offset in the payload).
func TestIntegrationKmodParseRejects(t *testing.T) {
	c := kmDial(t, -1, &Config{Strict: true})
	// Each case encodes valid attributes, then a bad one; bad returns the
	// bad attribute's offset in the payload.
	prefix := func(e *AttributeEncoder) {
		e.Uint8(kmod.ParseU8, 1)
		e.Uint32(kmod.ParseU32, 2)
		e.String(kmod.ParseString, "ok")
	}
	for _, tt := range kmParseRejectCases() {
		t.Run(tt.name, func(t *testing.T) {
			var off int
			msgs, err := kmParse(t, c, func(e *AttributeEncoder) {
				prefix(e)
				off = tt.bad(t, e)
			})
			var oe *OpError
			if !errors.As(err, &oe) || !errors.Is(err, tt.errno) {
				t.Fatalf("PARSE: %v (%d replies), want an *OpError matching %v", err, len(msgs), tt.errno)
			}
			if want := uint32(HeaderLen + off); oe.Offset != want {
				t.Errorf("extended-ack offset %d, want %d: header %d + payload offset %d", oe.Offset, want, HeaderLen, off)
			}
			if oe.Message != tt.msg {
				t.Errorf("extended-ack message %q, want %q", oe.Message, tt.msg)
			}
			t.Logf("kernel: %v", err)
		})
	}
}
