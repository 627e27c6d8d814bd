package netlink

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the portable Conn logic over fakeSocket: no kernel involved.

const testPID = 1234

// msgOf builds a Message as the parser returns it: Length set, no padding.
func msgOf(typ HeaderType, flags HeaderFlags, seq, pid uint32, data []byte) Message {
	return Message{Header: Header{Length: uint32(MessageLen(len(data))), Type: typ, Flags: flags, Sequence: seq, PID: pid}, Data: data}
}

// equateEmpty treats nil and empty payloads alike in diffs.
var equateEmpty = cmpopts.EquateEmpty()

// within runs fn and fails the test if it has not returned after d.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// wantOpError checks that err is an *OpError with Op op matching every one
// of targets.
func wantOpError(t *testing.T, err error, op string, targets ...error) *OpError {
	t.Helper()
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *OpError", err, err)
	}
	if oe.Op != op {
		t.Errorf("OpError.Op = %q, want %q (error %v)", oe.Op, op, err)
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("error %v does not match %v", err, target)
		}
	}
	return oe
}

func TestSendFillsHeader(t *testing.T) {
	data3 := []byte{1, 2, 3}
	tests := []struct {
		name     string
		in       Message
		wantHdr  Header
		wantWire []byte
	}{
		{
			name:     "fills length sequence and pid",
			in:       Message{Header: Header{Type: 20, Flags: Request}, Data: data3},
			wantHdr:  Header{Length: 19, Type: 20, Flags: Request, Sequence: 101, PID: testPID},
			wantWire: rawMessage(20, Request, 101, testPID, data3),
		},
		{
			name:     "keeps explicit sequence and pid",
			in:       Message{Header: Header{Type: 20, Flags: Request, Sequence: 77, PID: 99}, Data: data3},
			wantHdr:  Header{Length: 19, Type: 20, Flags: Request, Sequence: 77, PID: 99},
			wantWire: rawMessage(20, Request, 77, 99, data3),
		},
		{
			name:     "replaces a wrong length",
			in:       Message{Header: Header{Length: 999, Type: 20}},
			wantHdr:  Header{Length: 16, Type: 20, Sequence: 101, PID: testPID},
			wantWire: rawMessage(20, 0, 101, testPID, nil),
		},
		{
			name:     "pads the payload",
			in:       Message{Header: Header{Type: 20}, Data: []byte{9}},
			wantHdr:  Header{Length: 17, Type: 20, Sequence: 101, PID: testPID},
			wantWire: cat(rawHeader(17, 20, 0, 101, testPID), []byte{9, 0, 0, 0}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			c.seq.Store(100)
			got, err := c.Send(tt.in)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if diff := cmp.Diff(tt.wantHdr, got.Header); diff != "" {
				t.Errorf("returned header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.in.Data, got.Data); diff != "" {
				t.Errorf("returned data (-want +got):\n%s", diff)
			}
			want := []fakeSent{{b: tt.wantWire, to: Addr{}}}
			if diff := cmp.Diff(want, fs.sentDatagrams(), cmp.AllowUnexported(fakeSent{})); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendSequenceNumbers(t *testing.T) {
	tests := []struct {
		name  string
		start uint32
		want  []uint32
	}{
		{"increasing", 100, []uint32{101, 102, 103}},
		{"wraps past zero", math.MaxUint32 - 2, []uint32{math.MaxUint32 - 1, math.MaxUint32, 1, 2}},
		{"skips zero right away", math.MaxUint32, []uint32{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeConn(t, testPID, Config{})
			c.seq.Store(tt.start)
			var got []uint32
			for range tt.want {
				m, err := c.Send(Message{Header: Header{Type: 20}})
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				got = append(got, m.Header.Sequence)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sequences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendRandomStartNeverZero(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	var prev uint32
	for i := range 1000 {
		m, err := c.Send(Message{Header: Header{Type: 20}})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		s := m.Header.Sequence
		if s == 0 {
			t.Fatalf("send %d got sequence 0", i)
		}
		if i > 0 && s != prev+1 && !(prev == math.MaxUint32 && s == 1) {
			t.Fatalf("send %d got sequence %d after %d", i, s, prev)
		}
		prev = s
	}
}

func TestSendMessagesOneDatagram(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{Peer: 77})
	c.seq.Store(10)
	in := []Message{
		{Header: Header{Type: 20, Flags: Request}, Data: []byte{1}},
		{Header: Header{Type: 21, Flags: Request, Sequence: 500}, Data: []byte{1, 2, 3, 4}},
		{Header: Header{Type: 22, Flags: Request, PID: 9}, Data: []byte{1, 2, 3, 4, 5}},
	}
	orig := append([]Message(nil), in...)
	got, err := c.SendMessages(in)
	if err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	want := []Message{
		msgOf(20, Request, 11, testPID, []byte{1}),
		msgOf(21, Request, 500, testPID, []byte{1, 2, 3, 4}),
		msgOf(22, Request, 12, 9, []byte{1, 2, 3, 4, 5}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("returned messages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orig, in); diff != "" {
		t.Errorf("SendMessages modified its argument (-want +got):\n%s", diff)
	}
	wantSent := []fakeSent{{
		b: cat(
			rawHeader(17, 20, Request, 11, testPID), []byte{1, 0, 0, 0},
			rawHeader(20, 21, Request, 500, testPID), []byte{1, 2, 3, 4},
			rawHeader(21, 22, Request, 12, 9), []byte{1, 2, 3, 4, 5, 0, 0, 0},
		),
		to: Addr{PID: 77},
	}}
	if diff := cmp.Diff(wantSent, fs.sentDatagrams(), cmp.AllowUnexported(fakeSent{})); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
}

func TestSendAddresses(t *testing.T) {
	tests := []struct {
		name string
		peer uint32
		send func(c *Conn) error
		want Addr
	}{
		{"Send to the kernel", 0, func(c *Conn) error { _, err := c.Send(Message{}); return err }, Addr{}},
		{"Send to the peer", 4242, func(c *Conn) error { _, err := c.Send(Message{}); return err }, Addr{PID: 4242}},
		{"SendTo a port and groups", 4242, func(c *Conn) error {
			_, err := c.SendTo(Message{}, Addr{PID: 77, Groups: GroupMask(3)})
			return err
		}, Addr{PID: 77, Groups: 4}},
		{"SendTo groups only", 0, func(c *Conn) error { _, err := c.SendTo(Message{}, Addr{Groups: 1}); return err }, Addr{Groups: 1}},
		{"SendMessages to the peer", 4242, func(c *Conn) error { _, err := c.SendMessages([]Message{{}}); return err }, Addr{PID: 4242}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{Peer: tt.peer})
			if err := tt.send(c); err != nil {
				t.Fatalf("send: %v", err)
			}
			sent := fs.sentDatagrams()
			if len(sent) != 1 {
				t.Fatalf("sent %d datagrams, want 1", len(sent))
			}
			if diff := cmp.Diff(tt.want, sent[0].to); diff != "" {
				t.Errorf("destination (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendSocketError(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	fs.sendErr = os.NewSyscallError("sendmsg", syscall.EPERM)
	_, err := c.Send(Message{Header: Header{Type: 20}})
	wantOpError(t, err, "send", syscall.EPERM, os.ErrPermission)
	_, err = c.Execute(Message{Header: Header{Type: 20}})
	wantOpError(t, err, "send", syscall.EPERM)
}

func TestPIDAndFamily(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	if got := c.PID(); got != testPID {
		t.Errorf("PID() = %d, want %d", got, testPID)
	}
	if got := c.Family(); got != 16 {
		t.Errorf("Family() = %d, want 16", got)
	}
}

func TestAddr(t *testing.T) {
	tests := []struct {
		a    Addr
		want string
	}{
		{Addr{}, "0/0x0"},
		{Addr{PID: 1234, Groups: GroupMask(3)}, "1234/0x4"},
		{Addr{PID: math.MaxUint32, Groups: math.MaxUint32}, "4294967295/0xffffffff"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.a, got, tt.want)
		}
		if got := tt.a.Network(); got != "netlink" {
			t.Errorf("Network() = %q, want netlink", got)
		}
	}
}

func TestReceiveReturnsCopy(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	first := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	fs.pushFrom(Source{PID: 7, Group: 2}, rawMessage(20, Multi, 1, 7, first))
	msgs1, src, err := c.ReceiveFrom()
	if err != nil {
		t.Fatalf("ReceiveFrom: %v", err)
	}
	if diff := cmp.Diff(Source{PID: 7, Group: 2}, src); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
	fs.pushFrom(kernel, rawMessage(21, 0, 2, 0, []byte{9, 9, 9, 9, 9, 9, 9, 9}))
	msgs2, err := c.Receive()
	if err != nil {
		t.Fatalf("second Receive: %v", err)
	}
	want1 := []Message{msgOf(20, Multi, 1, 7, []byte{1, 2, 3, 4, 5, 6, 7, 8})}
	if diff := cmp.Diff(want1, msgs1); diff != "" {
		t.Errorf("first result after a second Receive (-want +got):\n%s", diff)
	}
	want2 := []Message{msgOf(21, 0, 2, 0, []byte{9, 9, 9, 9, 9, 9, 9, 9})}
	if diff := cmp.Diff(want2, msgs2); diff != "" {
		t.Errorf("second result (-want +got):\n%s", diff)
	}
	// The first result must not alias the pushed bytes either.
	first[0] = 0xff
	if msgs1[0].Data[0] != 1 {
		t.Errorf("Receive result aliases the datagram it was read from")
	}
}

func TestReceiveMessages(t *testing.T) {
	good := rawMessage(20, Multi, 1, 0, []byte{1, 2, 3, 4})
	tests := []struct {
		name    string
		dgram   []byte
		want    []Message
		wantErr error
	}{
		{
			name:  "one",
			dgram: good,
			want:  []Message{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4})},
		},
		{
			name:  "three with an unpadded last",
			dgram: cat(good, rawMessage(Done, Multi, 1, 0, ne32(0)), rawHeader(17, 21, 0, 2, 0), []byte{5}),
			want: []Message{
				msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4}),
				msgOf(Done, Multi, 1, 0, ne32(0)),
				msgOf(21, 0, 2, 0, []byte{5}),
			},
		},
		{
			name:    "good then short",
			dgram:   cat(good, []byte{1, 2, 3}),
			want:    []Message{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4})},
			wantErr: ErrShortMessage,
		},
		{
			name:    "good then bad length",
			dgram:   cat(good, rawHeader(4096, 21, 0, 0, 0)),
			want:    []Message{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4})},
			wantErr: ErrBadLength,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			fs.pushFrom(kernel, tt.dgram)
			got, err := c.Receive()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Receive: %v", err)
				}
				return
			}
			wantOpError(t, err, "receive", tt.wantErr)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %v holds no *ParseError", err)
			} else if pe.Offset != len(good) {
				t.Errorf("ParseError.Offset = %d, want %d", pe.Offset, len(good))
			}
		})
	}
}

func TestReceiveTooLarge(t *testing.T) {
	const limit = 64
	big := rawMessage(20, 0, 1, 0, make([]byte, limit))
	small := rawMessage(21, 0, 2, 0, []byte{1, 2, 3, 4})
	tests := []struct {
		name string
		recv func(c *Conn) ([]Message, error)
	}{
		{"Receive", func(c *Conn) ([]Message, error) { return c.Receive() }},
		{"ReceiveEach", func(c *Conn) ([]Message, error) {
			var msgs []Message
			err := c.ReceiveEach(func(m Message, _ Source) bool {
				m.Data = append([]byte(nil), m.Data...)
				msgs = append(msgs, m)
				return true
			})
			return msgs, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{MaxMessageSize: limit})
			fs.pushFrom(Source{PID: 5}, big)
			fs.pushFrom(kernel, small)
			msgs, err := tt.recv(c)
			if len(msgs) != 0 {
				t.Errorf("got %d messages from a truncated datagram, want none", len(msgs))
			}
			wantOpError(t, err, "receive", ErrTruncated, ErrTooLarge)
			msgs, err = tt.recv(c)
			if err != nil {
				t.Fatalf("receive after a truncated datagram: %v", err)
			}
			if diff := cmp.Diff([]Message{msgOf(21, 0, 2, 0, []byte{1, 2, 3, 4})}, msgs); diff != "" {
				t.Errorf("next datagram (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReceiveExactlyMaxMessageSize(t *testing.T) {
	const limit = 64
	c, fs := newFakeConn(t, testPID, Config{MaxMessageSize: limit})
	fs.pushFrom(kernel, rawMessage(20, 0, 1, 0, make([]byte, limit-HeaderLen)))
	msgs, err := c.Receive()
	if err != nil {
		t.Fatalf("Receive of a %d-byte datagram with a %d-byte limit: %v", limit, limit, err)
	}
	if len(msgs) != 1 || len(msgs[0].Data) != limit-HeaderLen {
		t.Errorf("got %v, want one message of %d bytes", msgs, limit-HeaderLen)
	}
}

// eachRecord is what a ReceiveEach callback saw, with Data copied.
type eachRecord struct {
	M   Message
	Src Source
}

func TestReceiveEach(t *testing.T) {
	a := rawMessage(20, Multi, 1, 0, []byte{1, 2, 3, 4})
	b := rawMessage(21, Multi, 1, 0, []byte{5})
	d := rawMessage(Done, Multi, 1, 0, ne32(0))
	src := Source{PID: 0, Group: 3}
	tests := []struct {
		name    string
		dgram   []byte
		stopAt  int // fn returns false on this call (1-based); 0 never
		want    []eachRecord
		wantErr error
	}{
		{
			name:  "all",
			dgram: cat(a, b, d),
			want: []eachRecord{
				{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4}), src},
				{msgOf(21, Multi, 1, 0, []byte{5}), src},
				{msgOf(Done, Multi, 1, 0, ne32(0)), src},
			},
		},
		{
			name:   "stops when fn returns false",
			dgram:  cat(a, b, d),
			stopAt: 2,
			want: []eachRecord{
				{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4}), src},
				{msgOf(21, Multi, 1, 0, []byte{5}), src},
			},
		},
		{
			name:  "malformed after good ones",
			dgram: cat(a, b, rawHeader(15, 22, 0, 0, 0)),
			want: []eachRecord{
				{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4}), src},
				{msgOf(21, Multi, 1, 0, []byte{5}), src},
			},
			wantErr: ErrBadLength,
		},
		{
			name:  "stop before the malformed one",
			dgram: cat(a, rawHeader(15, 22, 0, 0, 0)),
			want: []eachRecord{
				{msgOf(20, Multi, 1, 0, []byte{1, 2, 3, 4}), src},
			},
			stopAt: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			fs.pushFrom(src, tt.dgram)
			var got []eachRecord
			err := c.ReceiveEach(func(m Message, s Source) bool {
				m.Data = append([]byte(nil), m.Data...)
				got = append(got, eachRecord{m, s})
				return len(got) != tt.stopAt
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("callbacks (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("ReceiveEach: %v", err)
				}
			} else {
				wantOpError(t, err, "receive", tt.wantErr)
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Errorf("error %v holds no *ParseError", err)
				}
			}
			// The rest of a stopped datagram is gone: the next call reads
			// the next datagram.
			fs.pushFrom(kernel, rawMessage(30, 0, 9, 0, nil))
			var next []HeaderType
			if err := c.ReceiveEach(func(m Message, _ Source) bool {
				next = append(next, m.Header.Type)
				return true
			}); err != nil {
				t.Fatalf("next ReceiveEach: %v", err)
			}
			if diff := cmp.Diff([]HeaderType{30}, next); diff != "" {
				t.Errorf("next datagram (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReceiveEachAllocs(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	var dgram []byte
	for i := range 20 {
		dgram = append(dgram, rawMessage(16, Multi, 1, 0, make([]byte, 16+i))...)
	}
	dgram = append(dgram, rawMessage(Done, Multi, 1, 0, ne32(0))...)
	d := fakeDatagram{b: dgram, src: Source{Group: 1}}
	var n int
	fn := func(m Message, _ Source) bool {
		n++
		return true
	}
	// Warm up: the receive buffer is allocated on first use.
	fs.push(d)
	if err := c.ReceiveEach(fn); err != nil {
		t.Fatalf("ReceiveEach: %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		fs.push(d)
		if err := c.ReceiveEach(fn); err != nil {
			panic(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReceiveEach allocated %v times per call, want 0", allocs)
	}
	if want := 21 * 102; n != want { // AllocsPerRun runs once more to warm up
		t.Errorf("callback ran %d times, want %d", n, want)
	}
}

func TestReceiveBacklogOverflow(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
		h := readHeader(req)
		var ds []fakeDatagram
		for i := range maxBacklog + 10 {
			ds = append(ds, fakeDatagram{b: rawMessage(40, 0, 0, 0, ne32(uint32(i))), src: Source{Group: 1}})
		}
		return append(ds, fakeDatagram{b: rawMessage(20, 0, h.Sequence, 0, nil)})
	})
	msgs, err := c.Execute(Message{Header: Header{Type: 20, Flags: Request}})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if len(msgs) != 1 {
		t.Fatalf("Execute returned %d messages, want 1", len(msgs))
	}
	// The oldest are kept; the loss is reported where it happened, after
	// them, and once.
	var got []uint32
	for range maxBacklog {
		msgs, src, err := c.ReceiveFrom()
		if err != nil || src.Group != 1 || len(msgs) != 1 || len(msgs[0].Data) != 4 {
			t.Fatalf("Receive %d: %v from %+v, %v; want one queued notification", len(got), msgs, src, err)
		}
		got = append(got, binary.NativeEndian.Uint32(msgs[0].Data))
	}
	_, err = c.Receive()
	wantOpError(t, err, "receive", ErrOverrun)
	if d := setAside(t, c, fs); len(d) != 0 {
		t.Errorf("after the overrun, %d more datagrams, want none", len(d))
	}
	for i, v := range got {
		if v != uint32(i) {
			t.Fatalf("queued datagram %d is number %d: the oldest must be kept", i, v)
		}
	}
}

func TestReceiveBacklogOverflowReceiveEach(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
		h := readHeader(req)
		var ds []fakeDatagram
		for range maxBacklog + 1 {
			ds = append(ds, fakeDatagram{b: rawMessage(0, 0, 0, 0, nil)})
		}
		return append(ds, fakeDatagram{b: rawMessage(20, 0, h.Sequence, 0, nil)})
	})
	if _, err := c.Execute(Message{Header: Header{Type: 20}}); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	fn := func(Message, Source) bool { return true }
	for i := range maxBacklog {
		if err := c.ReceiveEach(fn); err != nil {
			t.Fatalf("ReceiveEach %d: %v, want a queued datagram", i, err)
		}
	}
	wantOpError(t, c.ReceiveEach(fn), "receive", ErrOverrun)
	fs.pushFrom(kernel, rawMessage(0, 0, 0, 0, nil))
	if err := c.ReceiveEach(fn); err != nil {
		t.Fatalf("ReceiveEach after the overrun: %v, want the overrun reported once", err)
	}
}

func TestSendDoesNotWaitForReceive(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive()
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Receive block
	within(t, time.Second, "Send during a blocked Receive", func() {
		if _, err := c.Send(Message{Header: Header{Type: 20}}); err != nil {
			t.Errorf("Send: %v", err)
		}
	})
	fs.pushFrom(kernel, rawMessage(20, 0, 0, 0, nil))
	if err := <-errc; err != nil {
		t.Fatalf("Receive: %v", err)
	}
}

func TestIntegrationDialUnsupportedFamily(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Dial reaches the kernel only on Linux; see conn_others_test.go")
	}
	for _, family := range []int{-1, 32, 1000} {
		c, err := Dial(family, nil)
		if err == nil {
			c.Close()
			t.Fatalf("Dial(%d) succeeded", family)
		}
		oe := wantOpError(t, err, "dial")
		if !errors.Is(err, syscall.EPROTONOSUPPORT) && !errors.Is(err, syscall.EAFNOSUPPORT) {
			t.Errorf("Dial(%d): %v (%#v), want EPROTONOSUPPORT, or EAFNOSUPPORT where netlink is missing", family, err, oe.Err)
		}
	}
}

func TestNewConnDefaults(t *testing.T) {
	fs := newFakeSocket(77)
	c := NewConn(fs, 16, nil)
	defer c.Close()
	if c.PID() != 77 || c.Family() != 16 || c.maxSize != DefaultMaxMessageSize || c.peer != 0 {
		t.Fatalf("NewConn(nil config): pid %d family %d max %d peer %d", c.PID(), c.Family(), c.maxSize, c.peer)
	}
	c2 := NewConn(newFakeSocket(78), 2, &Config{Peer: 9, MaxMessageSize: 100, PID: 1234})
	defer c2.Close()
	if c2.PID() != 78 || c2.maxSize != 100 || c2.peer != 9 {
		t.Fatalf("NewConn(config): pid %d max %d peer %d", c2.PID(), c2.maxSize, c2.peer)
	}
}
