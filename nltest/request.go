package nltest

import (
	"errors"
	"slices"
	"strings"
	"syscall"

	"github.com/nlgo/netlink"
)

// A Request is one request message a Conn sent to a family's handler, with
// what the kernel knows about its sender (NETLINK_CB(skb)). Its methods
// answer it; they are safe to call only until the handler returns.
type Request struct {
	// Port is the port ID of the sending socket (NETLINK_CB(skb).portid):
	// replies go there.
	Port uint32
	// Message is the request as received, Length included. Its Data is
	// the handler's own copy.
	Message netlink.Message

	k       *Kernel
	s       *socket
	acked   bool
	dumped  bool
	warning string
}

// Option reports whether the sending socket has option o on, for example
// netlink.GetStrictCheck, which asks for strict validation.
func (r *Request) Option(o netlink.Option) bool {
	r.k.mu.Lock()
	defer r.k.mu.Unlock()
	return r.s.options[o]
}

// Reply sends msgs as one datagram to the requester, like nlmsg_unicast.
// A zero Sequence becomes the request's and a zero PID the requester's
// port, as in the kernel's replies; Length is computed. It fails with
// EAGAIN when the requester's queue is full (an overrun) and with
// ECONNREFUSED when it has closed.
func (r *Request) Reply(msgs ...netlink.Message) error {
	out := make([]netlink.Message, len(msgs))
	for i, m := range msgs {
		out[i] = r.fill(m)
	}
	b, err := encode(out)
	if err != nil {
		return err
	}
	return r.k.unicastTo(r.s, b)
}

// fill gives m the request's sequence number and the requester's port
// where they are zero.
func (r *Request) fill(m netlink.Message) netlink.Message {
	if m.Header.Sequence == 0 {
		m.Header.Sequence = r.Message.Header.Sequence
	}
	if m.Header.PID == 0 {
		m.Header.PID = r.Port
	}
	return m
}

// Warn attaches an extended-ack warning to the acknowledgement of a
// request that succeeds (NLMSGERR_ATTR_MSG with error code 0). The
// requester sees it only with ExtendedAcknowledge on.
func (r *Request) Warn(msg string) { r.warning = msg }

// Ack sends the acknowledgement for err now, like netlink_ack, whatever
// the request's flags: nil is success (with the warning, if any), a
// syscall.Errno or *ExtError an error code. No acknowledgement follows
// when the handler returns. An error that is not an errno goes to the
// requester's next Receive, as when a handler returns one.
func (r *Request) Ack(err error) {
	r.acked = true
	r.answer(err, true)
}

// finish acknowledges the request after the handler returned err, as
// netlink_rcv_skb does.
func (r *Request) finish(err error) {
	if r.acked {
		return
	}
	r.answer(err, r.Message.Header.Flags&netlink.Acknowledge != 0)
}

// answer sends the NLMSG_ERROR for err, if err is an error code or ack
// is set; a successful dump and EINTR are never acknowledged.
func (r *Request) answer(err error, ack bool) {
	code, ext, ok := errorCode(err)
	if !ok {
		r.k.failSocket(r.s, err)
		return
	}
	if code == -int32(syscall.EINTR) || (code == 0 && r.dumped && !r.acked) {
		return
	}
	if code == 0 && r.warning != "" {
		ext = &ExtError{Message: r.warning}
	}
	if code == 0 && !ack {
		return
	}
	r.k.mu.Lock()
	capAck, extAck := r.s.options[netlink.CapAcknowledge], r.s.options[netlink.ExtendedAcknowledge]
	r.k.mu.Unlock()
	m := errorMessage(code, r.Message, r.Port, capAck, extAck, ext)
	b, _ := m.MarshalBinary() // cannot fail: the request fitted
	_ = r.k.unicastTo(r.s, b)
}

// errorCode turns a handler's error into the code of an NLMSG_ERROR
// (negative, as the kernel sends it) and its extended ack. ok is false
// for an error that carries no errno.
func errorCode(err error) (code int32, ext *ExtError, ok bool) {
	if err == nil {
		return 0, nil, true
	}
	if errors.As(err, &ext) {
		return -int32(ext.Errno), ext, true
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return -int32(errno), nil, true
	}
	return 0, nil, false
}

// An ExtError is an error code with an extended acknowledgement
// (NLMSGERR_ATTR_*), as a kernel handler sets it with NL_SET_ERR_MSG and
// NL_SET_BAD_ATTR. A handler returns it to fail a request; the requester
// sees the TLVs only with ExtendedAcknowledge on. With Errno 0 it is a
// success whose Message is a warning.
type ExtError struct {
	// Errno is the error code; 0 means success.
	Errno syscall.Errno
	// Message is the text (NLMSGERR_ATTR_MSG).
	Message string
	// Offset is the offset of the offending attribute from the start of
	// the request's header (NLMSGERR_ATTR_OFFS); 0 means none.
	Offset uint32
	// Cookie is opaque data for the requester (NLMSGERR_ATTR_COOKIE).
	Cookie []byte
	// Policy is the payload of NLMSGERR_ATTR_POLICY: the policy of the
	// rejected attribute as NL_POLICY_TYPE_ATTR_* attributes, which
	// netlink.ParseKernelPolicy decodes; nil means none.
	Policy []byte
	// MissingType is the type of a missing attribute
	// (NLMSGERR_ATTR_MISS_TYPE); 0 means none.
	MissingType uint32
	// MissingNest is the offset of the nest missing it
	// (NLMSGERR_ATTR_MISS_NEST); 0 means none.
	MissingNest uint32
}

// Error formats e as "nltest: errno text: message".
func (e *ExtError) Error() string {
	var b strings.Builder
	b.WriteString("nltest: ")
	b.WriteString(e.Errno.Error())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the errno, so errors.Is(err, syscall.EINVAL) works.
func (e *ExtError) Unwrap() error { return e.Errno }

// input passes a datagram that s sent to port 0 to the family's kernel
// side: its Func, or its handler once per message.
func (k *Kernel) input(s *socket, b []byte) {
	f := s.fam
	f.input.Lock()
	defer f.input.Unlock()
	if f.fn != nil {
		k.runFunc(s, b)
		return
	}
	for m, err := range netlink.Messages(b) {
		if err != nil {
			return // netlink_rcv_skb stops at a malformed message
		}
		r := &Request{Port: s.port, k: k, s: s,
			Message: netlink.Message{Header: m.Header, Data: slices.Clone(m.Data)}}
		var herr error
		if m.Header.Flags&netlink.Request != 0 && m.Header.Type >= netlink.MinType {
			herr = f.handler(r)
		}
		r.finish(herr)
	}
}

// unicastTo sends b from the kernel to s, never waiting.
func (k *Kernel) unicastTo(s *socket, b []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s.closed {
		return syscall.ECONNREFUSED
	}
	k.lockedRecord(0, s.port, 0, b)
	if !s.lockedDeliver(datagram{b: b}) {
		return syscall.EAGAIN
	}
	return nil
}

// failSocket makes the next Receive on s fail with err.
func (k *Kernel) failSocket(s *socket, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !s.closed {
		s.lockedEnqueue(datagram{err: err})
	}
}
