package netlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeFirst returns a decoder positioned on the first attribute of b.
func decodeFirst(t *testing.T, b []byte) *AttributeDecoder {
	t.Helper()
	return firstAttr(t, NewAttributeDecoder(b))
}

func TestAttributeAddr(t *testing.T) {
	tests := []struct {
		name    string
		addr    netip.Addr
		payload []byte
		want    netip.Addr // what decodes; addr if zero
	}{
		{name: "IPv4", addr: netip.MustParseAddr("192.0.2.1"), payload: []byte{192, 0, 2, 1}},
		{name: "IPv4 zero", addr: netip.IPv4Unspecified(), payload: []byte{0, 0, 0, 0}},
		{name: "IPv6", addr: netip.MustParseAddr("2001:db8::1"),
			payload: []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{name: "IPv4-mapped IPv6 stays IPv6", addr: netip.MustParseAddr("::ffff:192.0.2.1"),
			payload: []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
		{name: "zone dropped", addr: netip.MustParseAddr("fe80::1%eth0"),
			payload: []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
			want:    netip.MustParseAddr("fe80::1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeAttrs(t, func(e *AttributeEncoder) { e.Addr(7, tt.addr) })
			if diff := cmp.Diff(nlattr(7, tt.payload), b); diff != "" {
				t.Fatalf("encoding (-want +got):\n%s", diff)
			}
			want := tt.want
			if !want.IsValid() {
				want = tt.addr
			}
			d := decodeFirst(t, b)
			got := d.Addr()
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("decoded %v, want %v", got, want)
			}
			// The address is a value: changing the buffer leaves it alone.
			clear(b)
			if got != want {
				t.Fatalf("decoded address changed with the buffer: %v", got)
			}
		})
	}
}

func TestAttributeAddrErrors(t *testing.T) {
	for _, n := range []int{0, 1, 3, 5, 8, 15, 17, 32} {
		b := attrCat(nlattr(1, nlaU32(9)), nlattr(6, make([]byte, n)))
		d := NewAttributeDecoder(b)
		d.Next()
		d.Next()
		if got := d.Addr(); got.IsValid() {
			t.Errorf("%d bytes: decoded %v, want the zero Addr", n, got)
		}
		checkParseError(t, d.Err(), ErrBadLength, 8, 6)

		d = decodeFirst(t, nlattr(6, make([]byte, n)))
		if got := d.Prefix(8); got.IsValid() {
			t.Errorf("%d bytes: Prefix decoded %v, want the zero Prefix", n, got)
		}
		checkParseError(t, d.Err(), ErrBadLength, 0, 6)
	}

	var e AttributeEncoder
	e.Uint32(1, 1)
	e.Addr(3, netip.Addr{})
	e.Uint32(2, 2)
	if _, err := e.Encode(); !errors.Is(err, ErrBadLength) {
		t.Fatalf("encoding the zero Addr: error %v, want ErrBadLength", err)
	} else if want := "netlink: attribute 3 at offset 8: the zero netip.Addr has no bytes to encode: bad length"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

func TestAttributePrefix(t *testing.T) {
	tests := []struct {
		name   string
		prefix netip.Prefix
	}{
		{name: "IPv4 host bits kept", prefix: netip.MustParsePrefix("10.1.2.3/24")},
		{name: "IPv4 /32", prefix: netip.MustParsePrefix("10.1.2.3/32")},
		{name: "IPv4 /0", prefix: netip.MustParsePrefix("0.0.0.0/0")},
		{name: "IPv6 /64", prefix: netip.MustParsePrefix("2001:db8::5/64")},
		{name: "IPv6 /128", prefix: netip.MustParsePrefix("2001:db8::5/128")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bits uint8
			b := encodeAttrs(t, func(e *AttributeEncoder) { bits = e.Prefix(2, tt.prefix) })
			if int(bits) != tt.prefix.Bits() {
				t.Fatalf("Prefix returned %d, want %d", bits, tt.prefix.Bits())
			}
			wantAttr := encodeAttrs(t, func(e *AttributeEncoder) { e.Addr(2, tt.prefix.Addr()) })
			if diff := cmp.Diff(wantAttr, b); diff != "" {
				t.Fatalf("encoding (-want +got):\n%s", diff)
			}
			d := decodeFirst(t, b)
			got := d.Prefix(bits)
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			if got != tt.prefix {
				t.Fatalf("decoded %v, want %v", got, tt.prefix)
			}
		})
	}

	// A length longer than the address is refused, naming the attribute.
	for _, tt := range []struct {
		payload []byte
		bits    uint8
	}{{make([]byte, 4), 33}, {make([]byte, 16), 129}, {make([]byte, 4), 255}} {
		d := NewAttributeDecoder(attrCat(nlattr(1, nil), nlattr(2, tt.payload)))
		d.Next()
		d.Next()
		if got := d.Prefix(tt.bits); got.IsValid() {
			t.Errorf("/%d of %d bytes: decoded %v, want the zero Prefix", tt.bits, len(tt.payload), got)
		}
		checkParseError(t, d.Err(), ErrBadLength, 4, 2)
	}

	var e AttributeEncoder
	if bits := e.Prefix(2, netip.Prefix{}); bits != 0 {
		t.Errorf("invalid Prefix returned %d, want 0", bits)
	}
	if _, err := e.Encode(); !errors.Is(err, ErrBadLength) {
		t.Fatalf("encoding an invalid Prefix: error %v, want ErrBadLength", err)
	}
}

func TestAttributeHardwareAddr(t *testing.T) {
	for _, n := range []int{1, 6, 8, 20, MaxHardwareAddrLen} {
		mac := make(net.HardwareAddr, n)
		for i := range mac {
			mac[i] = byte(0xa0 + i)
		}
		b := encodeAttrs(t, func(e *AttributeEncoder) { e.HardwareAddr(iflaAddress, mac) })
		if diff := cmp.Diff(nlattr(iflaAddress, mac), b); diff != "" {
			t.Fatalf("%d bytes: encoding (-want +got):\n%s", n, diff)
		}

		d := decodeFirst(t, b)
		got := d.HardwareAddr()
		var buf [MaxHardwareAddrLen]byte
		appended := d.AppendHardwareAddr(buf[:0])
		if err := d.Err(); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if diff := cmp.Diff(mac, got); diff != "" {
			t.Fatalf("%d bytes: HardwareAddr (-want +got):\n%s", n, diff)
		}
		if diff := cmp.Diff(mac, appended); diff != "" {
			t.Fatalf("%d bytes: AppendHardwareAddr (-want +got):\n%s", n, diff)
		}
		if &appended[0] != &buf[0] {
			t.Fatalf("%d bytes: AppendHardwareAddr did not decode into the caller's buffer", n)
		}
		// Neither result aliases the decoded buffer.
		clear(b)
		if !bytes.Equal(got, mac) || !bytes.Equal(appended, mac) {
			t.Fatalf("%d bytes: decoded addresses changed with the buffer: %v, %v", n, got, appended)
		}
	}

	// Appending keeps what dst holds.
	d := decodeFirst(t, nlattr(1, []byte{1, 2}))
	if got, want := d.AppendHardwareAddr(net.HardwareAddr{9}), (net.HardwareAddr{9, 1, 2}); !bytes.Equal(got, want) {
		t.Errorf("AppendHardwareAddr onto [9] = %v, want %v", got, want)
	}

	// Decoding into a caller's buffer does not allocate.
	b := nlattr(1, []byte{2, 0, 0, 0, 0, 1})
	var dd AttributeDecoder
	var buf [MaxHardwareAddrLen]byte
	if n := testing.AllocsPerRun(100, func() {
		dd.Reset(b)
		dd.Next()
		if len(dd.AppendHardwareAddr(buf[:0])) != 6 {
			panic("short address")
		}
	}); n != 0 {
		t.Errorf("AppendHardwareAddr into a caller's buffer: %v allocations, want 0", n)
	}
}

func TestAttributeHardwareAddrErrors(t *testing.T) {
	for _, n := range []int{0, MaxHardwareAddrLen + 1, 64} {
		b := attrCat(nlattr(1, nlaU32(1)), nlattr(iflaAddress, make([]byte, n)))
		d := NewAttributeDecoder(b)
		d.Next()
		d.Next()
		if got := d.HardwareAddr(); got != nil {
			t.Errorf("%d bytes: HardwareAddr = %v, want nil", n, got)
		}
		checkParseError(t, d.Err(), ErrBadLength, 8, iflaAddress)

		d.Reset(b)
		d.Next()
		d.Next()
		dst := net.HardwareAddr{7}
		if got := d.AppendHardwareAddr(dst); !bytes.Equal(got, dst) {
			t.Errorf("%d bytes: AppendHardwareAddr = %v, want dst unchanged", n, got)
		}
		checkParseError(t, d.Err(), ErrBadLength, 8, iflaAddress)
	}

	tests := []struct {
		name string
		addr net.HardwareAddr
		err  error
	}{
		{name: "empty", addr: nil, err: ErrBadLength},
		{name: "33 bytes", addr: make(net.HardwareAddr, MaxHardwareAddrLen+1), err: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e AttributeEncoder
			e.HardwareAddr(iflaAddress, tt.addr)
			if _, err := e.Encode(); !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
		})
	}
}

