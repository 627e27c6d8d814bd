package nltest

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

// An ackTest sends a request (type 20, payload "abcde") with flags to a
// handler and expects the datagrams want in answer.
type ackTest struct {
	name    string
	flags   netlink.HeaderFlags
	opts    []netlink.Option
	handler func(r *Request) error
	calls   int // handler calls expected
	want    [][]byte
}

// ackTests are the cases of TestAcknowledgements, from port 100 with
// sequence number 5.
func ackTests() []ackTest {
	const port, seq = 100, 5
	ack := netlink.Request | netlink.Acknowledge
	// The request: type 20, payload "abcde" (21 bytes, 24 with padding).
	echo := func(flags netlink.HeaderFlags) []byte { return hdr(21, 20, flags, seq, port) }
	payload := []byte("abcde\x00\x00\x00")
	einval := neErrno(syscall.EINVAL)
	return []ackTest{
		{name: "success with NLM_F_ACK", flags: ack, calls: 1,
			want: [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port), ne32(0), echo(ack))}},
		{name: "success without NLM_F_ACK", flags: netlink.Request, calls: 1},
		{name: "error echoes the whole request", flags: netlink.Request, calls: 1,
			handler: func(*Request) error { return syscall.EINVAL },
			want:    [][]byte{cat(hdr(44, netlink.Error, 0, seq, port), einval, echo(netlink.Request), payload)}},
		{name: "error with CapAcknowledge", flags: ack, opts: []netlink.Option{netlink.CapAcknowledge}, calls: 1,
			handler: func(*Request) error { return syscall.EINVAL },
			want:    [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port), einval, echo(ack))}},
		{name: "extended ack", flags: ack, opts: []netlink.Option{netlink.ExtendedAcknowledge}, calls: 1,
			handler: func(*Request) error {
				return fmt.Errorf("wrapped: %w", &ExtError{Errno: syscall.EINVAL, Message: "bad", Offset: 20})
			},
			want: [][]byte{cat(hdr(60, netlink.Error, netlink.AcknowledgeTLVs, seq, port), einval, echo(ack), payload,
				attr(1, []byte("bad\x00")), attr(2, ne32(20)))}},
		{name: "extended ack, capped", flags: ack, calls: 1,
			opts:    []netlink.Option{netlink.ExtendedAcknowledge, netlink.CapAcknowledge},
			handler: func(*Request) error { return &ExtError{Errno: syscall.EINVAL, Message: "bad", Offset: 20} },
			want: [][]byte{cat(hdr(52, netlink.Error, netlink.Capped|netlink.AcknowledgeTLVs, seq, port), einval, echo(ack),
				attr(1, []byte("bad\x00")), attr(2, ne32(20)))}},
		{name: "extended ack not asked for", flags: ack, calls: 1,
			handler: func(*Request) error { return &ExtError{Errno: syscall.EINVAL, Message: "bad", Offset: 20} },
			want:    [][]byte{cat(hdr(44, netlink.Error, 0, seq, port), einval, echo(ack), payload)}},
		{name: "every extended-ack attribute, in the kernel's order", flags: ack, calls: 1,
			opts: []netlink.Option{netlink.ExtendedAcknowledge, netlink.CapAcknowledge},
			handler: func(*Request) error {
				return &ExtError{Errno: syscall.EINVAL, Message: "m", Offset: 16, Cookie: []byte{1, 2, 3}, MissingType: 7, MissingNest: 20}
			},
			want: [][]byte{cat(hdr(36+8+8+8+8+8, netlink.Error, netlink.Capped|netlink.AcknowledgeTLVs, seq, port), einval, echo(ack),
				attr(1, []byte("m\x00")), attr(3, []byte{1, 2, 3}), attr(2, ne32(16)), attr(5, ne32(7)), attr(6, ne32(20)))}},
		{name: "warning", flags: ack, opts: []netlink.Option{netlink.ExtendedAcknowledge}, calls: 1,
			handler: func(r *Request) error { r.Warn("careful"); return nil },
			want: [][]byte{cat(hdr(48, netlink.Error, netlink.Capped|netlink.AcknowledgeTLVs, seq, port), ne32(0), echo(ack),
				attr(1, []byte("careful\x00")))}},
		{name: "warning not asked for", flags: ack, calls: 1,
			handler: func(r *Request) error { r.Warn("careful"); return nil },
			want:    [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port), ne32(0), echo(ack))}},
		{name: "success carries no offset", flags: ack, opts: []netlink.Option{netlink.ExtendedAcknowledge}, calls: 1,
			handler: func(*Request) error { return &ExtError{Message: "w", Offset: 20} },
			want: [][]byte{cat(hdr(44, netlink.Error, netlink.Capped|netlink.AcknowledgeTLVs, seq, port), ne32(0), echo(ack),
				attr(1, []byte("w\x00")))}},
		{name: "not a request: acknowledged, not handled", flags: netlink.Acknowledge,
			want: [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port), ne32(0), echo(netlink.Acknowledge))}},
		{name: "explicit Ack without NLM_F_ACK", flags: netlink.Request, calls: 1,
			handler: func(r *Request) error { r.Ack(nil); return nil },
			want:    [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port), ne32(0), echo(netlink.Request))}},
		{name: "explicit Ack, then no other", flags: ack, opts: []netlink.Option{netlink.CapAcknowledge}, calls: 1,
			handler: func(r *Request) error { r.Ack(syscall.EPERM); return syscall.EINVAL },
			want: [][]byte{cat(hdr(36, netlink.Error, netlink.Capped, seq, port),
				neErrno(syscall.EPERM), echo(ack))}},
		{name: "EINTR is never acknowledged", flags: ack, calls: 1,
			handler: func(*Request) error { return syscall.EINTR }},
	}
}

