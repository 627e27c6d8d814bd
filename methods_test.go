package netlink_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// The context and addressed variants of the method grid: each behaves as
// its plain form, and the context ones give up when the context is done.

func TestExecuteEachContext(t *testing.T) {
	c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		if req[0].Header.Type == 0x11 {
			return nil, nil // never answered
		}
		return nltest.Multipart([]netlink.Message{
			{Header: netlink.Header{Type: 0x10}, Data: []byte("a")},
			{Header: netlink.Header{Type: 0x10}, Data: []byte("b")},
		}), nil
	})
	defer c.Close()
	var got []string
	err := c.ExecuteEachContext(context.Background(), netlink.Message{Header: netlink.Header{Type: 0x10, Flags: netlink.Request | netlink.Dump}},
		func(m netlink.Message) bool {
			got = append(got, string(m.Data))
			return true
		})
	if err != nil {
		t.Fatalf("ExecuteEachContext: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err = c.ExecuteEachContext(ctx, netlink.Message{Header: netlink.Header{Type: 0x11, Flags: netlink.Request}},
		func(netlink.Message) bool { t.Error("a reply to a request never answered"); return true })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ExecuteEachContext without an answer: %v, want context.DeadlineExceeded", err)
	}
	// The Conn still works afterwards.
	if _, err := c.Execute(netlink.Message{Header: netlink.Header{Type: 0x10, Flags: netlink.Request | netlink.Dump}}); err != nil {
		t.Errorf("Execute after the timeout: %v", err)
	}
}

func TestReceiveEachContext(t *testing.T) {
	const proto = 30
	k := nltest.NewKernel()
	k.Register(proto, func(*nltest.Request) error { return nil }, nltest.Groups(1))
	c, err := k.Dial(proto, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err = c.ReceiveEachContext(ctx, func(netlink.Message, netlink.Source) bool { t.Error("a message from nowhere"); return true })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ReceiveEachContext with nothing sent: %v, want context.DeadlineExceeded", err)
	}
	if err := k.Broadcast(proto, 1, netlink.Message{Header: netlink.Header{Type: 0x20}, Data: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	var from netlink.Source
	err = c.ReceiveEachContext(context.Background(), func(m netlink.Message, src netlink.Source) bool {
		got, from = append(got, string(m.Data)), src
		return true
	})
	if err != nil || from.Group != 1 {
		t.Fatalf("ReceiveEachContext: %v from %+v", err, from)
	}
	if diff := cmp.Diff([]string{"hi"}, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestSendMessagesTo(t *testing.T) {
	const proto = 31
	k := nltest.NewKernel()
	k.Register(proto, nil, nltest.Groups(2))
	a, err := k.Dial(proto, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := k.Dial(proto, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sent, err := a.SendMessagesTo([]netlink.Message{
		{Header: netlink.Header{Type: 0x30}, Data: []byte("one")},
		{Header: netlink.Header{Type: 0x31}, Data: []byte("two")},
	}, netlink.Addr{PID: b.PID()})
	if err != nil {
		t.Fatalf("SendMessagesTo: %v", err)
	}
	if len(sent) != 2 || sent[0].Header.Sequence == 0 || sent[0].Header.PID != a.PID() {
		t.Fatalf("sent %v: want two messages with sequence and port filled in", sent)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got, src, err := b.ReceiveContext(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if src.PID != a.PID() {
		t.Errorf("source %+v, want port %d", src, a.PID())
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("one datagram of both messages (-want +got):\n%s", diff)
	}
}
