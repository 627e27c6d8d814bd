//go:build linux

package netlink_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/internal/testenv"
	"golang.org/x/sys/unix"
)

// The scenarios of TestIntegrationScenarios where more than one socket
// takes part: overrun, multicast above 32 groups and a forged sender.

// runOverrun floods a subscriber with a small receive buffer. The first
// Receive reports the overrun; then come the datagrams that fitted, the
// first ones sent, in order; then the subscriber receives new datagrams
// again. How many fitted differs legitimately: the kernel counts each
// datagram's memory, overhead included, nltest only its length. The
// outcome says whether they were a proper prefix of what was sent.
func runOverrun(t *testing.T, b backend) []outcome {
	const group, n = 1, 2000
	sub := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7101, Groups: netlink.GroupMask(group)})
	if err := sub.SetReadBuffer(4096); err != nil {
		t.Fatalf("SetReadBuffer: %v", err)
	}
	pub := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7102})
	for i := range n {
		publish(t, pub, group, netlink.Message{Header: netlink.Header{Type: netlink.MinType, Sequence: uint32(i + 1)}, Data: make([]byte, 64)})
	}
	out := []outcome{receive(t, sub, "first Receive after the flood")}
	var seqs []uint32
	for {
		sub.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		msgs, err := sub.Receive()
		if err != nil {
			out = append(out, outcome{Step: "drained", Err: describe(err)})
			break
		}
		for _, m := range msgs {
			seqs = append(seqs, m.Header.Sequence)
		}
	}
	// A datagram sent now arrives. Under load the drain above may have
	// stopped early: flood datagrams before it count with the drained.
	publish(t, pub, group, netlink.Message{Header: netlink.Header{Type: netlink.MinType, Sequence: 9999}, Data: []byte("after")})
	after := receive(t, sub, "after the overrun")
	for after.Err == nil && len(after.Msgs) == 1 && after.Msgs[0].Header.Sequence != 9999 {
		seqs = append(seqs, after.Msgs[0].Header.Sequence)
		after = receive(t, sub, "after the overrun")
	}
	prefix := len(seqs) > 0 && len(seqs) < n
	for i, s := range seqs {
		prefix = prefix && s == uint32(i+1)
	}
	t.Logf("%d of %d datagrams fitted", len(seqs), n)
	out[1].Note = fmt.Sprintf("received a proper prefix of what was sent: %v", prefix)
	return append(out, after)
}

func checkOverrun(t *testing.T, out []outcome) {
	if e := out[0].Err; e == nil || !slices.Contains(e.Matches, "ErrOverrun") || !slices.Contains(e.Matches, "ENOBUFS") {
		t.Errorf("first Receive: %+v, want ErrOverrun and ENOBUFS", e)
	}
	if out[1].Note != "received a proper prefix of what was sent: true" {
		t.Errorf("drained: %s", out[1].Note)
	}
	if len(out[2].Msgs) != 1 || string(out[2].Msgs[0].Data) != "after" {
		t.Errorf("after the overrun: %v, %+v", out[2].Msgs, out[2].Err)
	}
}

// publish sends m to group. On NETLINK_USERSOCK the send then also goes to
// port 0, where nobody listens: ECONNREFUSED, from either kernel.
func publish(t *testing.T, pub *netlink.Conn, group uint32, m netlink.Message) {
	t.Helper()
	if _, err := pub.SendTo(m, netlink.Addr{Groups: netlink.GroupMask(group)}); !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("SendTo group %d: %v, want ECONNREFUSED from port 0", group, err)
	}
}

// runHighGroup joins RTNLGRP_IPV4_MCADDR (37), above the legacy mask's 32
// groups, and brings two links up, each of which joins 224.0.0.1 and is
// announced on group 37: Source.Group says 37 with PacketInfo on, which
// JoinGroup turned on, and 0 once it is off, since the address's group
// mask cannot hold group 37. The announcements' timestamps are zeroed.
func runHighGroup(t *testing.T, b backend) []outcome {
	const group = unix.RTNLGRP_IPV4_MCADDR
	c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7301})
	if err := c.JoinGroup(group); err != nil {
		if _, host := b.(*hostBackend); host && errors.Is(err, unix.EINVAL) {
			testenv.Lacks(t, testenv.IPv4MCAddrGroup, err)
		}
		t.Fatalf("JoinGroup(%d): %v", group, err)
	}
	if _, host := b.(*hostBackend); host {
		testenv.Found(t, testenv.IPv4MCAddrGroup)
	}
	out := []outcome{membership(t, c, "after JoinGroup")}
	b.addVeth(t, "h0", "h1")
	b.linkUp(t, "h0")
	out = append(out, receiveType(t, c, "h0 up", unix.RTM_NEWMULTICAST))
	if err := c.SetOption(netlink.PacketInfo, false); err != nil {
		t.Fatal(err)
	}
	b.linkUp(t, "h1")
	out = append(out, receiveType(t, c, "h1 up, PacketInfo off", unix.RTM_NEWMULTICAST))
	if err := c.LeaveGroup(group); err != nil {
		t.Fatal(err)
	}
	return append(out, membership(t, c, "after LeaveGroup"))
}

