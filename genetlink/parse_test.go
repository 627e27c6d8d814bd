package genetlink

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

// attrs encodes attributes with fn.
func attrs(t *testing.T, fn func(e *netlink.AttributeEncoder)) []byte {
	t.Helper()
	e := netlink.NewAttributeEncoder()
	fn(e)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// raw encodes one attribute of type typ, flags included, around b.
func raw(typ uint16, b []byte) []byte {
	out, _ := netlink.MarshalAttributes([]netlink.Attribute{{Type: typ, Data: b}})
	return out
}

func TestMessageBinary(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want Message
		err  error
	}{
		{"header only", []byte{3, 2, 0, 0}, Message{Header: Header{Command: 3, Version: 2}}, nil},
		{"with data", []byte{1, 1, 0, 0, 4, 0, 1, 0}, Message{Header: Header{Command: 1, Version: 1}, Data: []byte{4, 0, 1, 0}}, nil},
		{"short", []byte{1, 1, 0}, Message{}, netlink.ErrShortMessage},
		{"reserved set", []byte{1, 1, 0, 1}, Message{}, ErrReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := m.UnmarshalBinary(tt.b)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("UnmarshalBinary(%x): %v, want %v", tt.b, err, tt.err)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, m); diff != "" {
				t.Errorf("UnmarshalBinary(%x) (-want +got):\n%s", tt.b, diff)
			}
			out, err := m.MarshalBinary()
			if err != nil || string(out) != string(tt.b) {
				t.Errorf("MarshalBinary = %x, %v; want %x", out, err, tt.b)
			}
			tt.b[len(tt.b)-1] ^= 0xff
			if m.Header.Command != tt.want.Header.Command || len(m.Data) > 0 && m.Data[len(m.Data)-1] == tt.b[len(tt.b)-1] {
				t.Error("the message aliases the bytes it was decoded from")
			}
		})
	}
}

func TestParseFamily(t *testing.T) {
	op := func(e *netlink.AttributeEncoder, id, flags uint32) {
		e.Uint32(AttrOpID, id)
		e.Uint32(AttrOpFlags, flags)
	}
	tests := []struct {
		name string
		b    []byte
		want Family
		err  error
	}{
		{"arrays flagged, numbered from 0", attrs(t, func(e *netlink.AttributeEncoder) {
			e.String(AttrFamilyName, "fam")
			e.Uint16(AttrFamilyID, 20)
			e.Uint32(AttrVersion, 3)
			e.Uint32(AttrHeaderSize, 8)
			e.Uint32(AttrMaxAttr, 9)
			e.Nested(AttrOps, func(e *netlink.AttributeEncoder) error {
				e.Nested(0, func(e *netlink.AttributeEncoder) error { op(e, 1, 0x2); return nil })
				e.Nested(1, func(e *netlink.AttributeEncoder) error { op(e, 2, 0x1c); return nil })
				return nil
			})
			e.Nested(AttrMcastGroups, func(e *netlink.AttributeEncoder) error {
				e.Nested(0, func(e *netlink.AttributeEncoder) error {
					e.Uint32(AttrMcastGrpID, 7)
					e.String(AttrMcastGrpName, "grp")
					return nil
				})
				return nil
			})
		}), Family{ID: 20, Name: "fam", Version: 3, HeaderSize: 8, MaxAttr: 9,
			Operations: []Operation{{ID: 1, Flags: Do}, {ID: 2, Flags: Dump | HasPolicy | UnsAdminPerm}},
			Groups:     []MulticastGroup{{ID: 7, Name: "grp"}}}, nil},
		{"arrays unflagged, numbered from 1, unknown attributes", concat(
			attrs(t, func(e *netlink.AttributeEncoder) {
				e.String(AttrFamilyName, "fam")
				e.Uint16(AttrFamilyID, 20)
				e.Uint32(99, 1)
			}),
			raw(AttrOps, concat(raw(1, attrs(t, func(e *netlink.AttributeEncoder) { op(e, 5, 0x2); e.Uint8(9, 1) })))),
			raw(AttrMcastGroups, concat(raw(1, attrs(t, func(e *netlink.AttributeEncoder) {
				e.String(AttrMcastGrpName, "g")
				e.Uint32(AttrMcastGrpID, 4)
			})))),
		), Family{ID: 20, Name: "fam", Operations: []Operation{{ID: 5, Flags: Do}}, Groups: []MulticastGroup{{ID: 4, Name: "g"}}}, nil},
		{"no id", attrs(t, func(e *netlink.AttributeEncoder) { e.String(AttrFamilyName, "fam") }), Family{}, ErrMissing},
		{"no name", attrs(t, func(e *netlink.AttributeEncoder) { e.Uint16(AttrFamilyID, 1) }), Family{}, ErrMissing},
		{"id of the wrong size", attrs(t, func(e *netlink.AttributeEncoder) {
			e.String(AttrFamilyName, "fam")
			e.Uint32(AttrFamilyID, 1)
		}), Family{}, netlink.ErrBadLength},
		{"group without a name", attrs(t, func(e *netlink.AttributeEncoder) {
			e.String(AttrFamilyName, "fam")
			e.Uint16(AttrFamilyID, 1)
			e.Nested(AttrMcastGroups, func(e *netlink.AttributeEncoder) error {
				e.Nested(1, func(e *netlink.AttributeEncoder) error { e.Uint32(AttrMcastGrpID, 2); return nil })
				return nil
			})
		}), Family{}, ErrMissing},
		{"truncated", []byte{8, 0, 1, 0, 1}, Family{}, netlink.ErrBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFamily(tt.b, "")
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("parseFamily: %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseFamily (-want +got):\n%s", diff)
			}
		})
	}
}