func TestAcknowledgements(t *testing.T) {
	tests := ackTests()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			k := newKernel(func(r *Request) error {
				calls++
				if tt.handler != nil {
					return tt.handler(r)
				}
				return nil
			})
			c := dial(t, k, famKernel, &netlink.Config{PID: 100})
			for _, o := range tt.opts {
				if err := c.SetOption(o, true); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Send(msg(20, tt.flags, 5, "abcde")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if diff := cmp.Diff(tt.want, received(t, k, c), equateEmpty); diff != "" {
				t.Errorf("datagrams received (-want +got):\n%s", diff)
			}
			if calls != tt.calls {
				t.Errorf("handler called %d times, want %d", calls, tt.calls)
			}
		})
	}
}

func TestRequestFields(t *testing.T) {
	type seen struct {
		Port    uint32
		Message netlink.Message
		Strict  bool
	}
	var got []seen
	k := newKernel(func(r *Request) error {
		got = append(got, seen{r.Port, r.Message, r.Option(netlink.GetStrictCheck)})
		return r.Reply(netlink.Message{Header: netlink.Header{Type: 21}, Data: []byte("re")},
			netlink.Message{Header: netlink.Header{Type: 22, Sequence: 99, PID: 1}})
	})
	c := dial(t, k, famKernel, &netlink.Config{PID: 300, Strict: true})
	sent, err := c.SendMessages([]netlink.Message{msg(20, netlink.Request, 1, "one"), msg(20, netlink.Request, 2, "two")})
	if err != nil {
		t.Fatal(err)
	}
	want := []seen{{300, sent[0], true}, {300, sent[1], true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests the handler saw (-want +got):\n%s", diff)
	}
	// Each request's reply: zero sequence and port filled in, others kept.
	for _, seq := range []uint32{1, 2} {
		msgs, _ := mustReceive(t, c)
		wantMsgs := []netlink.Message{
			{Header: netlink.Header{Length: 18, Type: 21, Sequence: seq, PID: 300}, Data: []byte("re")},
			{Header: netlink.Header{Length: 16, Type: 22, Sequence: 99, PID: 1}, Data: []byte{}},
		}
		if diff := cmp.Diff(wantMsgs, msgs, equateEmpty); diff != "" {
			t.Errorf("replies to request %d (-want +got):\n%s", seq, diff)
		}
	}
}

func TestHandlerFailure(t *testing.T) {
	broken := errors.New("handler bug")
	k := newKernel(func(*Request) error { return broken })
	c := dial(t, k, famKernel, nil)
	_, err := c.Execute(msg(20, netlink.Request|netlink.Acknowledge, 0, ""))
	if !errors.Is(err, broken) {
		t.Fatalf("Execute: %v, want the handler's error", err)
	}
	// The Conn goes on working.
	k2 := newKernel(nil)
	c2 := dial(t, k2, famKernel, nil)
	if _, err := c2.Execute(msg(20, netlink.Request|netlink.Acknowledge, 0, "")); err != nil {
		t.Errorf("Execute: %v", err)
	}
}

func TestExecuteError(t *testing.T) {
	k := newKernel(func(r *Request) error {
		return &ExtError{Errno: syscall.ENOENT, Message: "no such thing", Offset: 20}
	})
	c := dial(t, k, famKernel, &netlink.Config{Strict: true})
	req := msg(20, netlink.Request, 42, "abcd")
	_, err := c.Execute(req)
	want := &netlink.OpError{Op: "execute", Err: syscall.ENOENT, Sequence: 42,
		Request: netlink.Header{Length: 20, Type: 20, Flags: netlink.Request, Sequence: 42, PID: c.PID()},
		ExtAck:  netlink.ExtAck{Message: "no such thing", Offset: 20}}
	// The ack points into the request, so the error keeps it as sent.
	var merr error
	if want.Sent, merr = (netlink.Message{Header: want.Request, Data: req.Data}).MarshalBinary(); merr != nil {
		t.Fatal(merr)
	}
	var oe *netlink.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("Execute: %v, want an *netlink.OpError", err)
	}
	if diff := cmp.Diff(want, oe, equateEmpty); diff != "" {
		t.Errorf("Execute's error (-want +got):\n%s", diff)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%v does not match os.ErrNotExist", err)
	}
}
