//go:build linux && vmtest

package netlink

// Integration tests of the library against the nlgo_test kernel module
// (internal/kmod), run inside a qemu VM by `go run ./internal/vmtest`: as
// root, then as the unprivileged user nobody, then again as root with the
// module reloaded under another protocol number. Unlike the module's own
// smoke tests, which speak raw netlink through x/sys/unix, these drive the
// real *Conn, so they prove the library against a real kernel peer.
//
// The scenarios are those of the seeds, the netlink tutorials the project
// started from: seed 000's "Hello you!" echo and "Greeting from kernel!"
// multicast, its nl_pid formulas, the nl_groups mask pitfall, seed 003's
// user-space client and server; and what real families do on top:
// acknowledgements, extended acks, batches, dumps across datagrams,
// interrupted dumps, truncation, overruns, privileges, attributes validated
// by the kernel's own nla_parse, and a generic netlink family. The example
// programs in examples/ run here too (TestIntegrationKmodExamples).
//
// Helpers here are prefixed km so that they cannot collide with those of
// the package's other test files.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// kmTimeout bounds every exchange and receive that should succeed: far more
// than any of them takes, even under TCG, but a hang fails fast instead of
// at the binary's -test.timeout.
const kmTimeout = 30 * time.Second

// kmQuietTime is how long a socket that should receive nothing is watched.
// Broadcasts and notifications are queued synchronously while the request
// that triggers them is processed, so by the time Execute has the ack,
// anything that was going to arrive has.
const kmQuietTime = 200 * time.Millisecond

// kmProto returns the module's protocol number: NLGO_KMOD_PROTO as set by
// the VM runner, or else the loaded module's parameter. Without the module
// the test is skipped (a failure under NLGO_STRICT).
func kmProto(t testing.TB) int {
	t.Helper()
	if s := os.Getenv("NLGO_KMOD_PROTO"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n >= 32 {
			t.Fatalf("NLGO_KMOD_PROTO=%q: want a protocol number 1..31", s)
		}
		return n
	}
	p, err := kmod.Protocol()
	if err != nil {
		testenv.Skip(t, err.Error())
	}
	return p
}

// kmUnprivileged reports whether this is the VM's unprivileged pass.
func kmUnprivileged() bool { return os.Getenv(testenv.UnprivilegedEnv) != "" }

