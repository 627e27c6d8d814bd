package raw_test

import (
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/cmd/ynlgen/internal/gentest/raw"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/nltest"
)

func TestSubMessageRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   raw.ObjAttrs
	}{
		{"alpha", raw.ObjAttrs{Kind: "alpha", Data: family.Some(raw.ObjData{Alpha: family.Some(raw.AlphaAttrs{Level: family.Some[uint8](3)})})}},
		{"beta", raw.ObjAttrs{Objmsg: raw.Objmsg{Family: 2, Index: -1}, Kind: "beta", Mtu: family.Some[uint32](1500),
			Data: family.Some(raw.ObjData{Beta: family.Some(raw.BetaAttrs{Label: "b", Weight: family.Some[uint16](7)})})}},
		{"kind without data", raw.ObjAttrs{Kind: "empty"}},
		{"raw of a format without attributes", raw.ObjAttrs{Kind: "empty", Data: family.Some(raw.ObjData{Raw: level9})}},
		{"raw of an unlisted format", raw.ObjAttrs{Kind: "gamma", Data: family.Some(raw.ObjData{Raw: level9})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.in.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var got raw.ObjAttrs
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// level9 is the payload of a nest holding attribute 1, a u8 of 9.
var level9 = []byte{5, 0, 1, 0, 9, 0, 0, 0}

// TestSubMessageSelector: the format follows the selector's value; a value
// without a format, or data before its selector, is held undecoded in Raw.
func TestSubMessageSelector(t *testing.T) {
	build := func(kindFirst bool, kind string) []byte {
		e := netlink.NewAttributeEncoder()
		e.Reset(make([]byte, raw.ObjmsgLen))
		data := func() {
			e.Nested(2, func(e *netlink.AttributeEncoder) error { e.Uint8(1, 9); return nil })
		}
		if !kindFirst {
			data()
		}
		e.String(1, kind)
		if kindFirst {
			data()
		}
		b, _ := e.Encode()
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want raw.ObjAttrs
	}{
		{"alpha", build(true, "alpha"), raw.ObjAttrs{Kind: "alpha", Data: family.Some(raw.ObjData{Alpha: family.Some(raw.AlphaAttrs{Level: family.Some[uint8](9)})})}},
		{"unknown kind", build(true, "gamma"), raw.ObjAttrs{Kind: "gamma", Data: family.Some(raw.ObjData{Raw: level9})}},
		{"format without attributes", build(true, "empty"), raw.ObjAttrs{Kind: "empty", Data: family.Some(raw.ObjData{Raw: level9})}},
		{"data first", build(false, "alpha"), raw.ObjAttrs{Kind: "alpha", Data: family.Some(raw.ObjData{Raw: level9})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got raw.ObjAttrs
			if err := got.UnmarshalBinary(tt.b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSubMessageRaw: Raw is written as the nest of the selected format
// when that format's field is not valid, byte for byte what a hand-built
// nest gives, and decoding a listed format into the same value empties it.
func TestSubMessageRaw(t *testing.T) {
	e := netlink.NewAttributeEncoder()
	e.Reset(make([]byte, raw.ObjmsgLen))
	e.String(1, "gamma")
	e.Nested(2, func(e *netlink.AttributeEncoder) error { e.Uint8(1, 9); return nil })
	want, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	in := raw.ObjAttrs{Kind: "gamma", Data: family.Some(raw.ObjData{Raw: level9})}
	got, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoded (-want +got):\n%s", diff)
	}

	var v raw.ObjAttrs
	if err := v.UnmarshalBinary(got); err != nil {
		t.Fatal(err)
	}
	alpha, err := (&raw.ObjAttrs{Kind: "alpha", Data: family.Some(raw.ObjData{Alpha: family.Some(raw.AlphaAttrs{Level: family.Some[uint8](1)})})}).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnmarshalBinary(alpha); err != nil {
		t.Fatal(err)
	}
	if len(v.Data.Value.Raw) != 0 || !v.Data.Value.Alpha.Valid || v.Data.Value.Alpha.Value.Level.Value != 1 {
		t.Errorf("alpha decoded over gamma: %+v", v.Data.Value)
	}
}

// kernel answers getobj with the objects it holds, newobj by adding one
// (EEXIST without Excl semantics checked: it wants Create), delobj with
// ENOENT.
func kernel(t *testing.T, objs []raw.ObjAttrs) *raw.Client {
	c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		var o raw.ObjAttrs
		if err := o.UnmarshalBinary(m.Data); err != nil {
			return nil, syscall.EINVAL
		}
		switch uint16(m.Header.Type) {
		case raw.CmdGetobjRequest:
			var out []netlink.Message
			for i := range objs {
				if m.Header.Flags&netlink.Dump == 0 && objs[i].Index != o.Index {
					continue
				}
				b, _ := objs[i].AppendBinary(nil)
				out = append(out, netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(raw.CmdGetobjReply)}, Data: b})
			}
			if m.Header.Flags&netlink.Dump != 0 {
				return nltest.Multipart(out), nil
			}
			if len(out) == 0 {
				return nil, syscall.ENODEV
			}
			return out, nil
		case raw.CmdNewobjRequest:
			if m.Header.Flags&netlink.Create == 0 {
				return nil, syscall.EOPNOTSUPP
			}
			objs = append(objs, o)
			return []netlink.Message{nltest.Error(nil, m)}, nil
		}
		return nil, syscall.ENOENT
	})
	cl := raw.NewClient(c)
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestClient(t *testing.T) {
	objs := []raw.ObjAttrs{
		{Objmsg: raw.Objmsg{Index: 1}, Kind: "alpha", Data: family.Some(raw.ObjData{Alpha: family.Some(raw.AlphaAttrs{Level: family.Some[uint8](1)})})},
		{Objmsg: raw.Objmsg{Index: 2}, Kind: "beta", Data: family.Some(raw.ObjData{Beta: family.Some(raw.BetaAttrs{Label: "two"})})},
	}
	c := kernel(t, objs)
	got, err := c.Getobj(&raw.ObjAttrs{Objmsg: raw.Objmsg{Index: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&objs[1], got); diff != "" {
		t.Errorf("Getobj (-want +got):\n%s", diff)
	}
	// The dump reuses one value, whose absent nests keep the memory of
	// earlier entries: compare what each entry encodes to.
	var want, dumped [][]byte
	for i := range objs {
		b, _ := objs[i].AppendBinary(nil)
		want = append(want, b)
	}
	for o, err := range c.GetobjDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		b, _ := o.AppendBinary(nil)
		dumped = append(dumped, b)
	}
	if diff := cmp.Diff(want, dumped); diff != "" {
		t.Errorf("GetobjDump (-want +got):\n%s", diff)
	}
	if err := c.Newobj(&raw.ObjAttrs{Kind: "alpha"}); err != syscall.EOPNOTSUPP && !isErrno(err, syscall.EOPNOTSUPP) {
		t.Errorf("Newobj without Create: %v, want EOPNOTSUPP", err)
	}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newobj(&raw.ObjAttrs{Objmsg: raw.Objmsg{Index: 3}, Kind: "beta"}); err != nil {
		t.Errorf("Newobj with Create: %v", err)
	}
	if err := c.Delobj(nil); !isErrno(err, syscall.ENOENT) {
		t.Errorf("Delobj: %v, want ENOENT", err)
	}
	if err := c.JoinGroup("nope"); err == nil {
		t.Errorf("JoinGroup of an unknown group: no error")
	}
}

func isErrno(err error, want syscall.Errno) bool {
	var e syscall.Errno
	for err != nil {
		if x, ok := err.(syscall.Errno); ok {
			e = x
			break
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return e == want
}

// The descriptor of a netlink-raw family carries the spec's protonum and
// its multicast groups by name.
func TestDescribeProtocolAndGroups(t *testing.T) {
	d := raw.Describe()
	if d.ProtocolNumber != 31 {
		t.Errorf("ProtocolNumber = %d, want 31 (the spec's protonum)", d.ProtocolNumber)
	}
	if diff := cmp.Diff([]string{"objgrp"}, d.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

// The descriptor's WithFlags adds header flags to the operations run
// through it, as the Client's WithFlags does.
func TestDescribeWithFlags(t *testing.T) {
	c := kernel(t, nil)
	d := raw.Describe()
	var newobj family.Operation
	for _, op := range d.Operations {
		if op.Name == "newobj" {
			newobj = op
		}
	}
	req := &raw.ObjAttrs{Objmsg: raw.Objmsg{Index: 3}, Kind: "beta"}
	if _, err := newobj.Do(c, req); !isErrno(err, syscall.EOPNOTSUPP) {
		t.Errorf("newobj without Create: %v, want EOPNOTSUPP", err)
	}
	wc, err := d.WithFlags(c, netlink.Create|netlink.Excl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newobj.Do(wc, req); err != nil {
		t.Errorf("newobj with Create: %v", err)
	}
	if _, err := d.WithFlags("not a client", netlink.Create); err == nil {
		t.Errorf("WithFlags of a wrong client: no error")
	}
}