func concat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func TestDecodePolicy(t *testing.T) {
	attr := func(idx, typ uint16, fn func(e *netlink.AttributeEncoder)) func(e *netlink.AttributeEncoder) {
		return func(e *netlink.AttributeEncoder) {
			e.Uint16(AttrFamilyID, 20)
			e.Nested(AttrPolicy, func(e *netlink.AttributeEncoder) error {
				e.Nested(idx, func(e *netlink.AttributeEncoder) error {
					e.Nested(typ, func(e *netlink.AttributeEncoder) error { fn(e); return nil })
					return nil
				})
				return nil
			})
		}
	}
	tests := []struct {
		name string
		msgs [][]byte
		want Policy
		err  error
	}{
		{"operation and attributes out of order", [][]byte{
			attrs(t, func(e *netlink.AttributeEncoder) {
				e.Uint16(AttrFamilyID, 20)
				e.Nested(AttrOpPolicy, func(e *netlink.AttributeEncoder) error {
					e.Nested(4, func(e *netlink.AttributeEncoder) error { e.Uint32(AttrPolicyDump, 1); return nil })
					return nil
				})
			}),
			attrs(t, attr(1, 5, func(e *netlink.AttributeEncoder) {
				e.Uint64(PolicyAttrMinValueU, 1)
				e.Uint64(PolicyAttrMaxValueU, 9)
				e.Uint32(PolicyAttrType, uint32(TypeUint))
			})),
			attrs(t, attr(1, 2, func(e *netlink.AttributeEncoder) {
				e.Int64(PolicyAttrMinValueS, -3)
				e.Int64(PolicyAttrMaxValueS, 3)
				e.Uint32(PolicyAttrType, uint32(TypeSint))
			})),
		}, Policy{
			Operations: []OperationPolicy{{Command: 4, Do: NoPolicy, Dump: 1}},
			Policies: map[uint32][]AttributePolicy{1: {
				{Type: 2, Kind: TypeSint, Has: HasSignedRange, MinSigned: -3, MaxSigned: 3},
				{Type: 5, Kind: TypeUint, Has: HasUnsignedRange, MinUnsigned: 1, MaxUnsigned: 9},
			}},
		}, nil},
		{"unknown type and field kept, padding skipped", [][]byte{
			attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) {
				e.Bytes(PolicyAttrPad, nil)
				e.Uint32(40, 7)
				e.Uint32(PolicyAttrType, 99)
			})),
		}, Policy{Policies: map[uint32][]AttributePolicy{0: {
			{Type: 1, Kind: 99, Unknown: []netlink.Attribute{{Type: 40, Data: binary.NativeEndian.AppendUint32(nil, 7)}}},
		}}}, nil},
		{"no type", [][]byte{attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) { e.Uint32(PolicyAttrMaxLength, 3) }))}, Policy{}, ErrMissing},
		{"described twice", [][]byte{
			attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) { e.Uint32(PolicyAttrType, 1) })),
			attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) { e.Uint32(PolicyAttrType, 1) })),
		}, Policy{}, errAny},
		{"another family", [][]byte{
			attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) { e.Uint32(PolicyAttrType, 1) })),
			attrs(t, func(e *netlink.AttributeEncoder) { e.Uint16(AttrFamilyID, 21) }),
		}, Policy{}, errAny},
		{"mask of the wrong size", [][]byte{attrs(t, attr(0, 1, func(e *netlink.AttributeEncoder) {
			e.Uint32(PolicyAttrMask, 3)
			e.Uint32(PolicyAttrType, 4)
		}))}, Policy{}, netlink.ErrBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Policy
			var id uint16
			var err error
			for _, b := range tt.msgs {
				if err = decodePolicy(&p, b, &id); err != nil {
					break
				}
			}
			switch {
			case tt.err == errAny && err != nil:
				return
			case !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil):
				t.Fatalf("decodePolicy: %v, want %v", err, tt.err)
			case err != nil:
				return
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("decodePolicy (-want +got):\n%s", diff)
			}
		})
	}
}

// errAny stands for any error in a table.
var errAny = errors.New("any error")

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{(Do | Dump | HasPolicy).String(), "do|dump|has-policy"},
		{(AdminPerm | UnsAdminPerm | 0x100).String(), "admin-perm|uns-admin-perm|0x100"},
		{OperationFlags(0).String(), "0"},
		{TypeNulString.String(), "nul-string"},
		{TypeUint.String(), "uint"},
		{AttributeType(42).String(), "type(42)"},
		{(HasUnsignedRange | HasMask).String(), "unsigned-range|mask"},
		{(HasNestedPolicy | 0x800).String(), "nested-policy|0x800"},
		{PolicyFields(0).String(), "0"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
