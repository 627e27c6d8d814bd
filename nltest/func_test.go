package nltest

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

func TestDialFunc(t *testing.T) {
	var seen []netlink.Message
	c := Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		seen = append(seen, req...)
		return Multipart([]netlink.Message{
			{Header: netlink.Header{Type: 21}, Data: []byte("a")},
			{Header: netlink.Header{Type: 21}, Data: []byte("b")},
		}), nil
	})
	defer c.Close()
	req := msg(20, netlink.Request|netlink.Dump, 11, "q")
	msgs, err := c.Execute(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []netlink.Message{
		{Header: netlink.Header{Length: 17, Type: 21, Flags: netlink.Multi, Sequence: 11, PID: c.PID()}, Data: []byte("a")},
		{Header: netlink.Header{Length: 17, Type: 21, Flags: netlink.Multi, Sequence: 11, PID: c.PID()}, Data: []byte("b")},
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("Execute (-want +got):\n%s", diff)
	}
	req.Header.Length, req.Header.PID = 17, c.PID()
	if diff := cmp.Diff([]netlink.Message{req}, seen); diff != "" {
		t.Errorf("the Func saw (-want +got):\n%s", diff)
	}
}

func TestFuncErrors(t *testing.T) {
	broken := errors.New("socket broke")
	tests := []struct {
		name   string
		ret    error
		extAck bool
		want   error
		ext    netlink.ExtAck
	}{
		{name: "errno", ret: syscall.ENOENT, want: syscall.ENOENT},
		{name: "extended", ret: &ExtError{Errno: syscall.EINVAL, Message: "bad", Offset: 16}, extAck: true,
			want: syscall.EINVAL, ext: netlink.ExtAck{Message: "bad", Offset: 16}},
		{name: "extended not asked for", ret: &ExtError{Errno: syscall.EINVAL, Message: "bad"}, want: syscall.EINVAL},
		{name: "not an errno", ret: broken, want: broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Dial(func([]netlink.Message) ([]netlink.Message, error) { return nil, tt.ret })
			defer c.Close()
			c.SetOption(netlink.ExtendedAcknowledge, tt.extAck)
			_, err := c.Execute(msg(20, netlink.Request, 0, ""))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Execute: %v, want %v", err, tt.want)
			}
			var oe *netlink.OpError
			if errors.As(err, &oe) && !cmp.Equal(tt.ext, oe.ExtAck, equateEmpty) {
				t.Errorf("extended ack %+v, want %+v", oe.ExtAck, tt.ext)
			}
		})
	}
}

func TestErrorLayout(t *testing.T) {
	req := netlink.Message{Header: netlink.Header{Length: 21, Type: 20, Flags: netlink.Request, Sequence: 3, PID: 50}, Data: []byte("abcde")}
	ext := &ExtError{Errno: syscall.EINVAL, Message: "x", Offset: 16}
	full := cat(hdr(21, 20, netlink.Request, 3, 50), []byte("abcde\x00\x00\x00"))
	tlvs := cat(attr(1, []byte("x\x00")), attr(2, ne32(16)))
	tests := []struct {
		name string
		err  error
		opts []netlink.Option
		want []byte
	}{
		{name: "Error as built", err: ext, want: nil},
		{name: "uncapped, no extended ack", err: ext,
			want: cat(hdr(44, netlink.Error, 0, 3, 50), neErrno(syscall.EINVAL), full)},
		{name: "capped with extended ack", err: ext, opts: []netlink.Option{netlink.CapAcknowledge, netlink.ExtendedAcknowledge},
			want: cat(hdr(52, netlink.Error, netlink.Capped|netlink.AcknowledgeTLVs, 3, 50), neErrno(syscall.EINVAL), hdr(21, 20, netlink.Request, 3, 50), tlvs)},
		{name: "success is capped", err: nil, opts: []netlink.Option{netlink.ExtendedAcknowledge},
			want: cat(hdr(36, netlink.Error, netlink.Capped, 3, 50), ne32(0), hdr(21, 20, netlink.Request, 3, 50))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				got, _ := Error(tt.err, req).MarshalBinary()
				want := cat(hdr(60, netlink.Error, netlink.AcknowledgeTLVs, 3, 0), neErrno(syscall.EINVAL), full, tlvs)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Error (-want +got):\n%s", diff)
				}
				return
			}
			k := NewKernel()
			k.RegisterFunc(famKernel, func([]netlink.Message) ([]netlink.Message, error) {
				return []netlink.Message{Error(tt.err, req)}, nil
			})
			c := dial(t, k, famKernel, &netlink.Config{PID: 50})
			for _, o := range tt.opts {
				c.SetOption(o, true)
			}
			c.Send(msg(20, netlink.Request, 3, ""))
			if diff := cmp.Diff([][]byte{tt.want}, received(t, k, c)); diff != "" {
				t.Errorf("NLMSG_ERROR (-want +got):\n%s", diff)
			}
		})
	}
	if m := Error(errors.New("odd"), req); m.Header.Type != netlink.Error {
		t.Errorf("Error of a non-errno: %v", m.Header)
	} else if a, _ := netlink.ParseAck(m); a.Errno() != syscall.EINVAL || a.ExtAck.Message != "odd" {
		t.Errorf("Error of a non-errno: %+v, want EINVAL with its text", a)
	}
}

func TestCheckRequest(t *testing.T) {
	reply := func([]netlink.Message) ([]netlink.Message, error) {
		return []netlink.Message{Error(nil, netlink.Message{})}, nil
	}
	tests := []struct {
		name string
		want []netlink.Message
		sent netlink.Message
		err  string
	}{
		{name: "match", want: []netlink.Message{{Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge}, Data: []byte("x")}},
			sent: msg(20, netlink.Request|netlink.Acknowledge, 0, "x")},
		{name: "type and flags", want: []netlink.Message{{Header: netlink.Header{Type: 21, Flags: netlink.Request}}},
			sent: msg(20, netlink.Request|netlink.Acknowledge, 0, "x"),
			err:  "nltest: request 0: type 20, want 21; flags request|acknowledge, want request"},
		{name: "data", want: []netlink.Message{{Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge}, Data: []byte("y")}},
			sent: msg(20, netlink.Request|netlink.Acknowledge, 0, "x"), err: "nltest: request 0: data differs"},
		{name: "count", want: nil, sent: msg(20, netlink.Request|netlink.Acknowledge, 0, "x"),
			err: "nltest: 1 requests in the datagram, want 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Dial(CheckRequest(reply, tt.want...))
			defer c.Close()
			_, err := c.Execute(tt.sent)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Execute: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("Execute: %v, want an error containing %q", err, tt.err)
			}
		})
	}
}
