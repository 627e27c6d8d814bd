package netlink

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The prefix given to Reset (a family header, say) may be written into
// after Reset, before or after attributes are encoded, until Encode: the
// writes are never lost, even when the attributes outgrow the prefix's
// capacity and the encoder moves to a larger buffer.
func TestAttributeEncoderResetPrefixWrites(t *testing.T) {
	attrs := func(e *AttributeEncoder) {
		e.String(iflaIfname, "a-long-enough-interface-name")
		e.Uint32(iflaMTU, 1500)
		e.Bytes(iflaStats64, make([]byte, 300)) // outgrows the inline buffer too
	}
	wantAttrs := encodeAttrs(t, attrs)
	tests := []struct {
		name   string
		prefix func() []byte // the slice given to Reset
	}{
		{name: "exact capacity", prefix: func() []byte { return make([]byte, 16) }},
		{name: "spare capacity", prefix: func() []byte { return make([]byte, 16, 1024) }},
		{name: "little spare capacity", prefix: func() []byte { return make([]byte, 16, 20) }},
		{name: "inside a larger array", prefix: func() []byte { return make([]byte, 64)[8:24:24] }},
		{name: "odd length", prefix: func() []byte { return make([]byte, 5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, e := range []*AttributeEncoder{NewAttributeEncoder(), new(AttributeEncoder)} {
				hdr := tt.prefix()
				e.Reset(hdr)
				hdr[0] = 0xa1 // before any attribute
				attrs(e)
				hdr[len(hdr)-1] = 0xa2 // after the attributes moved the buffer, if they did
				b, err := e.Encode()
				if err != nil {
					t.Fatal(err)
				}
				want := make([]byte, len(hdr))
				want[0], want[len(want)-1] = 0xa1, 0xa2
				want = append(want, wantAttrs...)
				if diff := cmp.Diff(want, b); diff != "" {
					t.Fatalf("encoding (-want +got):\n%s", diff)
				}

				// After Encode the prefix lives in its result: writes
				// there survive a later move too.
				b[1] = 0xb1
				e.Bytes(iflaStats, make([]byte, 2000))
				b2, err := e.Encode()
				if err != nil {
					t.Fatal(err)
				}
				if b2[1] != 0xb1 || b2[0] != 0xa1 {
					t.Fatalf("after a second Encode the prefix is %x, want it to start a1 b1", b2[:len(hdr)])
				}
				if !bytes.Equal(b2[:len(b)], b) {
					t.Fatal("the second Encode changed what the first returned")
				}
			}
		})
	}
}

// The use Reset's doc points at: a family header whose prefix-length
// field is known only once the address is encoded.
func TestAttributeEncoderResetFamilyHeader(t *testing.T) {
	p := netip.MustParsePrefix("192.0.2.7/24")
	ifa := make([]byte, 8) // struct ifaddrmsg, exactly its size
	ifa[0] = 2             // AF_INET
	binary.NativeEndian.PutUint32(ifa[4:], 3)
	var e AttributeEncoder
	e.Reset(ifa)
	ifa[1] = e.Prefix(2, p) // IFA_LOCAL; ifa_prefixlen
	e.Prefix(1, p)          // IFA_ADDRESS
	e.String(3, "eth0:0")   // IFA_LABEL
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := attrCat([]byte{2, 24, 0, 0}, nlaU32(3), nlattr(2, []byte{192, 0, 2, 7}),
		nlattr(1, []byte{192, 0, 2, 7}), nlattr(3, []byte("eth0:0\x00")))
	if diff := cmp.Diff(want, b); diff != "" {
		t.Fatalf("RTM_NEWADDR payload (-want +got):\n%s", diff)
	}
}

// oneShotLink is the obvious way to build a request: a new encoder, the
// attributes, Encode, a Message, MarshalBinary.
func oneShotLink(mac []byte) ([]byte, error) {
	e := NewAttributeEncoder()
	encodeAttrLink(e, mac)
	b, err := e.Encode()
	if err != nil {
		return nil, err
	}
	return Message{Header: Header{Type: 16, Flags: Request | Acknowledge, Sequence: 1}, Data: b}.MarshalBinary()
}

// reuseLink builds the same request as oneShotLink into reused buffers.
func reuseLink(e *AttributeEncoder, attrs, out []byte, mac []byte) ([]byte, []byte, error) {
	e.Reset(attrs[:0])
	encodeAttrLink(e, mac)
	b, err := e.Encode()
	if err != nil {
		return b, out, err
	}
	out, err = Message{Header: Header{Type: 16, Flags: Request | Acknowledge, Sequence: 1}, Data: b}.AppendBinary(out[:0])
	return b, out, err
}

func TestAttributeEncodeOneShotAllocs(t *testing.T) {
	mac := []byte{2, 0, 0, 0, 0, 1}
	got, err := oneShotLink(mac)
	if err != nil {
		t.Fatal(err)
	}
	var e AttributeEncoder
	_, want, err := reuseLink(&e, nil, nil, mac)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("one-shot and reuse disagree (-reuse +one-shot):\n%s", diff)
	}
	if len(got) > inlineBufferLen+HeaderLen {
		t.Fatalf("the request is %d bytes: it no longer tests the inline buffer", len(got))
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := oneShotLink(mac); err != nil {
			panic(err)
		}
	}); n > 2 {
		t.Errorf("one-shot request: %v allocations, want at most 2", n)
	}

	// NewAttributeEncoder's buffer holds 256 bytes: filling it costs the
	// one allocation, one byte more a second.
	var sink []byte
	for _, tt := range []struct {
		n    int // payload bytes of one attribute
		want float64
	}{{inlineBufferLen - AttributeHeaderLen, 1}, {inlineBufferLen - AttributeHeaderLen + 1, 2}} {
		payload := make([]byte, tt.n)
		if n := testing.AllocsPerRun(100, func() {
			e := NewAttributeEncoder()
			e.Bytes(1, payload)
			sink, _ = e.Encode()
		}); n != tt.want {
			t.Errorf("NewAttributeEncoder and an attribute of %d bytes: %v allocations, want %v", AttributeSpace(tt.n), n, tt.want)
		}
	}
	_ = sink

	// An encoder without a buffer allocates one for a typical request, not
	// one per doubling.
	var z AttributeEncoder
	if n := testing.AllocsPerRun(100, func() {
		z.Reset(nil)
		for i := range 16 {
			z.Uint32(uint16(i), uint32(i))
		}
		if _, err := z.Encode(); err != nil {
			panic(err)
		}
	}); n != 1 {
		t.Errorf("16 attributes from no buffer: %v allocations, want 1", n)
	}
}