// kmDial dials family (the module's protocol when family < 0) and closes
// the Conn when the test ends.
func kmDial(t testing.TB, family int, cfg *Config) *Conn {
	t.Helper()
	if family < 0 {
		family = kmProto(t)
	}
	c, err := Dial(family, cfg)
	if err != nil {
		t.Fatalf("Dial(%d, %+v): %v", family, cfg, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// kmMsg builds a request of the module's protocol; flags are added to
// Request.
func kmMsg(typ uint16, flags HeaderFlags, data []byte) Message {
	return Message{Header: Header{Type: HeaderType(typ), Flags: Request | flags}, Data: data}
}

// kmExecErr runs one exchange with kmTimeout.
func kmExecErr(c *Conn, m Message) ([]Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kmTimeout)
	defer cancel()
	return c.ExecuteContext(ctx, m)
}

// kmExec runs one exchange that must succeed.
func kmExec(t testing.TB, c *Conn, m Message) []Message {
	t.Helper()
	msgs, err := kmExecErr(c, m)
	if err != nil {
		t.Fatalf("Execute(%v): %v", m.Header, err)
	}
	return msgs
}

// kmRecvErr receives one datagram with timeout d.
func kmRecvErr(c *Conn, d time.Duration) ([]Message, Source, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	// Raw, NLMSG_ERROR included, as ReceiveEach hands messages over.
	var msgs []Message
	var from Source
	err := c.ReceiveEachContext(ctx, func(m Message, src Source) bool {
		m.Data = append([]byte(nil), m.Data...)
		msgs, from = append(msgs, m), src
		return true
	})
	return msgs, from, err
}

// kmRecv receives one datagram that must come.
func kmRecv(t testing.TB, c *Conn) ([]Message, Source) {
	t.Helper()
	msgs, src, err := kmRecvErr(c, kmTimeout)
	if err != nil {
		t.Fatalf("Receive on port %d: %v", c.PID(), err)
	}
	return msgs, src
}

// kmQuiet checks that nothing arrives on c.
func kmQuiet(t testing.TB, c *Conn, what string) {
	t.Helper()
	msgs, src, err := kmRecvErr(c, kmQuietTime)
	if err == nil {
		t.Errorf("%s received %d messages from %+v, want nothing: %v", what, len(msgs), src, msgs)
		return
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%s: Receive: %v, want nothing (a timeout)", what, err)
	}
}

// kmKernelMsg is a message as the module sends it: exact length (no
// padding counted), from the kernel (PID 0) unless a reply says otherwise.
func kmKernelMsg(typ uint16, flags HeaderFlags, seq, pid uint32, data []byte) Message {
	return Message{
		Header: Header{Length: uint32(HeaderLen + len(data)), Type: HeaderType(typ), Flags: flags, Sequence: seq, PID: pid},
		Data:   data,
	}
}

// TestIntegrationKmodHello is seed 000's first example through the library:
// send "Hello you!" to the kernel, which echoes it back, and print it.
func TestIntegrationKmodHello(t *testing.T) {
	c := kmDial(t, -1, nil)
	hello := []byte("Hello you!\x00")
	sent, err := c.Send(kmMsg(kmod.TypeEcho, 0, hello))
	if err != nil {
		t.Fatal(err)
	}
	msgs, src := kmRecv(t, c)
	want := []Message{kmKernelMsg(kmod.TypeEcho, 0, sent.Header.Sequence, c.PID(), hello)}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("echo (-want +got):\n%s", diff)
	}
	if src != (Source{}) {
		t.Errorf("echo came from %+v, want the kernel (zero Source)", src)
	}

	// The same through Execute, which matches the reply to the request.
	msgs = kmExec(t, c, kmMsg(kmod.TypeEcho, 0, hello))
	if len(msgs) != 1 || !bytes.Equal(msgs[0].Data, hello) || msgs[0].Header.PID != c.PID() {
		t.Fatalf("Execute echo: %v, want one reply %q to port %d", msgs, hello, c.PID())
	}
	t.Logf("Received message payload: %s (uid %d, port %d)", bytes.TrimRight(msgs[0].Data, "\x00"), os.Geteuid(), c.PID())
}

// TestIntegrationKmodPortFormulas binds the ports seed 000 computes: the
// process id (formula 1), and pthread_self() << 16 | getpid() (formula 2,
// with the thread id standing in for pthread_self, as a pthread_t does not
// fit in 16 bits).
func TestIntegrationKmodPortFormulas(t *testing.T) {
	t.Run("getpid", func(t *testing.T) {
		// The kernel's autobind gives the process id to the first socket
		// that binds without a port, so this needs every other Conn of
		// the process closed: tests here close theirs in Cleanup and do
		// not run in parallel.
		pid := uint32(os.Getpid())
		c := kmDial(t, -1, &Config{PID: pid})
		if c.PID() != pid {
			t.Fatalf("PID() = %d, want getpid() %d", c.PID(), pid)
		}
		msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, 0, []byte("Hello you!\x00")))
		if len(msgs) != 1 || msgs[0].Header.PID != pid {
			t.Fatalf("echo %v, want one reply addressed to port %d", msgs, pid)
		}
		// The port is taken now: a second socket cannot bind it.
		_, err := Dial(kmProto(t), &Config{PID: pid})
		var oe *OpError
		if !errors.Is(err, syscall.EADDRINUSE) || !errors.As(err, &oe) || oe.Op != "dial" {
			t.Errorf("second Dial with PID %d: %v, want a dial *OpError matching EADDRINUSE", pid, err)
		}
	})
	t.Run("thread<<16|getpid", func(t *testing.T) {
		const threads = 3
		proto := kmProto(t)
		type result struct {
			port uint32
			err  error
		}
		results := make(chan result, threads)
		release := make(chan struct{})
		for i := range threads {
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				port := uint32(unix.Gettid())<<16 | uint32(os.Getpid())
				r := result{port: port}
				c, err := Dial(proto, &Config{PID: port})
				if err != nil {
					r.err = err
					results <- r
					return
				}
				defer c.Close()
				payload := []byte(fmt.Sprintf("thread %d port %#x", i, port))
				msgs, err := kmExecErr(c, kmMsg(kmod.TypeEcho, 0, payload))
				switch {
				case err != nil:
					r.err = err
				case c.PID() != port:
					r.err = fmt.Errorf("bound port %#x, want %#x", c.PID(), port)
				case len(msgs) != 1 || msgs[0].Header.PID != port || !bytes.Equal(msgs[0].Data, payload):
					r.err = fmt.Errorf("echo %v, want %q to port %#x", msgs, payload, port)
				}
				results <- r
				// Hold the thread, and so the port, until every goroutine
				// has reported: each must have a thread of its own.
				<-release
			}()
		}
		ports := map[uint32]bool{}
		for range threads {
			r := <-results
			if r.err != nil {
				t.Errorf("port %#x: %v", r.port, r.err)
			}
			ports[r.port] = true
		}
		close(release)
		if len(ports) != threads {
			t.Errorf("%d distinct ports for %d threads: %v", len(ports), threads, ports)
		}
	})
}

