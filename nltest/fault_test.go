package nltest

import (
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

// echoKernel answers each request with one reply carrying its payload.
func echoKernel() *Kernel {
	return newKernel(func(r *Request) error {
		return r.Reply(netlink.Message{Header: netlink.Header{Type: 21}, Data: r.Message.Data})
	})
}

func TestInjectOverrun(t *testing.T) {
	k := echoKernel()
	c := dial(t, k, famKernel, nil)
	k.InjectOverrun(c)
	if _, err := c.Execute(msg(20, netlink.Request, 0, "lost")); !errors.Is(err, netlink.ErrOverrun) || !errors.Is(err, syscall.ENOBUFS) {
		t.Fatalf("Execute after an overrun: %v, want ErrOverrun and ENOBUFS", err)
	}
	// The reply was dropped while congested; the socket then recovered.
	if msgs, err := c.Execute(msg(20, netlink.Request, 0, "ok")); err != nil || string(msgs[0].Data) != "ok" {
		t.Errorf("Execute after recovering: %v, %v", msgs, err)
	}

	quiet := dial(t, k, famKernel, nil)
	quiet.SetOption(netlink.NoENOBUFS, true)
	k.InjectOverrun(quiet)
	if msgs, err := quiet.Execute(msg(20, netlink.Request, 0, "ok")); err != nil || string(msgs[0].Data) != "ok" {
		t.Errorf("Execute with NoENOBUFS after an overrun: %v, %v", msgs, err)
	}
}

func TestTruncateNext(t *testing.T) {
	k := echoKernel()
	c := dial(t, k, famKernel, &netlink.Config{MaxMessageSize: 64})
	k.TruncateNext(c)
	_, err := c.Execute(msg(20, netlink.Request, 0, "cut"))
	if !errors.Is(err, netlink.ErrTruncated) {
		t.Fatalf("Execute: %v, want ErrTruncated", err)
	}
	if msgs, err := c.Execute(msg(20, netlink.Request, 0, "whole")); err != nil || string(msgs[0].Data) != "whole" {
		t.Errorf("the next Execute: %v, %v", msgs, err)
	}
}

func TestInjectRaw(t *testing.T) {
	k := echoKernel()
	c := dial(t, k, famKernel, nil)
	k.InjectRaw(c, netlink.Source{PID: 9, Group: 5}, hdr(40, 30, 0, 0, 0)) // claims 40 bytes, has 16
	_, src, err := c.ReceiveFrom()
	var pe *netlink.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, netlink.ErrBadLength) {
		t.Errorf("malformed datagram: %v, want a *ParseError matching ErrBadLength", err)
	}
	_ = src

	k.InjectRaw(c, netlink.Source{PID: 9, Group: 5}, cat(hdr(20, 30, 0, 0, 0), []byte("abcd")))
	msgs, src := mustReceive(t, c)
	if src != (netlink.Source{PID: 9, Group: 5}) || len(msgs) != 1 || string(msgs[0].Data) != "abcd" {
		t.Errorf("raw datagram: %v from %+v", msgs, src)
	}
}

func TestForge(t *testing.T) {
	k := newKernel(func(*Request) error { return nil }) // never answers
	c := dial(t, k, famKernel, nil)
	forged := netlink.Message{Header: netlink.Header{Type: 21, Sequence: 77, PID: c.PID()}, Data: []byte("forged")}

	// From another port, Execute sets it aside for Receive.
	k.Forge(c, 4242, forged)
	// From the kernel's port 0, no Conn can tell.
	k.Forge(c, 0, forged)
	msgs, err := c.Execute(msg(20, netlink.Request, 77, ""))
	forged.Header.Length = 22
	if err != nil || !cmp.Equal([]netlink.Message{forged}, msgs) {
		t.Errorf("Execute with a forged kernel reply queued: %v, %v; want the forgery", msgs, err)
	}
	msgs, src := mustReceive(t, c)
	if src.PID != 4242 || !cmp.Equal([]netlink.Message{forged}, msgs) {
		t.Errorf("set aside: %v from %+v, want the forgery from port 4242", msgs, src)
	}
}

func TestInjectOverrunMessage(t *testing.T) {
	k := newKernel(func(*Request) error { return nil })
	c := dial(t, k, famKernel, nil)
	k.InjectOverrunMessage(c, 5)
	if _, err := c.Execute(msg(20, netlink.Request, 5, "")); !errors.Is(err, netlink.ErrOverrun) {
		t.Errorf("Execute answered by NLMSG_OVERRUN: %v, want ErrOverrun", err)
	}
}

func TestInjectError(t *testing.T) {
	k := newKernel(nil)
	c := dial(t, k, famKernel, nil)
	boom := errors.New("boom")
	k.Unicast(famKernel, c.PID(), msg(30, 0, 0, "first"))
	k.InjectError(c, boom)
	if msgs, _ := mustReceive(t, c); string(msgs[0].Data) != "first" {
		t.Errorf("the datagram queued before the error: %v", msgs)
	}
	if _, err := c.Receive(); !errors.Is(err, boom) {
		t.Errorf("Receive: %v, want the injected error", err)
	}
}

func TestFaultsOnClosedAndForeignConns(t *testing.T) {
	k := newKernel(nil)
	c := dial(t, k, famKernel, nil)
	c.Close()
	k.InjectOverrun(c) // nothing happens
	k.InjectRaw(c, netlink.Source{}, []byte{1})
	other := Dial(func([]netlink.Message) ([]netlink.Message, error) { return nil, nil })
	defer other.Close()
	defer func() {
		if recover() == nil {
			t.Error("a fault on a Conn of another Kernel did not panic")
		}
	}()
	k.TruncateNext(other)
}
