package netlink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Execute tests. Each exchange runs with the sequence counter at execSeq,
// so the request gets execSeq+1 and execSeq is an earlier, issued number.
const (
	execSeq  = 1000
	execBase = 900
	execReq  = execSeq + 1
)

// execRequest is the request every exchange test sends.
var execRequest = Message{Header: Header{Type: 18, Flags: Request}, Data: []byte{0xa, 0xb, 0xc, 0xd}}

// dg is a datagram of messages from src.
func dg(src Source, msgs ...[]byte) fakeDatagram { return fakeDatagram{b: cat(msgs...), src: src} }

// fromKernel is a unicast datagram from the kernel.
func fromKernel(msgs ...[]byte) fakeDatagram { return dg(kernel, msgs...) }

// newExecConn returns a Conn whose counters are set so that the next
// request has sequence execReq.
func newExecConn(t *testing.T, cfg Config) (*Conn, *fakeSocket) {
	t.Helper()
	c, fs := newFakeConn(t, testPID, cfg)
	c.seq.Store(execSeq)
	return c, fs
}

// setAside reads every datagram left for Receive: those set aside and
// those still queued on the socket. It pushes a marker datagram and
// receives up to it.
func setAside(t *testing.T, c *Conn, fs *fakeSocket) []fakeDatagram {
	t.Helper()
	marker := rawMessage(0xfffe, 0, 0, 0, []byte("marker"))
	fs.pushFrom(Source{PID: 0xfffffffe}, marker)
	var got []fakeDatagram
	for {
		// Raw, as queued: Receive would report an NLMSG_ERROR as an error.
		var b []byte
		var src Source
		err := c.receive(context.Background(), func(d []byte, from Source) error {
			b, src = bytes.Clone(d), from
			return nil
		})
		if err != nil {
			t.Fatalf("Receive of datagrams left over: %v", err)
		}
		if bytes.Equal(b, marker) && src.PID == 0xfffffffe {
			return got
		}
		got = append(got, fakeDatagram{b: b, src: src})
	}
}

var diffDatagram = cmp.AllowUnexported(fakeDatagram{})