// TestIntegrationKmodNotify is kernel-initiated unicast: the module sends
// to a port nobody asked it about, and Receive reports the kernel as the
// source, with sequence number 0.
func TestIntegrationKmodNotify(t *testing.T) {
	listener, s := kmDial(t, -1, nil), kmDial(t, -1, nil)
	data := []byte("Greeting from kernel!")
	if msgs := kmExec(t, s, kmMsg(kmod.TypeNotify, Acknowledge, kmod.NotifyRequest(listener.PID(), data))); len(msgs) != 0 {
		t.Errorf("NOTIFY with ack returned %v, want nothing", msgs)
	}
	msgs, src := kmRecv(t, listener)
	want := []Message{kmKernelMsg(kmod.TypeNotify, 0, 0, 0, data)}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	if src != (Source{}) {
		t.Errorf("notification came from %+v, want the kernel (zero Source)", src)
	}
	kmQuiet(t, s, "the requesting socket")

	// A notification to the requester itself arrives before the ack that
	// ends Execute: Execute sets it aside and Receive returns it.
	if msgs := kmExec(t, s, kmMsg(kmod.TypeNotify, Acknowledge, kmod.NotifyRequest(s.PID(), []byte("to myself")))); len(msgs) != 0 {
		t.Errorf("NOTIFY to self returned %v, want nothing", msgs)
	}
	msgs, src = kmRecv(t, s)
	want = []Message{kmKernelMsg(kmod.TypeNotify, 0, 0, 0, []byte("to myself"))}
	if diff := cmp.Diff(want, msgs); diff != "" || src != (Source{}) {
		t.Errorf("notification set aside by Execute, from %+v (-want +got):\n%s", src, diff)
	}

	// Nobody holds the port: the kernel's error comes back from Execute.
	closed := kmDial(t, -1, nil)
	port := closed.PID()
	closed.Close()
	_, err := kmExecErr(s, kmMsg(kmod.TypeNotify, Acknowledge, kmod.NotifyRequest(port, nil)))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("NOTIFY to a closed port: %v, want ECONNREFUSED", err)
	}
}

// TestIntegrationKmodAck checks NLM_F_ACK: Execute consumes the
// acknowledgement, Send and Receive show it.
func TestIntegrationKmodAck(t *testing.T) {
	c := kmDial(t, -1, nil)
	msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, Acknowledge, []byte("ack me")))
	if len(msgs) != 1 || string(msgs[0].Data) != "ack me" {
		t.Fatalf("ECHO with ack: %v, want the echo alone", msgs)
	}
	// An ERROR request with errno 0 succeeds: only the ack comes.
	if msgs := kmExec(t, c, kmMsg(kmod.TypeError, Acknowledge, kmod.ErrorRequest(0, 0))); len(msgs) != 0 {
		t.Errorf("ERROR 0 with ack: %v, want nothing", msgs)
	}
	// A dump asked to acknowledge: Execute reads through NLMSG_DONE and
	// leaves nothing behind.
	if msgs := kmExec(t, c, kmMsg(kmod.TypeDump, Dump|Acknowledge, kmod.DumpRequest(5))); len(msgs) != 5 {
		t.Errorf("DUMP of 5 with ack: %d messages", len(msgs))
	}
	kmQuiet(t, c, "after Execute consumed the acks")

	// Without NLM_F_ACK a successful ERROR request gets no answer at all:
	// Execute waits until its context gives up, and the Conn stays usable.
	ctx, cancel := context.WithTimeout(context.Background(), kmQuietTime)
	defer cancel()
	if _, err := c.ExecuteContext(ctx, kmMsg(kmod.TypeError, 0, kmod.ErrorRequest(0, 0))); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ERROR 0 without ack: %v, want context.DeadlineExceeded", err)
	}
	if msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, 0, []byte("still there"))); len(msgs) != 1 || string(msgs[0].Data) != "still there" {
		t.Errorf("echo after the abandoned exchange: %v", msgs)
	}

	sent, err := c.Send(kmMsg(kmod.TypeEcho, Acknowledge, []byte("ack me")))
	if err != nil {
		t.Fatal(err)
	}
	var got []Message
	for len(got) < 2 {
		msgs, _ := kmRecv(t, c)
		got = append(got, msgs...)
	}
	if len(got) != 2 || got[0].Header.Type != HeaderType(kmod.TypeEcho) || got[1].Header.Type != Error {
		t.Fatalf("got %v, want the echo then an NLMSG_ERROR", got)
	}
	if err := CheckMessage(got[1]); err != nil {
		t.Errorf("CheckMessage(ack): %v", err)
	}
	a, err := ParseAck(got[1])
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != 0 || a.Request.Header.Sequence != sent.Header.Sequence || a.Request.Header.Type != HeaderType(kmod.TypeEcho) {
		t.Errorf("ack %+v, want code 0 echoing request %v", a, sent.Header)
	}
	if got[1].Header.Sequence != sent.Header.Sequence || got[1].Header.PID != c.PID() {
		t.Errorf("ack header %v, want seq %d pid %d", got[1].Header, sent.Header.Sequence, c.PID())
	}
}

