//go:build linux

package netlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"
)

// Real-kernel tests of process-to-process IPC over NETLINK_USERSOCK:
// unicast, multicast, forged replies, overruns. Generic netlink is in
// integration_genl_linux_test.go.

// TestIntegrationUsersockUnicast sends between two Conns by port ID: every
// message arrives intact, from the sender's port, not from a group.
func TestIntegrationUsersockUnicast(t *testing.T) {
	ns := newTestNS(t)
	a := ns.dial(t, familyUsersock, nil)
	b := ns.dial(t, familyUsersock, nil)
	for _, size := range []int{0, 1, 3, 4096, 60000} {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			data := bytes.Repeat([]byte{byte(size)}, size)
			sent, err := a.SendTo(Message{Header: Header{Type: MinType + 3, Flags: Request}, Data: data}, Addr{PID: b.PID()})
			if err != nil {
				t.Fatalf("SendTo: %v", err)
			}
			if sent.Header.PID != a.PID() || sent.Header.Sequence == 0 {
				t.Errorf("sent header %v, want pid %d and a sequence number", sent.Header, a.PID())
			}
			msgs, src := receiveWithin(t, b, 2*time.Second)
			if len(msgs) != 1 {
				t.Fatalf("received %d messages, want 1", len(msgs))
			}
			// Headers through cmp; payloads with bytes.Equal, which is
			// much faster than cmp on 60,000 elements under -race.
			if diff := cmp.Diff(sent.Header, msgs[0].Header); diff != "" {
				t.Errorf("received header (-want +got):\n%s", diff)
			}
			if !bytes.Equal(sent.Data, msgs[0].Data) {
				t.Errorf("received a %d-byte payload that differs from the %d bytes sent", len(msgs[0].Data), len(sent.Data))
			}
			if diff := cmp.Diff(Source{PID: a.PID()}, src); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("SendMessages", func(t *testing.T) {
		c := ns.dial(t, familyUsersock, &Config{Peer: b.PID()})
		sent, err := c.SendMessages([]Message{
			{Header: Header{Type: MinType, Flags: Multi}, Data: []byte("one")},
			{Header: Header{Type: MinType, Flags: Multi}, Data: []byte("two")},
			{Header: Header{Type: Done, Flags: Multi}},
		})
		if err != nil {
			t.Fatalf("SendMessages: %v", err)
		}
		msgs, src := receiveWithin(t, b, 2*time.Second)
		if diff := cmp.Diff(sent, msgs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("one datagram of three messages (-want +got):\n%s", diff)
		}
		if src.PID != c.PID() {
			t.Errorf("source port %d, want %d", src.PID, c.PID())
		}
	})
}

// TestIntegrationUsersockMulticast sends to group 3 and checks that the
// three subscribers, made with JoinGroup and with the legacy mask, get it
// with Source.Group 3, and that Conns on other groups do not. Mask 3 means
// groups 1 and 2: group 3 is mask 1<<2.
func TestIntegrationUsersockMulticast(t *testing.T) {
	ns := newTestNS(t)
	const group = 3
	if GroupMask(group) != 1<<2 {
		t.Fatalf("GroupMask(3) = %#x, want 1<<2", GroupMask(group))
	}
	type member struct {
		name   string
		cfg    *Config
		join   []uint32
		groups []uint32 // as Groups() lists them
	}
	subscribers := []member{
		{name: "JoinGroup(3)", join: []uint32{group}, groups: []uint32{3}},
		{name: "Config.Groups=1<<2", cfg: &Config{Groups: 1 << 2}, groups: []uint32{3}},
		{name: "Config.Groups=GroupMask(3)|GroupMask(7)", cfg: &Config{Groups: GroupMask(3) | GroupMask(7)}, groups: []uint32{3, 7}},
	}
	others := []member{
		{name: "Config.Groups=3", cfg: &Config{Groups: 3}, groups: []uint32{1, 2}},
		{name: "JoinGroup(4)", join: []uint32{4}, groups: []uint32{4}},
	}
	dial := func(m member) *Conn {
		c := ns.dial(t, familyUsersock, m.cfg)
		for _, g := range m.join {
			if err := c.JoinGroup(g); err != nil {
				t.Fatalf("%s: JoinGroup(%d): %v", m.name, g, err)
			}
		}
		if gs, err := c.Groups(); err != nil || !slices.Equal(gs, m.groups) {
			t.Errorf("%s: Groups() = %v, %v; want %v", m.name, gs, err, m.groups)
		}
		return c
	}
	subs := make([]*Conn, len(subscribers))
	for i, m := range subscribers {
		subs[i] = dial(m)
	}
	outs := make([]*Conn, len(others))
	for i, m := range others {
		outs[i] = dial(m)
	}

	pub := ns.dial(t, familyUsersock, nil)
	m := Message{Header: Header{Type: MinType, Sequence: 42}, Data: []byte("to group 3")}
	sent := m
	sent.Header.Length, sent.Header.PID = uint32(MessageLen(len(m.Data))), pub.PID()
	// As SendTo documents, the kernel delivers to the groups, then also to
	// port 0, the kernel, which NETLINK_USERSOCK does not have: the send
	// fails with ECONNREFUSED although the multicast went out.
	if _, err := pub.SendTo(m, Addr{Groups: GroupMask(group)}); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("SendTo group %d with port 0: %v, want ECONNREFUSED", group, err)
	}
	for i, c := range subs {
		t.Run(subscribers[i].name, func(t *testing.T) {
			msgs, src := receiveWithin(t, c, 2*time.Second)
			if diff := cmp.Diff([]Message{sent}, msgs); diff != "" {
				t.Errorf("received (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(Source{PID: pub.PID(), Group: group}, src); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
		})
	}
	for i, c := range outs {
		t.Run(others[i].name, func(t *testing.T) { expectNothing(t, c, 50*time.Millisecond) })
	}
}

// TestIntegrationUsersockForgedReply has a third socket send the client a
// forged answer, with the right sequence number and the server's port in
// nlmsg_pid, before the server answers. Execute must return the server's
// reply only; the forgery is then available to Receive, from its real port.
func TestIntegrationUsersockForgedReply(t *testing.T) {
	ns := newTestNS(t)
	tests := []struct {
		name   string
		forged func(seq, srvPID uint32) Message
	}{
		{name: "reply", forged: func(seq, srvPID uint32) Message {
			return Message{Header: Header{Type: MinType + 1, Sequence: seq, PID: srvPID}, Data: []byte("forged")}
		}},
		{name: "error", forged: func(seq, srvPID uint32) Message {
			code := -int32(unix.EPERM)
			data := binary.NativeEndian.AppendUint32(nil, uint32(code))
			data = append(data, make([]byte, HeaderLen)...)
			return Message{Header: Header{Type: Error, Sequence: seq, PID: srvPID}, Data: data}
		}},
		{name: "done", forged: func(seq, srvPID uint32) Message {
			return Message{Header: Header{Type: Done, Flags: Multi, Sequence: seq, PID: srvPID}, Data: make([]byte, 4)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ns.dial(t, familyUsersock, nil)
			forger := ns.dial(t, familyUsersock, nil)
			client := ns.dial(t, familyUsersock, &Config{Peer: srv.PID()})

			type result struct {
				msgs []Message
				err  error
			}
			res := make(chan result, 1)
			go func() {
				msgs, err := client.Execute(Message{Header: Header{Type: MinType, Flags: Request}, Data: []byte("question")})
				res <- result{msgs, err}
			}()
			reqs, src := receiveWithin(t, srv, 2*time.Second)
			if len(reqs) != 1 || src.PID != client.PID() {
				t.Fatalf("server received %v from %+v", reqs, src)
			}
			seq := reqs[0].Header.Sequence
			forged, err := forger.SendTo(tt.forged(seq, srv.PID()), Addr{PID: client.PID()})
			if err != nil {
				t.Fatalf("forger SendTo: %v", err)
			}
			real, err := srv.SendTo(Message{Header: Header{Type: MinType + 1, Sequence: seq}, Data: []byte("real")}, Addr{PID: client.PID()})
			if err != nil {
				t.Fatalf("server SendTo: %v", err)
			}

			var r result
			select {
			case r = <-res:
			case <-time.After(5 * time.Second):
				t.Fatal("Execute did not return")
			}
			if r.err != nil {
				t.Fatalf("Execute: %v", r.err)
			}
			if diff := cmp.Diff([]Message{real}, r.msgs); diff != "" {
				t.Errorf("Execute's replies (-want +got):\n%s", diff)
			}
			msgs, from := receiveWithin(t, client, 2*time.Second)
			if diff := cmp.Diff([]Message{forged}, msgs); diff != "" {
				t.Errorf("the forgery, set aside for Receive (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(Source{PID: forger.PID()}, from); diff != "" {
				t.Errorf("the forgery's source (-want +got):\n%s", diff)
			}
		})
	}
}

// flood sends n multicast datagrams to group, each holding its index.
func flood(t *testing.T, pub *Conn, group uint32, n int) {
	t.Helper()
	for i := range n {
		m := Message{Header: Header{Type: MinType}, Data: binary.NativeEndian.AppendUint32(make([]byte, 0, 64), uint32(i))}
		m.Data = m.Data[:64]
		// ECONNREFUSED comes from the delivery to port 0 after the
		// multicast went out: see SendTo and TestIntegrationUsersockMulticast.
		if _, err := pub.SendTo(m, Addr{Groups: GroupMask(group)}); err != nil && !errors.Is(err, unix.ECONNREFUSED) {
			t.Fatalf("SendTo group %d, datagram %d: %v", group, i, err)
		}
	}
}

// TestIntegrationUsersockOverrun floods a subscriber with a small receive
// buffer: Receive reports the overrun as an error matching ErrOverrun and
// ENOBUFS, then goes on receiving new datagrams. With NoENOBUFS the loss
// goes unreported.
func TestIntegrationUsersockOverrun(t *testing.T) {
	ns := newTestNS(t)
	const group, n = 1, 5000
	tests := []struct {
		name     string
		noENOBUF bool
	}{
		{name: "reported"},
		{name: "NoENOBUFS", noENOBUF: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := ns.dial(t, familyUsersock, &Config{Groups: GroupMask(group)})
			if err := sub.SetReadBuffer(4096); err != nil {
				t.Fatalf("SetReadBuffer: %v", err)
			}
			if err := sub.SetOption(NoENOBUFS, tt.noENOBUF); err != nil {
				t.Fatalf("SetOption(NoENOBUFS): %v", err)
			}
			pub := ns.dial(t, familyUsersock, nil)
			flood(t, pub, group, n)

			var overruns, received int
			for {
				sub.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				_, err := sub.Receive()
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				switch {
				case err == nil:
					received++
				case errors.Is(err, ErrOverrun) && errors.Is(err, unix.ENOBUFS):
					overruns++
				default:
					t.Fatalf("Receive: %v, want a datagram or an overrun matching ErrOverrun and ENOBUFS", err)
				}
			}
			sub.SetReadDeadline(time.Time{})
			t.Logf("%d of %d datagrams received, %d overruns reported", received, n, overruns)
			if received >= n {
				t.Fatalf("all %d datagrams fitted in the receive buffer: no overrun to test", n)
			}
			if want := !tt.noENOBUF; (overruns > 0) != want {
				t.Errorf("%d overruns reported, want reported = %v", overruns, want)
			}

			// The Conn is still good: a new datagram arrives.
			_, err := pub.SendTo(Message{Header: Header{Type: MinType + 1}, Data: []byte("after")}, Addr{Groups: GroupMask(group)})
			if err != nil && !errors.Is(err, unix.ECONNREFUSED) { // see flood
				t.Fatalf("SendTo: %v", err)
			}
			msgs, src := receiveWithin(t, sub, 2*time.Second)
			if len(msgs) != 1 || string(msgs[0].Data) != "after" || src != (Source{PID: pub.PID(), Group: group}) {
				t.Errorf("after the overrun: received %v from %+v, want \"after\" from group %d", msgs, src, group)
			}
		})
	}
}

// TestIntegrationUsersockExecuteBacklog floods a client's multicast group
// before it executes a request: Execute queues the datagrams for Receive,
// up to its limit of 1024, drops the rest and still returns its reply;
// Receive then hands out the datagrams it kept, in order, and reports the
// loss after them as an overrun, which, as ErrOverrun documents, also
// matches ENOBUFS.
func TestIntegrationUsersockExecuteBacklog(t *testing.T) {
	ns := newTestNS(t)
	const group, n, kept = 1, 1500, 1024
	srv := ns.dial(t, familyUsersock, nil)
	serveUsersock(t, srv, func(req Message) []Message {
		return []Message{{Header: Header{Type: MinType + 1, Sequence: req.Header.Sequence}, Data: []byte("answer")}}
	})
	c := ns.dial(t, familyUsersock, &Config{Peer: srv.PID(), Groups: GroupMask(group)})
	if err := c.SetReadBuffer(16 << 20); err != nil {
		t.Fatalf("SetReadBuffer: %v", err)
	}
	pub := ns.dial(t, familyUsersock, nil)
	flood(t, pub, group, n)

	msgs, err := c.Execute(Message{Header: Header{Type: MinType, Flags: Request}})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(msgs) != 1 || string(msgs[0].Data) != "answer" {
		t.Fatalf("Execute returned %v, want the server's answer", msgs)
	}

	for i := range kept {
		msgs, src, err := c.ReceiveFrom()
		if err != nil {
			t.Fatalf("set-aside datagram %d: %v", i, err)
		}
		if len(msgs) != 1 || len(msgs[0].Data) < 4 || src != (Source{PID: pub.PID(), Group: group}) {
			t.Fatalf("set-aside datagram %d: %v from %+v", i, msgs, src)
		}
		if got := binary.NativeEndian.Uint32(msgs[0].Data); got != uint32(i) {
			t.Fatalf("set-aside datagram %d holds index %d", i, got)
		}
	}
	_, err = c.Receive()
	if !errors.Is(err, ErrOverrun) {
		t.Fatalf("Receive after the kept datagrams: %v, want ErrOverrun", err)
	}
	if !errors.Is(err, unix.ENOBUFS) {
		t.Errorf("Receive after the kept datagrams: %v matches ErrOverrun but not ENOBUFS", err)
	}
	// Execute consumed and dropped the rest.
	expectNothing(t, c, 50*time.Millisecond)
}

// TestIntegrationUsersockTooLarge sends a datagram larger than the
// receiver's MaxMessageSize: Receive and ReceiveEach report it as
// truncated and too large, drain it, and receive the next one.
func TestIntegrationUsersockTooLarge(t *testing.T) {
	ns := newTestNS(t)
	const limit = 256
	tests := []struct {
		name    string
		receive func(c *Conn) ([]Message, error)
	}{
		{name: "Receive", receive: func(c *Conn) ([]Message, error) { return c.Receive() }},
		{name: "ReceiveEach", receive: func(c *Conn) ([]Message, error) {
			var msgs []Message
			err := c.ReceiveEach(func(m Message, _ Source) bool {
				m.Data = bytes.Clone(m.Data)
				msgs = append(msgs, m)
				return true
			})
			return msgs, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ns.dial(t, familyUsersock, &Config{MaxMessageSize: limit})
			s := ns.dial(t, familyUsersock, &Config{Peer: r.PID()})
			if _, err := s.Send(Message{Header: Header{Type: MinType}, Data: make([]byte, 4*limit)}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			small, err := s.Send(Message{Header: Header{Type: MinType}, Data: []byte("small")})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			r.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = tt.receive(r)
			if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrTooLarge) {
				t.Errorf("receiving %d bytes with a %d-byte limit: %v, want ErrTruncated and ErrTooLarge", MessageLen(4*limit), limit, err)
			}
			msgs, err := tt.receive(r)
			if err != nil {
				t.Fatalf("receiving the next datagram: %v", err)
			}
			if diff := cmp.Diff([]Message{small}, msgs); diff != "" {
				t.Errorf("the next datagram (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIntegrationUsersockSendToFullReceiver fills a receiver's queue so
// that a unicast Send must wait, then drains it: the Send must complete
// once there is room, well before its write deadline.
func TestIntegrationUsersockSendToFullReceiver(t *testing.T) {
	ns := newTestNS(t)
	r := ns.dial(t, familyUsersock, nil)
	if err := r.SetReadBuffer(4096); err != nil {
		t.Fatalf("SetReadBuffer: %v", err)
	}
	s := ns.dial(t, familyUsersock, &Config{Peer: r.PID()})
	const n = 100
	const deadline = time.Second
	s.SetWriteDeadline(time.Now().Add(deadline))
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := s.Send(Message{Header: Header{Type: MinType}, Data: make([]byte, 512)}); err != nil {
				done <- fmt.Errorf("Send %d of %d: %w", i, n, err)
				return
			}
		}
		done <- nil
	}()
	time.Sleep(100 * time.Millisecond) // let the queue fill and the sender block
	start := time.Now()
	received := 0
	r.SetReadDeadline(time.Now().Add(deadline))
	for received < n {
		if _, err := r.Receive(); err != nil {
			t.Errorf("Receive after %d datagrams: %v", received, err)
			break
		}
		received++
	}
	if err := <-done; err != nil {
		t.Errorf("sender blocked by a full receiver, %v after the receiver began draining: %v", time.Since(start), err)
	}
	if received != n {
		t.Errorf("received %d of %d datagrams", received, n)
	}
}
