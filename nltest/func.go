package nltest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"syscall"

	"github.com/nlgo/netlink"
)

// A Func is the kernel side in its simplest form: it receives the request
// messages of one datagram that a Conn sent and returns the replies, which
// go back to the Conn as one datagram, or an error.
//
// In the replies, a zero Sequence becomes the first request's and a zero
// PID the Conn's port; Length is computed. Nothing else is added: no
// acknowledgement, no NLMSG_DONE (see Multipart and Error). Every
// NLMSG_ERROR reply that is not already capped is laid out as the kernel
// would for the Conn's options: the echoed payload is dropped under
// netlink.CapAcknowledge or on success, and the extended-ack TLVs without
// netlink.ExtendedAcknowledge.
//
// A returned syscall.Errno or *ExtError is answered, instead of replies,
// by the kernel's NLMSG_ERROR for the first request. Any other error is a
// failure of the socket: the Conn's next Receive, or the Execute under
// way, fails with it.
type Func func(req []netlink.Message) ([]netlink.Message, error)

// Dial returns a Conn, on a Kernel of its own, whose requests fn answers.
// Its family is 0 and its port is assigned.
func Dial(fn Func) *netlink.Conn {
	k := NewKernel()
	k.RegisterFunc(0, fn)
	c, err := k.Dial(0, nil)
	if err != nil {
		panic("nltest: " + err.Error()) // cannot happen: the family is new
	}
	return c
}

// RegisterFunc creates protocol family proto whose kernel side is fn, like
// Register with a Handler, but fn answers whole datagrams as described at
// Func. Register's options apply. It panics if proto is already
// registered.
func (k *Kernel) RegisterFunc(proto int, fn Func, opts ...FamilyOption) {
	k.Register(proto, nil, append(opts, func(f *family) { f.fn = fn })...)
}

// runFunc answers a datagram that s sent to a Func family.
func (k *Kernel) runFunc(s *socket, b []byte) {
	reqs, _ := netlink.ParseMessages(slices.Clone(b)) // the malformed rest is dropped
	if len(reqs) == 0 {
		return
	}
	replies, err := s.fam.fn(reqs)
	if err != nil {
		if _, _, ok := errorCode(err); !ok {
			k.failSocket(s, err)
			return
		}
		replies = []netlink.Message{Error(err, reqs[0])}
	}
	if len(replies) == 0 {
		return
	}
	k.mu.Lock()
	capAck, extAck := s.options[netlink.CapAcknowledge], s.options[netlink.ExtendedAcknowledge]
	k.mu.Unlock()
	out := make([]netlink.Message, len(replies))
	for i, m := range replies {
		if m.Header.Sequence == 0 {
			m.Header.Sequence = reqs[0].Header.Sequence
		}
		if m.Header.PID == 0 {
			m.Header.PID = s.port
		}
		if m.Header.Type == netlink.Error {
			m = layOutAck(m, capAck, extAck)
		}
		out[i] = m
	}
	rb, err := encode(out)
	if err != nil {
		k.failSocket(s, err)
		return
	}
	_ = k.unicastTo(s, rb)
}

// layOutAck rebuilds an NLMSG_ERROR as the kernel would send it to a
// socket with the options capAck and extAck. A capped or malformed one is
// left alone.
func layOutAck(m netlink.Message, capAck, extAck bool) netlink.Message {
	if m.Header.Flags&netlink.Capped != 0 || len(m.Data) < 4+netlink.HeaderLen {
		return m
	}
	a, err := netlink.ParseAck(m)
	if err != nil {
		return m
	}
	ext := &ExtError{Message: a.ExtAck.Message, Offset: a.ExtAck.Offset, Cookie: a.ExtAck.Cookie,
		Policy: a.ExtAck.Policy, MissingType: a.ExtAck.MissingType, MissingNest: a.ExtAck.MissingNest}
	n := errorMessage(a.Code, a.Request, m.Header.PID, capAck, extAck, ext)
	n.Header.Sequence = m.Header.Sequence
	n.Header.Flags |= m.Header.Flags &^ (netlink.Capped | netlink.AcknowledgeTLVs)
	return n
}

// Multipart returns msgs as a multipart reply: a copy of each with
// NLM_F_MULTI set, followed by an NLMSG_DONE carrying error code 0.
func Multipart(msgs []netlink.Message) []netlink.Message {
	out := make([]netlink.Message, 0, len(msgs)+1)
	for _, m := range msgs {
		m.Header.Flags |= netlink.Multi
		out = append(out, m)
	}
	return append(out, netlink.Message{
		Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi},
		Data:   make([]byte, 4),
	})
}

// Error returns the NLMSG_ERROR the kernel sends for req: err nil is a
// successful acknowledgement, a syscall.Errno an error code, an *ExtError
// an error code (or, with Errno 0, a success) with its extended ack. Any
// other error counts as EINVAL with its text as the extended-ack message.
//
// The message echoes req's header and payload and carries the extended
// ack; a Func's Kernel lays it out for the Conn's options before sending
// (see Func). Its Sequence is req's; its PID is 0, which the Kernel fills
// in with the Conn's port.
func Error(err error, req netlink.Message) netlink.Message {
	code, ext, ok := errorCode(err)
	if !ok {
		code, ext = -int32(syscall.EINVAL), &ExtError{Errno: syscall.EINVAL, Message: err.Error()}
	}
	return errorMessage(code, req, 0, false, true, ext)
}

// CheckRequest returns a Func that checks the requests of each datagram
// against want before passing them to fn: as many requests as want has,
// each with want's Type and Flags, and its Sequence, PID, Length and Data
// where those are not zero or nil. A mismatch fails the Conn's Receive or
// Execute with an error saying what differed. A nil fn sends no replies.
func CheckRequest(fn Func, want ...netlink.Message) Func {
	return func(reqs []netlink.Message) ([]netlink.Message, error) {
		if len(reqs) != len(want) {
			return nil, fmt.Errorf("nltest: %d requests in the datagram, want %d", len(reqs), len(want))
		}
		var errs []error
		for i := range reqs {
			if d := diffRequest(want[i], reqs[i]); d != "" {
				errs = append(errs, fmt.Errorf("nltest: request %d: %s", i, d))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if fn == nil {
			return nil, nil
		}
		return fn(reqs)
	}
}

// diffRequest says how got differs from want, or returns "".
func diffRequest(want, got netlink.Message) string {
	w, g := want.Header, got.Header
	var diffs []string
	field := func(name string, differs bool, want, got any) {
		if differs {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", name, got, want))
		}
	}
	field("type", w.Type != g.Type, w.Type, g.Type)
	field("flags", w.Flags != g.Flags, w.Flags, g.Flags)
	field("sequence", w.Sequence != 0 && w.Sequence != g.Sequence, w.Sequence, g.Sequence)
	field("pid", w.PID != 0 && w.PID != g.PID, w.PID, g.PID)
	field("length", w.Length != 0 && w.Length != g.Length, w.Length, g.Length)
	if want.Data != nil && !bytes.Equal(want.Data, got.Data) {
		diffs = append(diffs, fmt.Sprintf("data differs:\ngot:\n%swant:\n%s", hex.Dump(got.Data), hex.Dump(want.Data)))
	}
	if len(diffs) == 0 {
		return ""
	}
	s := diffs[0]
	for _, d := range diffs[1:] {
		s += "; " + d
	}
	return s
}
