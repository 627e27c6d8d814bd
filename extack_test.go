package netlink_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// The request the extended-ack tests send, behind a family header of 4
// bytes (offsets from the start of the netlink header):
//
//	16 family header
//	20 A1 (1) u32
//	28 A2 (2) nested, NLA_F_NESTED: 32 B1 (1) u16, 40 B2 (2) "xy"
//	48 A3 (3) nested array: 52 entry 1 {56 C1 (5) u32}, 64 entry 2 {68 C1 (5) u32}
//	76 A4 (4) binary of 5 bytes, padded to 88
func extAckRequest(t *testing.T) netlink.Message {
	t.Helper()
	e := netlink.NewAttributeEncoder()
	e.Reset([]byte{1, 2, 0, 0})
	e.Uint32(1, 7)
	e.Nested(2, func(e *netlink.AttributeEncoder) error {
		e.Uint16(1, 3)
		e.String(2, "xy")
		return nil
	})
	e.Nested(3, func(e *netlink.AttributeEncoder) error {
		for i := uint16(1); i <= 2; i++ {
			e.Nested(i, func(e *netlink.AttributeEncoder) error {
				e.Uint32(5, uint32(i))
				return nil
			})
		}
		return nil
	})
	e.Bytes(4, []byte{1, 2, 3, 4, 5})
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got := netlink.MessageLen(len(b)); got != 88 {
		t.Fatalf("request of %d bytes, the offsets in the tests assume 88", got)
	}
	return netlink.Message{Header: netlink.Header{Type: 0x20, Flags: netlink.Request | netlink.Acknowledge}, Data: b}
}

// extAckPolicy names the request's attributes.
var extAckPolicy = &netlink.Policy{Attributes: []netlink.AttributePolicy{
	1: {Name: "A1", Kind: netlink.KindU32},
	2: {Name: "A2", Kind: netlink.KindNested, Nested: &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1: {Name: "B1", Kind: netlink.KindU16},
		2: {Name: "B2", Kind: netlink.KindNulString},
	}}},
	3: {Name: "A3", Kind: netlink.KindNestedArray, Nested: &netlink.Policy{Attributes: []netlink.AttributePolicy{
		5: {Name: "C1", Kind: netlink.KindU32},
	}}},
	4: {Name: "A4", Kind: netlink.KindBinary},
}}

// failWith returns a Conn on a fake whose every request fails with ext.
func failWith(t *testing.T, ext *nltest.ExtError) *netlink.Conn {
	t.Helper()
	c := nltest.Dial(func([]netlink.Message) ([]netlink.Message, error) { return nil, ext })
	t.Cleanup(func() { c.Close() })
	if err := c.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		t.Fatal(err)
	}
	return c
}

// executeOpError runs the request on c and returns its *OpError.
func executeOpError(t *testing.T, c *netlink.Conn, m netlink.Message) *netlink.OpError {
	t.Helper()
	_, err := c.Execute(m)
	var oe *netlink.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("Execute: %v, want an *OpError", err)
	}
	return oe
}

func path(elems ...any) netlink.AttributePath {
	var p netlink.AttributePath
	for i := 0; i < len(elems); i += 2 {
		p = append(p, netlink.PathElement{Type: uint16(elems[i].(int)), Name: elems[i+1].(string)})
	}
	return p
}

func TestOpErrorAttributePath(t *testing.T) {
	tests := []struct {
		name     string
		offset   uint32
		named    netlink.AttributePath
		numbered netlink.AttributePath
		err      error // for both
	}{
		{name: "top level", offset: 20, named: path(1, "A1"), numbered: path(1, "")},
		{name: "a nest", offset: 28, named: path(2, "A2"), numbered: path(2, "")},
		{name: "inside a nest", offset: 40, named: path(2, "A2", 2, "B2"), numbered: path(2, "", 2, "")},
		{name: "a nested array's entry", offset: 64, named: path(3, "A3", 2, ""), numbered: path(3, "", 2, "")},
		{name: "inside a nested array's entry", offset: 68, named: path(3, "A3", 2, "", 5, "C1"), numbered: path(3, "", 2, "", 5, "")},
		{name: "the last attribute", offset: 76, named: path(4, "A4"), numbered: path(4, "")},
		{name: "inside a header: the containing attribute", offset: 22, named: path(1, "A1"), numbered: path(1, "")},
		{name: "inside a payload: the containing attribute", offset: 34, named: path(2, "A2", 1, "B1"), numbered: path(2, "", 1, "")},
		{name: "inside a string", offset: 45, named: path(2, "A2", 2, "B2"), numbered: path(2, "", 2, "")},
		{name: "in the netlink header", offset: 4, err: netlink.ErrNoAttribute},
		{name: "in the family header", offset: 17, err: netlink.ErrNoAttribute},
		{name: "in the padding", offset: 86, err: netlink.ErrNoAttribute},
		{name: "at the end", offset: 88, err: netlink.ErrNoAttribute},
		{name: "far past the end", offset: 1 << 31, err: netlink.ErrNoAttribute},
	}
	req := extAckRequest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := failWith(t, &nltest.ExtError{Errno: syscall.EINVAL, Message: "bad", Offset: tt.offset})
			oe := executeOpError(t, c, req)
			if oe.Sent == nil {
				t.Fatal("no request kept")
			}
			for _, p := range []struct {
				policy *netlink.Policy
				want   netlink.AttributePath
			}{{extAckPolicy, tt.named}, {nil, tt.numbered}} {
				got, err := oe.AttributePath(4, p.policy)
				if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
					t.Fatalf("AttributePath: error %v, want %v", err, tt.err)
				}
				if diff := cmp.Diff(p.want, got); diff != "" {
					t.Errorf("AttributePath with policy %v (-want +got):\n%s", p.policy != nil, diff)
				}
			}
		})
	}
}