func TestExecute(t *testing.T) {
	hdr := Header{Length: 20, Type: 18, Flags: Request, Sequence: execReq, PID: testPID}
	hdrAck := hdr
	hdrAck.Flags |= Acknowledge
	reqBytes := rawMessage(18, Request, execReq, testPID, execRequest.Data)
	enoent := -int32(syscall.ENOENT)
	einval := -int32(syscall.EINVAL)
	r1 := rawMessage(20, 0, execReq, 0, []byte{1, 1, 1, 1})
	m1 := msgOf(20, 0, execReq, 0, []byte{1, 1, 1, 1})
	part := func(i byte, flags HeaderFlags) []byte { return rawMessage(20, Multi|flags, execReq, 0, []byte{i}) }
	partMsg := func(i byte, flags HeaderFlags) Message { return msgOf(20, Multi|flags, execReq, 0, []byte{i}) }
	done := rawMessage(Done, Multi, execReq, 0, ne32(0))
	notification := rawMessage(24, 0, 0, 0, []byte{7, 7, 7, 7})
	forgedAck := rawMessage(Error, Capped, execReq, 666, fakeErrPayload(0, reqBytes[:HeaderLen]))
	ack := func(flags HeaderFlags, code int32, tlvs ...[]byte) []byte {
		return rawMessage(Error, Capped|flags, execReq, 0, fakeErrPayload(code, rawHeader(20, 18, Request|Acknowledge, execReq, testPID), tlvs...))
	}

	tests := []struct {
		name     string
		cfg      Config
		flags    HeaderFlags // added to execRequest's
		replies  []fakeDatagram
		want     []Message
		anyMsgs  bool    // do not check the messages (an error case)
		wantErrs []error // errors.Is targets; nil means success
		wantOp   *OpError
		check    func(t *testing.T, err error)
		aside    []fakeDatagram // left for Receive
		wantTo   Addr
	}{
		{
			name:    "single reply",
			replies: []fakeDatagram{fromKernel(r1)},
			want:    []Message{m1},
		},
		{
			name:    "reply then ack in another datagram",
			flags:   Acknowledge,
			replies: []fakeDatagram{fromKernel(r1), fromKernel(ack(0, 0))},
			want:    []Message{m1},
		},
		{
			name:    "reply and ack in one datagram",
			flags:   Acknowledge,
			replies: []fakeDatagram{fromKernel(r1, ack(0, 0))},
			want:    []Message{m1},
		},
		{
			name:    "ack alone",
			flags:   Acknowledge,
			replies: []fakeDatagram{fromKernel(ack(0, 0))},
			want:    nil,
		},
		{
			name:    "ack with a warning is success",
			flags:   Acknowledge,
			replies: []fakeDatagram{fromKernel(ack(AcknowledgeTLVs, 0, rawAttr(extAckMessage, []byte("deprecated\x00"))))},
			want:    nil,
		},
		{
			name:    "noop is skipped",
			replies: []fakeDatagram{fromKernel(rawMessage(Noop, 0, execReq, 0, nil), r1)},
			want:    []Message{m1},
		},
		{
			name:  "multipart dump over several datagrams",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(part(1, 0), part(2, 0)),
				fromKernel(part(3, 0)),
				fromKernel(part(4, 0), done),
			},
			want: []Message{partMsg(1, 0), partMsg(2, 0), partMsg(3, 0), partMsg(4, 0)},
		},
		{
			// The kernel's genlmsg_iput leaves NLM_F_MULTI off dump
			// replies (netdev, ethtool): a dump ends at NLMSG_DONE.
			name:  "dump whose replies lack the multi flag",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(r1, rawMessage(20, 0, execReq, 0, []byte{2, 2, 2, 2})),
				fromKernel(rawMessage(20, 0, execReq, 0, []byte{3, 3, 3, 3}), done),
			},
			want: []Message{m1, msgOf(20, 0, execReq, 0, []byte{2, 2, 2, 2}), msgOf(20, 0, execReq, 0, []byte{3, 3, 3, 3})},
		},
		{
			name:    "empty dump",
			flags:   Dump,
			replies: []fakeDatagram{fromKernel(rawMessage(Done, Multi, execReq, 0, nil))},
			want:    nil,
		},
		{
			name:  "done carrying an error code and ext ack",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(part(1, 0)),
				fromKernel(rawMessage(Done, Multi|AcknowledgeTLVs, execReq, 0, cat(ne32(uint32(einval)),
					rawAttr(extAckMessage, []byte("bad filter\x00")), rawAttr(extAckOffset, ne32(16))))),
			},
			want:     []Message{partMsg(1, 0)},
			wantErrs: []error{syscall.EINVAL},
			wantOp: &OpError{Op: "execute", Err: syscall.EINVAL, Sequence: execReq,
				ExtAck: ExtAck{Message: "bad filter", Offset: 16}},
		},
		{
			name:  "error with ext ack",
			flags: Acknowledge,
			replies: []fakeDatagram{fromKernel(ack(AcknowledgeTLVs, enoent,
				rawAttr(extAckMessage, []byte("no such device\x00")), rawAttr(extAckOffset, ne32(20))))},
			wantErrs: []error{syscall.ENOENT, os.ErrNotExist},
			wantOp: &OpError{Op: "execute", Err: syscall.ENOENT, Sequence: execReq, Request: hdrAck,
				ExtAck: ExtAck{Message: "no such device", Offset: 20}},
		},
		{
			name:     "error echoing the whole request",
			replies:  []fakeDatagram{fromKernel(rawMessage(Error, 0, execReq, 0, fakeErrPayload(enoent, reqBytes)))},
			wantErrs: []error{syscall.ENOENT, os.ErrNotExist},
			wantOp:   &OpError{Op: "execute", Err: syscall.ENOENT, Sequence: execReq, Request: hdr},
		},
		{
			name:     "positive errno from a user-space peer",
			replies:  []fakeDatagram{fromKernel(rawMessage(Error, 0, execReq, 0, ne32(uint32(syscall.EEXIST))))},
			wantErrs: []error{syscall.EEXIST, os.ErrExist},
			wantOp:   &OpError{Op: "execute", Err: syscall.EEXIST, Sequence: execReq},
		},
		{
			name:  "dump interrupted on one message",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(part(1, 0), part(2, DumpInterrupted)),
				fromKernel(part(3, 0), done),
			},
			want:     []Message{partMsg(1, 0), partMsg(2, DumpInterrupted), partMsg(3, 0)},
			wantErrs: []error{ErrDumpInterrupted},
			wantOp:   &OpError{Op: "execute", Err: ErrDumpInterrupted, Sequence: execReq},
		},
		{
			name:  "dump interrupted on done only",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(part(1, 0), rawMessage(Done, Multi|DumpInterrupted, execReq, 0, ne32(0))),
			},
			want:     []Message{partMsg(1, 0)},
			wantErrs: []error{ErrDumpInterrupted},
		},
		{
			name:     "overrun",
			flags:    Dump,
			replies:  []fakeDatagram{fromKernel(part(1, 0), rawMessage(Overrun, 0, execReq, 0, nil))},
			anyMsgs:  true,
			wantErrs: []error{ErrOverrun},
			check: func(t *testing.T, err error) {
				wantOpError(t, err, "execute", ErrOverrun)
			},
		},
		{
			name:  "forged reply from another port",
			flags: Acknowledge,
			replies: []fakeDatagram{
				dg(Source{PID: 666}, rawMessage(20, 0, execReq, 666, []byte{6, 6, 6, 6}), forgedAck),
				fromKernel(r1, ack(0, 0)),
			},
			want:  []Message{m1},
			aside: []fakeDatagram{dg(Source{PID: 666}, rawMessage(20, 0, execReq, 666, []byte{6, 6, 6, 6}), forgedAck)},
		},
		{
			name: "forged error from another port",
			replies: []fakeDatagram{
				dg(Source{PID: 666}, rawMessage(Error, 0, execReq, 666, fakeErrPayload(-int32(syscall.EPERM), reqBytes))),
				fromKernel(r1),
			},
			want:  []Message{m1},
			aside: []fakeDatagram{dg(Source{PID: 666}, rawMessage(Error, 0, execReq, 666, fakeErrPayload(-int32(syscall.EPERM), reqBytes)))},
		},
		{
			name: "multicast from the peer with the request's sequence",
			replies: []fakeDatagram{
				dg(Source{Group: 1}, rawMessage(20, 0, execReq, 0, []byte{5, 5, 5, 5})),
				dg(Source{Group: 40}, rawMessage(21, 0, execReq, 0, nil)),
				fromKernel(r1),
			},
			want: []Message{m1},
			aside: []fakeDatagram{
				dg(Source{Group: 1}, rawMessage(20, 0, execReq, 0, []byte{5, 5, 5, 5})),
				dg(Source{Group: 40}, rawMessage(21, 0, execReq, 0, nil)),
			},
		},
		{
			// Without an exchange that gave up, an earlier sequence number
			// may be a Send's, whose replies are Receive's.
			name:  "replies to numbers no exchange waits for go to Receive",
			flags: Acknowledge,
			replies: []fakeDatagram{
				fromKernel(rawMessage(20, 0, execSeq, 0, []byte{9, 9, 9, 9}), rawMessage(Error, 0, execSeq, 0, fakeErrPayload(enoent, reqBytes))),
				fromKernel(rawMessage(20, Multi, execBase+1, 0, nil), r1, rawMessage(Done, Multi, execSeq-5, 0, ne32(0))),
				fromKernel(ack(0, 0)),
			},
			want: []Message{m1},
			aside: []fakeDatagram{
				fromKernel(rawMessage(20, 0, execSeq, 0, []byte{9, 9, 9, 9}), rawMessage(Error, 0, execSeq, 0, fakeErrPayload(enoent, reqBytes))),
				fromKernel(rawMessage(20, Multi, execBase+1, 0, nil), rawMessage(Done, Multi, execSeq-5, 0, ne32(0))),
			},
		},
		{
			name:  "replies kept back to back past set-aside messages",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(rawMessage(20, Multi, execBase+1, 0, []byte{9}), part(1, 0), notification, part(2, 0)),
				fromKernel(part(3, 0)[:HeaderLen+1]), // the last message of a datagram, unpadded
				fromKernel(part(4, 0), done),
			},
			want:  []Message{partMsg(1, 0), partMsg(2, 0), partMsg(3, 0), partMsg(4, 0)},
			aside: []fakeDatagram{fromKernel(rawMessage(20, Multi, execBase+1, 0, []byte{9}), notification)},
		},
		{
			name:  "notification mid-exchange is set aside",
			flags: Dump,
			replies: []fakeDatagram{
				fromKernel(part(1, 0)),
				fromKernel(notification),
				fromKernel(part(2, 0), notification, done, notification),
			},
			want: []Message{partMsg(1, 0), partMsg(2, 0)},
			aside: []fakeDatagram{
				fromKernel(notification),
				fromKernel(notification, notification),
			},
		},
		{
			name:     "malformed reply bytes",
			replies:  []fakeDatagram{fromKernel(rawHeader(15, 20, 0, execReq, 0))},
			anyMsgs:  true,
			wantErrs: []error{ErrBadLength},
			check: func(t *testing.T, err error) {
				oe := wantOpError(t, err, "execute", ErrBadLength)
				var pe *ParseError
				if !errors.As(oe.Err, &pe) {
					t.Errorf("OpError.Err = %v (%T), want a *ParseError", oe.Err, oe.Err)
				}
			},
		},
		{
			name:     "malformed bytes after a dump part",
			flags:    Dump,
			replies:  []fakeDatagram{fromKernel(part(1, 0), []byte{1, 2, 3})},
			anyMsgs:  true,
			wantErrs: []error{ErrShortMessage},
			check: func(t *testing.T, err error) {
				oe := wantOpError(t, err, "execute", ErrShortMessage)
				var pe *ParseError
				if !errors.As(oe.Err, &pe) || pe.Offset != 20 {
					t.Errorf("OpError.Err = %#v, want a *ParseError at offset 20", oe.Err)
				}
			},
		},
		{
			name:     "malformed acknowledgement",
			flags:    Acknowledge,
			replies:  []fakeDatagram{fromKernel(rawMessage(Error, 0, execReq, 0, []byte{1, 2}))},
			anyMsgs:  true,
			wantErrs: []error{ErrShortMessage},
			check: func(t *testing.T, err error) {
				oe := wantOpError(t, err, "execute", ErrShortMessage)
				var pe *ParseError
				if !errors.As(oe.Err, &pe) {
					t.Errorf("OpError.Err = %v (%T), want a *ParseError", oe.Err, oe.Err)
				}
			},
		},
		{
			name:  "peer routes requests and is the only source of replies",
			cfg:   Config{Peer: 4242},
			flags: Acknowledge,
			replies: []fakeDatagram{
				fromKernel(r1, ack(0, 0)),
				dg(Source{PID: 4242}, rawMessage(20, 0, execReq, 4242, []byte{2, 2, 2, 2})),
				dg(Source{PID: 4242}, rawMessage(Error, Capped, execReq, 4242, fakeErrPayload(0, rawHeader(20, 18, Request|Acknowledge, execReq, testPID)))),
			},
			want:   []Message{msgOf(20, 0, execReq, 4242, []byte{2, 2, 2, 2})},
			aside:  []fakeDatagram{fromKernel(r1, ack(0, 0))},
			wantTo: Addr{PID: 4242},
		},
	}
	for _, tt := range tests {
		for _, each := range []bool{false, true} {
			name := tt.name
			if each {
				name += "/ExecuteEach"
			}
			t.Run(name, func(t *testing.T) {
				c, fs := newExecConn(t, tt.cfg)
				fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
					if h := readHeader(req); h.Sequence != execReq {
						t.Errorf("request sequence %d, want %d", h.Sequence, execReq)
					}
					return tt.replies
				})
				req := execRequest
				req.Header.Flags |= tt.flags
				var got []Message
				var err error
				within(t, 2*time.Second, "Execute", func() {
					if !each {
						got, err = c.Execute(req)
						return
					}
					err = c.ExecuteEach(req, func(m Message) bool {
						m.Data = append([]byte{}, m.Data...) // Data is only valid during the call
						got = append(got, m)
						return true
					})
				})
				if !tt.anyMsgs {
					if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
						t.Errorf("messages (-want +got):\n%s", diff)
					}
				}
				if tt.wantErrs == nil && err != nil {
					t.Errorf("Execute: %v", err)
				}
				for _, target := range tt.wantErrs {
					if !errors.Is(err, target) {
						t.Errorf("error %v does not match %v", err, target)
					}
				}
				if tt.wantOp != nil {
					var oe *OpError
					if !errors.As(err, &oe) {
						t.Errorf("error %v (%T) is not an *OpError", err, err)
					} else if diff := cmp.Diff(*tt.wantOp, *oe, equateEmpty, cmpopts.EquateErrors(),
						cmpopts.IgnoreFields(OpError{}, "Sent")); diff != "" { // Sent: TestOpErrorKeepsRequest
						t.Errorf("error (-want +got):\n%s", diff)
					}
				}
				if tt.check != nil {
					tt.check(t, err)
				}
				sent := fs.sentDatagrams()
				if len(sent) != 1 || sent[0].to != tt.wantTo {
					t.Errorf("sent %+v, want one datagram to %v", sent, tt.wantTo)
				}
				if diff := cmp.Diff(tt.aside, setAside(t, c, fs), diffDatagram, equateEmpty); diff != "" {
					t.Errorf("datagrams left for Receive (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestExecuteEachStop checks that a function that stops early is not
// called again, and that the rest of the exchange is still read.
func TestExecuteEachStop(t *testing.T) {
	c, fs := newExecConn(t, Config{})
	fs.setReply(func([]byte, Addr) []fakeDatagram {
		return []fakeDatagram{
			fromKernel(rawMessage(20, Multi, execReq, 0, []byte{1}), rawMessage(20, Multi, execReq, 0, []byte{2})),
			fromKernel(rawMessage(20, Multi, execReq, 0, []byte{3}), rawMessage(Done, Multi, execReq, 0, ne32(0))),
		}
	})
	calls := 0
	err := c.ExecuteEach(execRequest, func(m Message) bool {
		calls++
		return false
	})
	if err != nil || calls != 1 {
		t.Fatalf("ExecuteEach: %d calls, error %v; want 1 call, no error", calls, err)
	}
	if diff := cmp.Diff([]fakeDatagram(nil), setAside(t, c, fs), diffDatagram, equateEmpty); diff != "" {
		t.Fatalf("datagrams left for Receive (-want +got):\n%s", diff)
	}
}

// TestExecuteErrorDoesNotAliasBuffer checks that the extended ack of an
// error Execute returns survives later reads into the receive buffer.
func TestExecuteErrorDoesNotAliasBuffer(t *testing.T) {
	c, fs := newExecConn(t, Config{})
	cookie := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	errAck := rawMessage(Error, Capped|AcknowledgeTLVs, execReq, 0, fakeErrPayload(-int32(syscall.EBUSY),
		rawHeader(20, 18, Request, execReq, testPID), rawAttr(extAckCookie, cookie), rawAttr(extAckPolicy, cookie)))
	fs.setReply(func([]byte, Addr) []fakeDatagram { return []fakeDatagram{fromKernel(errAck)} })
	_, err := c.Execute(execRequest)
	var oe *OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("Execute: %v, want an *OpError matching EBUSY", err)
	}
	want := oe.ExtAck
	want.Cookie = append([]byte(nil), cookie...)
	want.Policy = append([]byte(nil), cookie...)
	// Overwrite the receive buffer with a datagram of the same shape.
	other := make([]byte, len(errAck))
	for i := range other {
		other[i] = 0xee
	}
	copy(other, rawHeader(uint32(len(other)), 30, 0, 0, 0))
	fs.pushFrom(kernel, other)
	if _, err := c.Receive(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if diff := cmp.Diff(want, oe.ExtAck); diff != "" {
		t.Errorf("the error's extended ack changed after a later Receive (-want +got):\n%s", diff)
	}
}

func TestExecuteContextGivesUp(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newExecConn(t, Config{})
			ctx, cancel := tt.ctx()
			defer cancel()
			var err error
			within(t, 2*time.Second, "ExecuteContext", func() { _, err = c.ExecuteContext(ctx, execRequest) })
			wantOpError(t, err, "execute", tt.wantErr)
			if got := fs.readDeadline(); !got.IsZero() {
				t.Errorf("read deadline after ExecuteContext = %v, want none", got)
			}
			// The late reply to the abandoned request is dropped by the
			// next exchange, which gets its own reply.
			fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
				seq := readHeader(req).Sequence
				return []fakeDatagram{
					fromKernel(rawMessage(20, 0, execReq, 0, []byte{1})),
					fromKernel(rawMessage(20, 0, seq, 0, []byte{2})),
				}
			})
			got, err := c.Execute(execRequest)
			if err != nil {
				t.Fatalf("Execute after a given-up exchange: %v", err)
			}
			want := []Message{msgOf(20, 0, execReq+1, 0, []byte{2})}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]fakeDatagram(nil), setAside(t, c, fs), diffDatagram); diff != "" {
				t.Errorf("datagrams left for Receive (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExecuteNotificationThenReceive(t *testing.T) {
	c, fs := newExecConn(t, Config{})
	note := rawMessage(24, 0, 0, 0, []byte{7, 7, 7, 7})
	fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
		return []fakeDatagram{
			fromKernel(note),
			dg(Source{PID: 99}, rawMessage(25, 0, execReq, 99, nil)),
			fromKernel(rawMessage(20, 0, execReq, 0, nil)),
		}
	})
	if _, err := c.Execute(execRequest); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	msgs, src, err := c.ReceiveFrom()
	if err != nil {
		t.Fatalf("ReceiveFrom: %v", err)
	}
	if diff := cmp.Diff([]Message{msgOf(24, 0, 0, 0, []byte{7, 7, 7, 7})}, msgs); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(kernel, src); diff != "" {
		t.Errorf("notification source (-want +got):\n%s", diff)
	}
	var got []eachRecord
	if err := c.ReceiveEach(func(m Message, s Source) bool {
		m.Data = append([]byte(nil), m.Data...)
		got = append(got, eachRecord{m, s})
		return true
	}); err != nil {
		t.Fatalf("ReceiveEach: %v", err)
	}
	want := []eachRecord{{msgOf(25, 0, execReq, 99, nil), Source{PID: 99}}}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("forged datagram (-want +got):\n%s", diff)
	}
}

