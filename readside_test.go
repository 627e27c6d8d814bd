package netlink_test

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// Regression tests for the read side (issue 10), on nltest, through the
// public API only: defects 1 to 6 here, one test each; many requests in
// flight at once in readside_concurrency_test.go. Every wait is bounded
// by a context, a deadline or a timer, so that a defect fails its test
// instead of hanging the run. The fixture is in readside_fixture_test.go.

// Defect 1: a Receive blocked on a Conn must not take an Execute's
// replies. Today the Receive returns them as if they were a notification,
// and the Execute waits until its deadline.
func TestReadSideBlockedReceiveKeepsOffReplies(t *testing.T) {
	const count = 20
	tests := []struct {
		name    string
		req     netlink.Message
		want    []summary
		wantErr error
	}{
		{name: "one reply", req: rsRequest(rsGet, 0, 1, 7), want: []summary{{Type: rsReply, Token: 1, N: 7}}},
		{name: "reply and ack", req: rsRequest(rsGet, netlink.Acknowledge, 2, 7), want: []summary{{Type: rsReply, Token: 2, N: 7}}},
		{name: "dump", req: rsRequest(rsDump, netlink.Dump, 3, count), want: dumpSummary(3, count)},
		{name: "error", req: rsRequest(rsFail, 0, 4, 0), wantErr: syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, nil)
			type result struct {
				msgs []netlink.Message
				err  error
			}
			blocked := make(chan result, 1)
			go func() {
				msgs, _, err := receiveWithin(c, 3*rsWait)
				blocked <- result{msgs, err}
			}()
			// Give the Receive time to block on the socket. Should it not
			// have by then, the test passes without testing anything: it
			// cannot fail spuriously.
			time.Sleep(50 * time.Millisecond)

			start := time.Now()
			msgs, err := rsExecute(c, tt.req)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Execute, after %v: %v, want %v", time.Since(start).Round(time.Millisecond), err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(msgs)); diff != "" {
				t.Errorf("Execute's replies (-want +got):\n%s", diff)
			}

			// The Receive must still be waiting, and get the next datagram
			// for it: the marker, not a reply.
			f.sendMarker(t, c)
			select {
			case r := <-blocked:
				if r.err != nil {
					t.Fatalf("the blocked Receive: %v, want the marker", r.err)
				}
				if diff := cmp.Diff([]summary{{Type: rsMarker}}, summarize(r.msgs)); diff != "" {
					t.Errorf("the blocked Receive returned (-want +got):\n%s", diff)
				}
			case <-time.After(rsWait):
				t.Fatal("the blocked Receive did not return the marker")
			}
		})
	}
}

// dumpSummary is the summary of the dump an rsDump with token and count
// returns.
func dumpSummary(token, count uint32) []summary {
	out := make([]summary, count)
	for i := range out {
		out[i] = summary{Type: rsReply, Token: token, N: uint32(i), Multi: true}
	}
	return out
}