func checkHighGroup(t *testing.T, out []outcome) {
	if out[0].Note != "groups [37], PacketInfo true" || out[3].Note != "groups [], PacketInfo false" {
		t.Errorf("memberships: %q, then %q", out[0].Note, out[3].Note)
	}
	if out[1].Src.Group != 37 || out[2].Src.Group != 0 {
		t.Errorf("groups reported: %d with PacketInfo, %d without; want 37 and 0", out[1].Src.Group, out[2].Src.Group)
	}
}

// membership notes the groups c is in and whether PacketInfo is on.
func membership(t *testing.T, c *netlink.Conn, step string) outcome {
	t.Helper()
	gs, err := c.Groups()
	if err != nil {
		t.Fatal(err)
	}
	on, err := c.GetOption(netlink.PacketInfo)
	if err != nil {
		t.Fatal(err)
	}
	return outcome{Step: step, Note: fmt.Sprintf("groups %v, PacketInfo %v", gs, on)}
}

// receiveType receives until a message of type typ arrives, and returns it
// alone with its source, its timestamps zeroed.
func receiveType(t *testing.T, c *netlink.Conn, step string, typ netlink.HeaderType) outcome {
	t.Helper()
	for {
		o := receive(t, c, step)
		if o.Err != nil {
			return o
		}
		for _, m := range o.Msgs {
			if m.Header.Type == typ {
				o.Msgs = []netlink.Message{zeroCacheinfo(t, m)}
				return o
			}
		}
	}
}

// zeroCacheinfo returns m with the timestamps of its IFA_CACHEINFO
// (cstamp and tstamp, the last 8 of its 16 bytes) zeroed.
func zeroCacheinfo(t *testing.T, m netlink.Message) netlink.Message {
	t.Helper()
	m.Data = slices.Clone(m.Data)
	d := netlink.NewAttributeDecoder(m.Data[unix.SizeofIfAddrmsg:])
	for d.Next() {
		if d.Type() == unix.IFA_CACHEINFO && d.Len() == 16 {
			clear(d.Data()[8:16])
		}
	}
	if err := d.Err(); err != nil {
		t.Fatalf("decoding %v: %v", m.Header, err)
	}
	return m
}

// runForged has a third socket send the client a forged answer, with the
// request's sequence number and the server's port in nlmsg_pid, before
// the server answers. Execute returns the server's answer; Receive then
// returns the forgery, from its real port.
func runForged(t *testing.T, b backend) []outcome {
	srv := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7401})
	forger := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7402})
	client := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7403, Peer: 7401})
	res := make(chan outcome, 1)
	go func() {
		res <- execute(t, client, "Execute", netlink.Message{
			Header: netlink.Header{Type: netlink.MinType, Flags: netlink.Request, Sequence: 900}, Data: []byte("question")})
	}()
	out := []outcome{receive(t, srv, "the server's request")}
	answer := func(c *netlink.Conn, text string) {
		m := netlink.Message{Header: netlink.Header{Type: netlink.MinType + 1, Sequence: 900, PID: 7401}, Data: []byte(text)}
		if _, err := c.SendTo(m, netlink.Addr{PID: 7403}); err != nil {
			t.Fatalf("SendTo: %v", err)
		}
	}
	answer(forger, "forged")
	answer(srv, "real")
	out = append(out, <-res)
	return append(out, receive(t, client, "set aside for Receive"))
}

func checkForged(t *testing.T, out []outcome) {
	if len(out[1].Msgs) != 1 || string(out[1].Msgs[0].Data) != "real" || out[1].Err != nil {
		t.Errorf("Execute: %v, %+v; want the real answer", out[1].Msgs, out[1].Err)
	}
	if len(out[2].Msgs) != 1 || string(out[2].Msgs[0].Data) != "forged" || out[2].Src.PID != 7402 {
		t.Errorf("Receive: %v from %+v; want the forgery from port 7402", out[2].Msgs, out[2].Src)
	}
}