func TestOpErrorMissingPath(t *testing.T) {
	tests := []struct {
		name      string
		typ, nest uint32
		want      netlink.AttributePath
		err       error
		errorEnds string
		noMissing bool
	}{
		{name: "top level", typ: 3, want: path(3, "A3"), errorEnds: ": missing attribute A3 (3)"},
		{name: "top level, unnamed", typ: 9, want: path(9, ""), errorEnds: ": missing attribute 9"},
		{name: "in a nest", typ: 1, nest: 28, want: path(2, "A2", 1, "B1"),
			errorEnds: ": missing attribute B1 (1) in attribute A2 (2) at offset 28"},
		{name: "in a nested array's entry", typ: 5, nest: 52, want: path(3, "A3", 1, "", 5, "C1"),
			errorEnds: ": missing attribute C1 (5) in attribute A3.1 (3.1) at offset 52"},
		{name: "nest in the family header", typ: 1, nest: 17, err: netlink.ErrNoAttribute,
			errorEnds: " (missing attribute 1 in nest at offset 17)"},
		{name: "nest past the end", typ: 1, nest: 200, err: netlink.ErrNoAttribute,
			errorEnds: " (missing attribute 1 in nest at offset 200)"},
		{name: "type out of range", typ: 1 << 16, err: netlink.ErrNoAttribute,
			errorEnds: " (missing attribute 65536)"},
	}
	req := extAckRequest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := failWith(t, &nltest.ExtError{Errno: syscall.EINVAL, MissingType: tt.typ, MissingNest: tt.nest})
			oe := executeOpError(t, c, req)
			got, err := oe.MissingPath(4, extAckPolicy)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("MissingPath: error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MissingPath (-want +got):\n%s", diff)
			}
			lerr := oe.Locate(4, extAckPolicy)
			if !errors.Is(lerr, tt.err) || (lerr == nil) != (tt.err == nil) {
				t.Errorf("Locate: error %v, want %v", lerr, tt.err)
			}
			if diff := cmp.Diff(tt.want, oe.Missing); diff != "" {
				t.Errorf("Missing after Locate (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(oe.Error(), tt.errorEnds) {
				t.Errorf("Error() = %q, want it to end %q", oe, tt.errorEnds)
			}
		})
	}
}