// Defect 2: the reply to a Send must reach Receive even while an Execute
// is reading. Today the Execute drops it as a reply to an abandoned
// request, because its sequence number lies in the range handed out.
func TestReadSideSendReplyReachesReceive(t *testing.T) {
	t.Run("queued before the Execute's reply", func(t *testing.T) {
		f := newRSKernel()
		c := f.dial(t, rsFamily, nil)
		sent, err := c.Send(rsRequest(rsGet, 0, 1, 0))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		msgs, err := rsExecute(c, rsRequest(rsGet, 0, 2, 0))
		if err != nil {
			t.Fatalf("Execute: %v", err)
		}
		wantReply(t, c, msgs, 2, 0)
		r := f.receiveRest(t, c)
		if diff := cmp.Diff([]summary{{Type: rsReply, Token: 1}}, summarize(r.msgs)); diff != "" {
			t.Errorf("Receive after the Execute, the reply to the Send (-want +got):\n%s", diff)
		}
		if len(r.msgs) == 1 && r.msgs[0].Header.Sequence != sent.Header.Sequence {
			t.Errorf("the Send's reply has sequence %d, want %d", r.msgs[0].Header.Sequence, sent.Header.Sequence)
		}
		if len(r.errs) > 0 {
			t.Errorf("Receive errors: %v", r.errs)
		}
	})
	t.Run("arriving while the Execute waits", func(t *testing.T) {
		// A user-space peer, played by hand: the Execute's request is
		// sent first, the Send's after it, and the peer answers the Send
		// first.
		f := newRSKernel()
		srv := f.dial(t, rsUserFamily, nil)
		c := f.dial(t, rsUserFamily, &netlink.Config{Peer: srv.PID()})
		type result struct {
			msgs []netlink.Message
			err  error
		}
		done := make(chan result, 1)
		go func() {
			msgs, err := rsExecute(c, rsRequest(rsGet, 0, 2, 0))
			done <- result{msgs, err}
		}()
		execReq := serverReceive(t, srv)
		sent, err := c.Send(rsRequest(rsGet, 0, 1, 0))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		sendReq := serverReceive(t, srv)
		for _, req := range []netlink.Message{sendReq, execReq} {
			token, _, _ := rsFields(req.Data)
			if _, err := srv.SendTo(rsMessage(rsReply, req.Header.Sequence, token), netlink.Addr{PID: c.PID()}); err != nil {
				t.Fatalf("server SendTo: %v", err)
			}
		}
		var res result
		select {
		case res = <-done:
		case <-time.After(2 * rsWait):
			t.Fatal("Execute did not return")
		}
		if res.err != nil {
			t.Fatalf("Execute: %v", res.err)
		}
		if diff := cmp.Diff([]summary{{Type: rsReply, Token: 2}}, summarize(res.msgs)); diff != "" {
			t.Errorf("Execute's replies (-want +got):\n%s", diff)
		}
		msgs, src, err := receiveWithin(c, rsWait)
		if err != nil {
			t.Fatalf("Receive of the Send's reply: %v", err)
		}
		if diff := cmp.Diff([]summary{{Type: rsReply, Token: 1}}, summarize(msgs)); diff != "" {
			t.Errorf("Receive, the reply to the Send (-want +got):\n%s", diff)
		}
		if len(msgs) == 1 && (msgs[0].Header.Sequence != sent.Header.Sequence || src.PID != srv.PID()) {
			t.Errorf("the Send's reply: sequence %d from port %d, want %d from %d",
				msgs[0].Header.Sequence, src.PID, sent.Header.Sequence, srv.PID())
		}
	})
}

// serverReceive receives one request on srv within rsWait.
func serverReceive(t testing.TB, srv *netlink.Conn) netlink.Message {
	t.Helper()
	msgs, _, err := receiveWithin(srv, rsWait)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("server: received %v, %v; want one request", msgs, err)
	}
	return msgs[0]
}