// TestIntegrationKmodBatch sends several requests in one datagram with
// SendMessages. The kernel handles them in order, answering each, an
// error included, and goes on after the error.
func TestIntegrationKmodBatch(t *testing.T) {
	c := kmDial(t, -1, &Config{Strict: true})
	sent, err := c.SendMessages([]Message{
		kmMsg(kmod.TypeEcho, 0, []byte("first")),
		kmMsg(kmod.TypeEcho, Acknowledge, []byte("second")),
		kmMsg(kmod.TypeError, 0, kmod.ErrorRequest(int32(unix.EPERM), 0)),
		kmMsg(kmod.TypeEcho, 0, []byte("after the error")),
	})
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[uint32]bool{}
	for _, m := range sent {
		seqs[m.Header.Sequence] = true
	}
	if len(seqs) != 4 || seqs[0] {
		t.Fatalf("SendMessages filled sequences %v, want 4 distinct non-zero", sent)
	}
	var got []Message
	for len(got) < 5 {
		msgs, src := kmRecv(t, c)
		if src != (Source{}) {
			t.Fatalf("datagram from %+v", src)
		}
		got = append(got, msgs...)
	}
	type reply struct {
		Seq  uint32
		Type HeaderType
		Data string
		Err  error
	}
	var want, have []reply
	for _, w := range []struct {
		i   int
		typ HeaderType
		err error
	}{{0, HeaderType(kmod.TypeEcho), nil}, {1, HeaderType(kmod.TypeEcho), nil}, {1, Error, nil}, {2, Error, unix.EPERM}, {3, HeaderType(kmod.TypeEcho), nil}} {
		r := reply{Seq: sent[w.i].Header.Sequence, Type: w.typ, Err: w.err}
		if w.typ != Error {
			r.Data = string(sent[w.i].Data)
		}
		want = append(want, r)
	}
	for _, m := range got {
		r := reply{Seq: m.Header.Sequence, Type: m.Header.Type}
		if m.Header.Type == Error {
			if err := CheckMessage(m); err != nil {
				r.Err = err.(*OpError).Err
			}
		} else {
			r.Data = string(m.Data)
		}
		have = append(have, r)
	}
	if diff := cmp.Diff(want, have, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	kmQuiet(t, c, "after the batch")
}

// kmCheckRawError sends an ERROR request and reads the NLMSG_ERROR
// through Receive: its flags say whether it was capped and carries TLVs,
// and ParseAck and CheckMessage read it as Execute did.
func kmCheckRawError(t *testing.T, c *Conn, payload []byte, errno syscall.Errno, capped, tlvs bool, want ExtAck) {
	t.Helper()
	sent, err := c.Send(kmMsg(kmod.TypeError, 0, payload))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := kmRecv(t, c)
	if len(got) != 1 || got[0].Header.Type != Error {
		t.Fatalf("received %v, want one NLMSG_ERROR", got)
	}
	flags := got[0].Header.Flags
	if (flags&Capped != 0) != capped || (flags&AcknowledgeTLVs != 0) != tlvs {
		t.Errorf("NLMSG_ERROR flags %s: want capped %v, ack-tlvs %v", flags.Format(AckFlags), capped, tlvs)
	}
	a, err := ParseAck(got[0])
	if err != nil {
		t.Fatal(err)
	}
	wantData := payload
	if capped {
		wantData = nil
	}
	if a.Errno() != errno || a.Request.Header.Sequence != sent.Header.Sequence ||
		!bytes.Equal(a.Request.Data, wantData) {
		t.Errorf("ack %+v, want errno %v, request seq %d with payload % x", a, errno, sent.Header.Sequence, wantData)
	}
	if diff := cmp.Diff(want, a.ExtAck); diff != "" {
		t.Errorf("ParseAck extended ack (-want +got):\n%s", diff)
	}
	if err := CheckMessage(got[0]); !errors.Is(err, errno) {
		t.Errorf("CheckMessage: %v, want %v", err, errno)
	}
}

// TestIntegrationKmodError checks error replies: Execute's *OpError, with
// and without extended acks and NETLINK_CAP_ACK, and the same NLMSG_ERROR
// read raw through Receive and ParseAck.
func TestIntegrationKmodError(t *testing.T) {
	configs := []struct {
		name          string
		strict, ext   bool
		capAck        bool
		wantExtAckMsg bool
	}{
		{name: "plain"},
		{name: "ExtendedAcknowledge", ext: true, wantExtAckMsg: true},
		{name: "ExtendedAcknowledge+CapAcknowledge", ext: true, capAck: true, wantExtAckMsg: true},
		{name: "Strict+CapAcknowledge", strict: true, capAck: true, wantExtAckMsg: true},
		{name: "CapAcknowledge", capAck: true},
	}
	requests := []struct {
		name    string
		payload []byte
		errno   syscall.Errno
		is      error // another error errors.Is must match
		message string
		offset  uint32
	}{
		{"ENOENT at offset 20", kmod.ErrorRequest(int32(unix.ENOENT), 20), unix.ENOENT, os.ErrNotExist, kmod.ErrorMessage, 20},
		{"EPERM at the payload", kmod.ErrorRequest(int32(unix.EPERM), HeaderLen), unix.EPERM, os.ErrPermission, kmod.ErrorMessage, HeaderLen},
		{"EBUSY without offset", kmod.ErrorRequest(int32(unix.EBUSY), 0), unix.EBUSY, unix.EBUSY, kmod.ErrorMessage, 0},
		{"offset outside the request", kmod.ErrorRequest(int32(unix.EIO), 24), unix.EINVAL, unix.EINVAL, "nlgo_test: bad_offset outside the request", 0},
	}
	for _, cf := range configs {
		t.Run(cf.name, func(t *testing.T) {
			c := kmDial(t, -1, &Config{Strict: cf.strict})
			if cf.ext {
				if err := c.SetOption(ExtendedAcknowledge, true); err != nil {
					t.Fatal(err)
				}
			}
			if cf.capAck {
				if err := c.SetOption(CapAcknowledge, true); err != nil {
					t.Fatal(err)
				}
			}
			for _, rq := range requests {
				t.Run(rq.name, func(t *testing.T) {
					want := ExtAck{}
					if cf.wantExtAckMsg {
						want = ExtAck{Message: rq.message, Offset: rq.offset}
					}
					msgs, err := kmExecErr(c, kmMsg(kmod.TypeError, 0, rq.payload))
					var oe *OpError
					if !errors.As(err, &oe) {
						t.Fatalf("Execute: %v (%d messages), want an *OpError", err, len(msgs))
					}
					if !errors.Is(err, rq.errno) || !errors.Is(err, rq.is) || oe.Err != rq.errno {
						t.Errorf("error %v (Err %#v), want the bare errno %v matching %v", err, oe.Err, rq.errno, rq.is)
					}
					if oe.Op != "execute" || oe.Sequence == 0 || oe.Request.Sequence != oe.Sequence ||
						oe.Request.Type != HeaderType(kmod.TypeError) || oe.Request.PID != c.PID() {
						t.Errorf("OpError op %q seq %d request %v, want execute, the request's header", oe.Op, oe.Sequence, oe.Request)
					}
					if diff := cmp.Diff(want, oe.ExtAck); diff != "" {
						t.Errorf("extended ack (-want +got):\n%s", diff)
					}

					kmCheckRawError(t, c, rq.payload, rq.errno, cf.capAck, cf.wantExtAckMsg, want)
				})
			}
		})
	}
}