// kernelPolicy encodes NL_POLICY_TYPE_ATTR_* attributes.
func kernelPolicy(t *testing.T, fn func(e *netlink.AttributeEncoder)) []byte {
	t.Helper()
	var e netlink.AttributeEncoder
	fn(&e)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The whole message of an error located by Locate, and what the kernel
// expects, from NLMSGERR_ATTR_POLICY.
func TestOpErrorLocatedMessage(t *testing.T) {
	u32Range := kernelPolicy(t, func(e *netlink.AttributeEncoder) {
		e.Uint32(1, 4) // NL_ATTR_TYPE_U32
		e.Uint64(4, 1) // MIN_VALUE_U
		e.Uint64(5, 100)
	})
	newer := kernelPolicy(t, func(e *netlink.AttributeEncoder) { e.Uint32(1, 99) })
	tests := []struct {
		name     string
		ext      nltest.ExtError
		expected *netlink.AttributePolicy
		want     string
	}{
		{name: "offset and policy",
			ext:      nltest.ExtError{Errno: syscall.ERANGE, Message: "out of range", Offset: 40, Policy: u32Range},
			expected: &netlink.AttributePolicy{Kind: netlink.KindU32, Unsigned: &netlink.UnsignedRange{Min: 1, Max: 100}},
			want: "netlink: execute: numerical result out of range: out of range: " +
				"attribute A2.B2 (2.2) at offset 40: kernel expects u32 in 1..100"},
		{name: "a kind of a newer kernel",
			ext:  nltest.ExtError{Errno: syscall.EINVAL, Offset: 20, Policy: newer},
			want: "netlink: execute: invalid argument: attribute A1 (1) at offset 20"},
		{name: "offset that leads nowhere",
			ext:  nltest.ExtError{Errno: syscall.EINVAL, Offset: 17},
			want: "netlink: execute: invalid argument (offset 17)"},
	}
	req := extAckRequest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext := tt.ext
			oe := executeOpError(t, failWith(t, &ext), req)
			if diff := cmp.Diff(tt.expected, oe.Expected); diff != "" {
				t.Errorf("Expected (-want +got):\n%s", diff)
			}
			oe.Locate(4, extAckPolicy)
			if got := oe.Error(); got != tt.want {
				t.Errorf("Error() =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

// The request is kept only when the ack points into it, and then as sent.
func TestOpErrorKeepsRequest(t *testing.T) {
	req := extAckRequest(t)
	tests := []struct {
		name string
		ext  nltest.ExtError
		kept bool
	}{
		{name: "offset", ext: nltest.ExtError{Errno: syscall.EINVAL, Offset: 20}, kept: true},
		{name: "missing type", ext: nltest.ExtError{Errno: syscall.EINVAL, MissingType: 3}, kept: true},
		{name: "message only", ext: nltest.ExtError{Errno: syscall.EINVAL, Message: "no"}},
		{name: "nothing", ext: nltest.ExtError{Errno: syscall.EINVAL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext := tt.ext
			oe := executeOpError(t, failWith(t, &ext), req)
			if !tt.kept {
				if oe.Sent != nil {
					t.Errorf("Sent = %x, want nil", oe.Sent)
				}
				if _, err := oe.AttributePath(4, nil); !errors.Is(err, netlink.ErrNoAttribute) {
					t.Errorf("AttributePath without a request: %v, want ErrNoAttribute", err)
				}
				return
			}
			want, err := netlink.Message{Header: netlink.Header{Type: req.Header.Type, Flags: req.Header.Flags,
				Sequence: oe.Request.Sequence, PID: oe.Request.PID}, Data: req.Data}.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, oe.Sent); diff != "" {
				t.Errorf("Sent (-want +got):\n%s", diff)
			}
		})
	}
}

// An OpError made by hand: malformed requests and bad arguments give
// errors, never a panic.
func TestOpErrorAttributePathMalformed(t *testing.T) {
	hdr := func(n int) []byte {
		b := make([]byte, 16)
		binary.NativeEndian.PutUint32(b, uint32(n))
		return b
	}
	// at is an attribute header of length n and type typ in host byte
	// order, then pad zero bytes.
	at := func(n, typ uint16, pad int) []byte {
		b := binary.NativeEndian.AppendUint16(nil, n)
		return append(binary.NativeEndian.AppendUint16(b, typ), make([]byte, pad)...)
	}
	cat := func(bs ...[]byte) []byte { return slices.Concat(bs...) }
	tests := []struct {
		name      string
		sent      []byte
		offset    uint32
		headerLen int
		want      netlink.AttributePath
		parse     bool // a *ParseError, else ErrNoAttribute
	}{
		{name: "short attribute before the offset", sent: cat(hdr(32), at(2, 1, 4), at(8, 2, 4)),
			offset: 24, parse: true},
		{name: "attribute running past the end before the offset", sent: cat(hdr(28), at(64, 1, 8)),
			offset: 24, parse: true},
		{name: "malformed attribute at the offset", sent: cat(hdr(20), at(2, 1, 0)),
			offset: 16, want: path(1, "")},
		{name: "negative header length", sent: cat(hdr(24), at(8, 1, 4)), offset: 16, headerLen: -1},
		{name: "no request", offset: 16},
		{name: "a request shorter than its header", sent: []byte{1, 2, 3}, offset: 16},
		{name: "a length field past the bytes kept", sent: cat(hdr(1000), at(8, 1, 4)), offset: 16, want: path(1, "")},
		{name: "nesting deeper than the limit", sent: deepNest(netlink.MaxNestingDepth + 5), offset: uint32(16 + 4*(netlink.MaxNestingDepth+4)),
			want: deepPath(netlink.MaxNestingDepth + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oe := &netlink.OpError{Op: "execute", Err: syscall.EINVAL, Sent: tt.sent, ExtAck: netlink.ExtAck{Offset: tt.offset}}
			got, err := oe.AttributePath(tt.headerLen, nil)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("AttributePath: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("AttributePath (-want +got):\n%s", diff)
				}
				return
			}
			var pe *netlink.ParseError
			if tt.parse && !errors.As(err, &pe) || !tt.parse && !errors.Is(err, netlink.ErrNoAttribute) {
				t.Fatalf("AttributePath: %v (%T), want parse error %v", err, err, tt.parse)
			}
			if got != nil {
				t.Errorf("AttributePath returned %v with its error", got)
			}
		})
	}
}

// deepNest returns a request of n nests, each inside the last, after a
// netlink header and no family header.
func deepNest(n int) []byte {
	b := make([]byte, 16+4*n)
	binary.NativeEndian.PutUint32(b, uint32(len(b)))
	for i := range n {
		at := 16 + 4*i
		binary.NativeEndian.PutUint16(b[at:], uint16(len(b)-at))
		binary.NativeEndian.PutUint16(b[at+2:], 1|netlink.AttributeNested)
	}
	return b
}

// deepPath is the path of n nests of type 1.
func deepPath(n int) netlink.AttributePath {
	p := make(netlink.AttributePath, n)
	for i := range p {
		p[i].Type = 1
	}
	return p
}