// Defect 3: Execute called from inside an ExecuteEach or a ReceiveEach
// callback, a follow-up request per entry, must work. Today it deadlocks,
// both locks being held while the callback runs, and Close does not
// release it.
func TestReadSideExecuteInCallback(t *testing.T) {
	const entries = 5
	tests := []struct {
		name string
		// setup prepares the entries, on the test's goroutine.
		setup func(t *testing.T, f *rsKernel, c *netlink.Conn)
		// run calls follow from inside a callback, once per entry, and
		// returns the entries its callback saw.
		run func(c *netlink.Conn, follow func(entry uint32) error) ([]uint32, error)
	}{
		{
			name:  "ExecuteEach",
			setup: func(*testing.T, *rsKernel, *netlink.Conn) {},
			run: func(c *netlink.Conn, follow func(uint32) error) ([]uint32, error) {
				var seen []uint32
				var ferr error
				err := c.ExecuteEach(rsRequest(rsDump, netlink.Dump, 100, entries), func(m netlink.Message) bool {
					_, i, _ := rsFields(m.Data)
					seen = append(seen, i)
					ferr = errors.Join(ferr, follow(i))
					return true
				})
				return seen, errors.Join(err, ferr)
			},
		},
		{
			name: "ReceiveEach",
			setup: func(t *testing.T, f *rsKernel, c *netlink.Conn) {
				if err := c.JoinGroup(rsGroup); err != nil {
					t.Fatalf("JoinGroup: %v", err)
				}
				var ns []netlink.Message
				for i := range uint32(entries) {
					ns = append(ns, rsMessage(rsNotify, 0, i))
				}
				f.broadcast(t, ns...)
			},
			run: func(c *netlink.Conn, follow func(uint32) error) ([]uint32, error) {
				var seen []uint32
				var ferr error
				err := c.ReceiveEach(func(m netlink.Message, _ netlink.Source) bool {
					token, _, _ := rsFields(m.Data)
					seen = append(seen, token)
					ferr = errors.Join(ferr, follow(token))
					return true
				})
				return seen, errors.Join(err, ferr)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, nil)
			tt.setup(t, f, c)
			follow := func(entry uint32) error {
				msgs, err := rsExecute(c, rsRequest(rsGet, 0, 1000+entry, entry))
				if err != nil {
					return fmt.Errorf("follow-up %d: %w", entry, err)
				}
				if diff := cmp.Diff([]summary{{Type: rsReply, Token: 1000 + entry, N: entry}}, summarize(msgs)); diff != "" {
					return fmt.Errorf("follow-up %d (-want +got):\n%s", entry, diff)
				}
				return nil
			}
			type result struct {
				seen []uint32
				err  error
			}
			done := make(chan result, 1)
			go func() {
				seen, err := tt.run(c, follow)
				done <- result{seen, err}
			}()
			select {
			case r := <-done:
				if r.err != nil {
					t.Error(r.err)
				}
				if diff := cmp.Diff([]uint32{0, 1, 2, 3, 4}, r.seen); diff != "" {
					t.Errorf("entries the callback saw (-want +got):\n%s", diff)
				}
			case <-time.After(3 * rsWait):
				t.Errorf("%s with an Execute in its callback did not return within %v: deadlocked", tt.name, 3*rsWait)
				closeReleases(t, c, done)
			}
		})
	}

	// An Execute in a callback that nobody answers, without a deadline:
	// Close must release it, and the call it is made from, at once.
	for _, tt := range tests {
		t.Run(tt.name+"/Close releases", func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, nil)
			tt.setup(t, f, c)
			var calls int
			innerErr := make(chan error, 1)
			follow := func(entry uint32) error {
				if calls++; calls == 1 {
					_, err := c.Execute(rsRequest(rsHeld, 0, entry, 0))
					innerErr <- err
				}
				return nil
			}
			done := make(chan error, 1)
			go func() {
				_, err := tt.run(c, follow)
				done <- err
			}()
			select {
			case <-f.held:
			case <-time.After(rsWait):
				t.Errorf("the Execute in the callback did not send its request within %v", rsWait)
			}
			closeReleases(t, c, done)
			select {
			case err := <-innerErr:
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("the Execute in the callback, after Close: %v, want net.ErrClosed", err)
				}
			default:
				t.Errorf("the Execute in the callback did not return")
			}
		})
	}
}

// closeReleases closes c and fails the test unless a value arrives on
// done within rsWait: Close must release whatever is blocked on c.
func closeReleases[T any](t *testing.T, c *netlink.Conn, done <-chan T) {
	t.Helper()
	start := time.Now()
	c.Close()
	select {
	case <-done:
		if d := time.Since(start); d > rsWait/2 {
			t.Errorf("Close took %v to release the blocked calls", d)
		}
	case <-time.After(rsWait):
		t.Errorf("Close did not release the blocked calls within %v", rsWait)
	}
}