// echoReply answers every request with its own payload, an ack when asked,
// and some noise that no exchange may take.
func echoReply(req []byte, _ Addr) []fakeDatagram {
	h := readHeader(req)
	data := req[HeaderLen:h.Length]
	ds := []fakeDatagram{
		dg(Source{Group: 1}, rawMessage(24, 0, h.Sequence, 0, []byte("multicast"))),
		dg(Source{PID: 666}, rawMessage(20, 0, h.Sequence, 666, []byte("forged"))),
		fromKernel(rawMessage(20, 0, h.Sequence, 0, data)),
	}
	if h.Flags&Acknowledge != 0 {
		ds = append(ds, fromKernel(rawMessage(Error, Capped, h.Sequence, 0, fakeErrPayload(0, req[:HeaderLen]))))
	}
	return ds
}

func TestExecuteConcurrent(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	fs.setReply(echoReply)
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := []byte(fmt.Sprintf("worker %d request %d", w, i))
				req := Message{Header: Header{Type: 20, Flags: Request}, Data: data}
				if i%2 == 0 {
					req.Header.Flags |= Acknowledge
				}
				got, err := c.Execute(req)
				if err != nil {
					t.Errorf("worker %d request %d: %v", w, i, err)
					return
				}
				if len(got) != 1 || string(got[0].Data) != string(data) {
					t.Errorf("worker %d request %d got %v, want its own reply %q", w, i, got, data)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Only the noise is left for Receive, in full.
	aside := setAside(t, c, fs)
	if len(aside) != 2*workers*each {
		t.Errorf("%d datagrams left for Receive, want %d", len(aside), 2*workers*each)
	}
	for _, d := range aside {
		if d.src.PID == 0 && d.src.Group == 0 {
			t.Errorf("a reply was left for Receive: %+v", d)
		}
	}
}

func TestExecuteSendsFilledRequest(t *testing.T) {
	c, fs := newExecConn(t, Config{})
	fs.setReply(echoReply)
	req := execRequest
	req.Header.Length = 1 // ignored
	if _, err := c.Execute(req); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := []fakeSent{{b: rawMessage(18, Request, execReq, testPID, execRequest.Data)}}
	if diff := cmp.Diff(want, fs.sentDatagrams(), cmp.AllowUnexported(fakeSent{})); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
}