func TestAttributeNetworkOrder(t *testing.T) {
	const v16, v32, v64 = 4789, 0x0a000001, 0x0102030405060708
	be16 := binary.BigEndian.AppendUint16(nil, v16)
	be32 := binary.BigEndian.AppendUint32(nil, v32)
	be64 := binary.BigEndian.AppendUint64(nil, v64)
	tests := []struct {
		name   string
		order  binary.ByteOrder // the encoder's ByteOrder: must not matter
		encode func(e *AttributeEncoder)
		want   []byte
		decode func(d *AttributeDecoder) uint64
		value  uint64
	}{
		{name: "Uint16BE", encode: func(e *AttributeEncoder) { e.Uint16BE(15, v16) }, want: nlattr(15, be16),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint16BE()) }, value: v16},
		{name: "Uint16BE, big-endian encoder", order: binary.BigEndian,
			encode: func(e *AttributeEncoder) { e.Uint16BE(15, v16) }, want: nlattr(15, be16),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint16BE()) }, value: v16},
		{name: "Uint16BE, little-endian encoder", order: binary.LittleEndian,
			encode: func(e *AttributeEncoder) { e.Uint16BE(15, v16) }, want: nlattr(15, be16),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint16BE()) }, value: v16},
		{name: "Uint16BE with the flag asked for",
			encode: func(e *AttributeEncoder) { e.Uint16BE(15|AttributeNetByteOrder, v16) },
			want:   nlattr(15|AttributeNetByteOrder, be16),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint16BE()) }, value: v16},
		{name: "flagged attribute read by Uint16",
			encode: func(e *AttributeEncoder) { e.Uint16BE(15|AttributeNetByteOrder, v16) },
			want:   nlattr(15|AttributeNetByteOrder, be16),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint16()) }, value: v16},
		{name: "Uint32BE", encode: func(e *AttributeEncoder) { e.Uint32BE(3, v32) }, want: nlattr(3, be32),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint32BE()) }, value: v32},
		{name: "flagged attribute read by Uint32",
			encode: func(e *AttributeEncoder) { e.Uint32BE(3|AttributeNetByteOrder, v32) },
			want:   nlattr(3|AttributeNetByteOrder, be32),
			decode: func(d *AttributeDecoder) uint64 { return uint64(d.Uint32()) }, value: v32},
		{name: "flagged attribute read by Uint",
			encode: func(e *AttributeEncoder) { e.Uint32BE(3|AttributeNetByteOrder, v32) },
			want:   nlattr(3|AttributeNetByteOrder, be32),
			decode: func(d *AttributeDecoder) uint64 { return d.Uint() }, value: v32},
		{name: "Uint64BE", encode: func(e *AttributeEncoder) { e.Uint64BE(4, v64) }, want: nlattr(4, be64),
			decode: func(d *AttributeDecoder) uint64 { return d.Uint64BE() }, value: v64},
		{name: "flagged attribute read by Uint64",
			encode: func(e *AttributeEncoder) { e.Uint64BE(4|AttributeNetByteOrder, v64) },
			want:   nlattr(4|AttributeNetByteOrder, be64),
			decode: func(d *AttributeDecoder) uint64 { return d.Uint64() }, value: v64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewAttributeEncoder()
			e.ByteOrder = tt.order
			tt.encode(e)
			b, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b); diff != "" {
				t.Fatalf("encoding (-want +got):\n%s", diff)
			}
			// A decoder in little-endian order must still read network order.
			d := decodeFirst(t, b)
			d.ByteOrder = binary.LittleEndian
			if got := tt.decode(d); got != tt.value || d.Err() != nil {
				t.Fatalf("decoded %#x (error %v), want %#x", got, d.Err(), tt.value)
			}
		})
	}

	// The network-order getters check the payload's size.
	for _, tt := range []struct {
		name string
		get  func(d *AttributeDecoder)
		n    int
	}{
		{"Uint16BE", func(d *AttributeDecoder) { d.Uint16BE() }, 4},
		{"Uint32BE", func(d *AttributeDecoder) { d.Uint32BE() }, 2},
		{"Uint64BE", func(d *AttributeDecoder) { d.Uint64BE() }, 4},
	} {
		d := decodeFirst(t, nlattr(5, make([]byte, tt.n)))
		tt.get(d)
		checkParseError(t, d.Err(), ErrBadLength, 0, 5)
	}
}