// Defect 4: a peer that answers with two messages carrying the request's
// sequence number, neither with NLM_F_MULTI, in one datagram or in two.
// Nothing may be lost. The assumption these tests make: the first message
// without NLM_F_MULTI completes the exchange (Execute documents "a single
// reply"), so Execute returns it; the second is not part of the exchange,
// which is over, and not a reply to an abandoned request, so it is
// unsolicited and reaches Receive, even when another Execute reads it.
// Today the second is dropped in both cases (in one datagram by the
// exchange that completed, in two by the next exchange); only the case
// where Receive reads it first works.
func TestReadSideNonMultipartExtraReaches(t *testing.T) {
	tests := []struct {
		name      string
		datagrams uint32 // rsTwice's count: 1 puts both in one datagram
		between   bool   // another Execute before the Receive
	}{
		{name: "one datagram", datagrams: 1},
		{name: "one datagram, then another Execute", datagrams: 1, between: true},
		{name: "two datagrams", datagrams: 2},
		{name: "two datagrams, then another Execute", datagrams: 2, between: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, nil)
			msgs, err := rsExecute(c, rsRequest(rsTwice, 0, 7, tt.datagrams))
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if diff := cmp.Diff([]summary{{Type: rsReply, Token: 7, N: 1}}, summarize(msgs)); diff != "" {
				t.Errorf("Execute's replies (-want +got):\n%s", diff)
			}
			if tt.between {
				msgs, err := rsExecute(c, rsRequest(rsGet, 0, 8, 0))
				if err != nil {
					t.Fatalf("the Execute between: %v", err)
				}
				wantReply(t, c, msgs, 8, 0)
			}
			r := f.receiveRest(t, c)
			if diff := cmp.Diff([]summary{{Type: rsReply, Token: 7, N: 2}}, summarize(r.msgs)); diff != "" {
				t.Errorf("Receive, the second message (-want +got):\n%s", diff)
			}
			if len(r.errs) > 0 {
				t.Errorf("Receive errors: %v", r.errs)
			}
		})
	}
}

// Defect 5: after an Execute fails with ErrOverrun, the next Execute
// succeeds. A notification is queued, then the overrun: the kernel keeps
// the socket congested, dropping everything for it, until a read empties
// the queue, and reports ENOBUFS once per episode. Today the first
// Execute returns on ENOBUFS with the notification still queued, so the
// second one's reply is dropped and it times out. Receive must then see
// the notification and report the overrun once.
func TestReadSideOverrunRecovery(t *testing.T) {
	f := newRSKernel()
	c := f.dial(t, rsFamily, nil)
	if err := c.JoinGroup(rsGroup); err != nil {
		t.Fatalf("JoinGroup: %v", err)
	}
	f.broadcast(t, rsMessage(rsNotify, 0, 1))
	f.k.InjectOverrun(c)

	_, err := rsExecute(c, rsRequest(rsGet, 0, 2, 0))
	if !errors.Is(err, netlink.ErrOverrun) || !errors.Is(err, syscall.ENOBUFS) {
		t.Errorf("the Execute after the overrun: %v, want ErrOverrun and ENOBUFS", err)
	}
	start := time.Now()
	msgs, err := rsExecute(c, rsRequest(rsGet, 0, 3, 0))
	if err != nil {
		t.Fatalf("the next Execute, after %v: %v, want its reply", time.Since(start).Round(time.Millisecond), err)
	}
	wantReply(t, c, msgs, 3, 0)

	r := f.receiveRest(t, c)
	if diff := cmp.Diff([]summary{{Type: rsNotify, Token: 1}}, summarize(r.msgs)); diff != "" {
		t.Errorf("Receive, the notification queued before the overrun (-want +got):\n%s", diff)
	}
	n, others := overruns(r.errs)
	if n != 1 || len(others) > 0 {
		t.Errorf("Receive reported %d overruns and errors %v, want the overrun once", n, others)
	}
}

