package family_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
)

func TestOptJSON(t *testing.T) {
	type s struct {
		A family.Opt[uint32] `json:"a,omitzero"`
		B family.Opt[string] `json:"b,omitzero"`
		C family.Opt[uint8]  `json:"c"`
	}
	tests := []struct {
		name string
		in   s
		want string
	}{
		{"absent", s{}, `{"c":null}`},
		{"present", s{A: family.Some[uint32](0), B: family.Some("x"), C: family.Some[uint8](3)}, `{"a":0,"b":"x","c":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("Marshal (-want +got):\n%s", diff)
			}
			var back s
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, back); diff != "" {
				t.Errorf("Unmarshal (-want +got):\n%s", diff)
			}
		})
	}
	var o family.Opt[uint8]
	if err := json.Unmarshal([]byte(`"x"`), &o); err == nil || o.Valid {
		t.Errorf("Unmarshal of a string into Opt[uint8]: %v, valid %v", err, o.Valid)
	}
	if v, ok := family.Some(7).Get(); v != 7 || !ok {
		t.Errorf("Get = %v, %v", v, ok)
	}
	if !(family.Opt[int]{Value: 1}).IsZero() {
		t.Errorf("an invalid Opt with a Value is not zero")
	}
}

func TestGrow(t *testing.T) {
	s := make([]int, 2, 4)
	s[1] = 9
	s = s[:1]
	s = family.Grow(s)
	if len(s) != 2 || s[1] != 9 {
		t.Errorf("Grow within capacity: %v, want the old element kept", s)
	}
	s = family.Grow(family.Grow(family.Grow(s)))
	if len(s) != 5 || s[4] != 0 {
		t.Errorf("Grow beyond capacity: %v", s)
	}
}

func TestSetString(t *testing.T) {
	s := "eth0"
	held := s
	family.SetString(&s, []byte("eth0\x00"))
	if s != "eth0" || len(s) != 4 {
		t.Errorf("SetString = %q", s)
	}
	if n := testing.AllocsPerRun(100, func() { family.SetString(&held, []byte("eth0\x00")) }); n != 0 {
		t.Errorf("SetString of the held value: %v allocations, want 0", n)
	}
	family.SetString(&s, []byte("ab\x00cd"))
	if s != "ab" {
		t.Errorf("SetString up to the first NUL = %q, want ab", s)
	}
}

func TestAddr(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		want    netip.Addr
		wantErr bool
	}{
		{"v4", []byte{192, 0, 2, 1}, netip.MustParseAddr("192.0.2.1"), false},
		{"v6", netip.MustParseAddr("2001:db8::1").AsSlice(), netip.MustParseAddr("2001:db8::1"), false},
		{"short", []byte{1, 2, 3}, netip.Addr{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := family.Addr(tt.b, 7, 20)
			if tt.wantErr {
				var pe *netlink.ParseError
				if !errors.As(err, &pe) || !errors.Is(err, netlink.ErrBadLength) || pe.Type != 7 || pe.Offset != 20 {
					t.Fatalf("error %v, want a ParseError of attribute 7 at 20 wrapping ErrBadLength", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Addr = %v, %v; want %v", got, err, tt.want)
			}
			e := netlink.NewAttributeEncoder()
			family.EncodeAddr(e, 1, got)
			b, _ := e.Encode()
			if diff := cmp.Diff(tt.b, b[4:]); diff != "" {
				t.Errorf("EncodeAddr (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.b, family.AddrBytes(got)); diff != "" {
				t.Errorf("AddrBytes (-want +got):\n%s", diff)
			}
		})
	}
	e := netlink.NewAttributeEncoder()
	family.EncodeAddr(e, 1, netip.Addr{})
	if b, _ := e.Encode(); len(b) != 0 || family.AddrBytes(netip.Addr{}) != nil {
		t.Errorf("an invalid address encodes as %v", b)
	}
}

func TestDumpAny(t *testing.T) {
	seq := func(yield func(*int, error) bool) {
		for i := range 3 {
			if !yield(&i, nil) {
				return
			}
		}
		yield(nil, errors.New("end"))
	}
	var got []int
	var gotErr error
	for v, err := range family.DumpAny(seq) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, *v.(*int))
	}
	if diff := cmp.Diff([]int{0, 1, 2}, got); diff != "" || gotErr == nil {
		t.Errorf("DumpAny: %v, %v", got, gotErr)
	}
	for _, err := range family.Fail[any](errors.New("x")) {
		if err == nil {
			t.Errorf("Fail yielded no error")
		}
	}
}