// Defect 6: a datagram larger than MaxMessageSize from another port must
// not fail or stall an Execute: it is not a reply, so it costs a read and
// goes where unsolicited datagrams go. There, as if Receive had read it
// itself, the loss is reported as an error matching ErrTooLarge and
// ErrTruncated. Today the Execute that reads it fails, because the size
// is checked before the sender.
func TestReadSideOversizedFromOtherPort(t *testing.T) {
	const limit = 256
	big, err := netlink.Message{Header: netlink.Header{Type: rsNotify, PID: 4242}, Data: make([]byte, 4*limit)}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  netlink.Source
	}{
		{name: "unicast", src: netlink.Source{PID: 4242}},
		{name: "multicast", src: netlink.Source{PID: 4242, Group: rsGroup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, &netlink.Config{MaxMessageSize: limit})
			f.k.InjectRaw(c, tt.src, big)
			msgs, err := rsExecute(c, rsRequest(rsGet, 0, 1, 0))
			if err != nil {
				t.Fatalf("Execute with a %d-byte datagram from port %d queued: %v", len(big), tt.src.PID, err)
			}
			wantReply(t, c, msgs, 1, 0)
			r := f.receiveRest(t, c)
			if len(r.msgs) > 0 {
				t.Errorf("Receive returned %v, want nothing but the error", summarize(r.msgs))
			}
			if len(r.errs) != 1 || !errors.Is(r.errs[0], netlink.ErrTooLarge) || !errors.Is(r.errs[0], netlink.ErrTruncated) {
				t.Errorf("Receive errors %v, want one matching ErrTooLarge and ErrTruncated", r.errs)
			}
		})
	}
}

// NLMSG_ERROR with a non-zero code through Receive returns an *OpError,
// as mdlayher/netlink does; the messages around it in the datagram are
// not lost, whether Receive returns them with the error or in calls of
// their own. An acknowledgement (code 0) is a message like any other.
// Today Receive returns the NLMSG_ERROR as a message and no error.
func TestReadSideReceiveErrorMessage(t *testing.T) {
	const seq = 77 // never issued: the Conn has sent nothing
	einval := nltest.Error(syscall.EINVAL, netlink.Message{Header: netlink.Header{Type: rsFail, Flags: netlink.Request, Sequence: seq}})
	ack := nltest.Error(nil, netlink.Message{Header: netlink.Header{Type: rsFail, Flags: netlink.Request, Sequence: seq}})
	before, after := rsMessage(rsNotify, seq, 1), rsMessage(rsNotify, seq, 2)
	type opError struct {
		Errno    bool // matches EINVAL
		Sequence uint32
		Request  netlink.HeaderType
	}
	tests := []struct {
		name     string
		datagram []netlink.Message
		want     []summary
		wantErrs []opError
	}{
		{name: "error alone", datagram: []netlink.Message{einval},
			wantErrs: []opError{{Errno: true, Sequence: seq, Request: rsFail}}},
		{name: "error after a message", datagram: []netlink.Message{before, einval},
			want: []summary{{Type: rsNotify, Token: 1}}, wantErrs: []opError{{Errno: true, Sequence: seq, Request: rsFail}}},
		{name: "error between messages", datagram: []netlink.Message{before, einval, after},
			want:     []summary{{Type: rsNotify, Token: 1}, {Type: rsNotify, Token: 2}},
			wantErrs: []opError{{Errno: true, Sequence: seq, Request: rsFail}}},
		{name: "acknowledgement", datagram: []netlink.Message{before, ack},
			want: []summary{{Type: rsNotify, Token: 1}, {Type: netlink.Error}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRSKernel()
			c := f.dial(t, rsFamily, nil)
			f.unicast(t, c, tt.datagram...)
			r := f.receiveRest(t, c)
			if diff := cmp.Diff(tt.want, summarize(r.msgs)); diff != "" {
				t.Errorf("messages Receive returned (-want +got):\n%s", diff)
			}
			var errs []opError
			for _, err := range r.errs {
				var oe *netlink.OpError
				if !errors.As(err, &oe) {
					t.Errorf("Receive: %v (%T), want an *OpError", err, err)
					continue
				}
				errs = append(errs, opError{Errno: errors.Is(err, syscall.EINVAL), Sequence: oe.Sequence, Request: oe.Request.Type})
			}
			if diff := cmp.Diff(tt.wantErrs, errs); diff != "" {
				t.Errorf("errors Receive returned (-want +got):\n%s", diff)
			}
		})
	}
}
