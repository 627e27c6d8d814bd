package netlink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// Sentinel errors for the library's own failures. Errors returned by this
// package wrap them, so callers test with errors.Is, never by string.
var (
	// ErrShortMessage means fewer bytes remained than a header needs.
	ErrShortMessage = errors.New("short message")

	// ErrBadLength means a length field was too small, ran past the end of
	// its buffer, or a value had the wrong size for its type.
	ErrBadLength = errors.New("bad length")

	// ErrTooLarge means a payload does not fit its length field: more than
	// MaxAttributePayload bytes in an attribute, or more than fits in
	// 32 bits in a message, or a received datagram over the Conn's limit.
	ErrTooLarge = errors.New("too large")

	// ErrTooDeep means nested attributes went deeper than MaxNestingDepth.
	ErrTooDeep = errors.New("nesting too deep")

	// ErrTruncated means the kernel cut a datagram short because the
	// receive buffer was smaller than the datagram (MSG_TRUNC).
	ErrTruncated = errors.New("truncated datagram")

	// ErrNotSupported means the operation is not available on this platform
	// or kernel.
	ErrNotSupported = errors.New("not supported")

	// ErrDumpInterrupted means the kernel set NLM_F_DUMP_INTR: the object
	// set changed during a dump, so the result may be inconsistent. The
	// messages are returned along with it; retrying the dump is the usual fix.
	ErrDumpInterrupted = errors.New("dump interrupted")

	// ErrWouldBlock is what a Socket's Receive returns when no datagram
	// is queued. A Conn never returns it.
	ErrWouldBlock = errors.New("no datagram queued")

	// ErrOverrun means messages were lost because the socket's receive
	// queue overflowed (ENOBUFS) or the peer sent NLMSG_OVERRUN. Errors
	// wrapping it also match syscall.ENOBUFS.
	ErrOverrun = errors.New("receive queue overrun")
)

// A ParseError reports malformed bytes: what was being parsed, where it
// starts in the buffer being parsed, and what was wrong with it. It wraps one
// of the sentinel errors, such as ErrBadLength.
type ParseError struct {
	// What names the element: "message", "attribute", "error message", ...
	What string
	// Offset is the byte offset of the element in the buffer being parsed.
	Offset int
	// Type is the message or attribute type when known, or -1.
	Type int
	// Err is the sentinel describing the class of failure.
	Err error
	// Detail says precisely what was wrong, e.g. "length 3 < 4".
	Detail string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("netlink: ")
	b.WriteString(e.What)
	if e.Type >= 0 {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(e.Type))
	}
	b.WriteString(" at offset ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

// parseErrorf builds a *ParseError. typ is -1 when the type is unknown.
func parseErrorf(what string, off, typ int, err error, format string, args ...any) *ParseError {
	return &ParseError{What: what, Offset: off, Type: typ, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// ExtAck holds the extended acknowledgement TLVs the kernel may attach to an
// NLMSG_ERROR or NLMSG_DONE message (NLMSGERR_ATTR_*). On an error they
// explain it; on a successful acknowledgement they carry warnings and cookies.
type ExtAck struct {
	// Message is the human-readable text (NLMSGERR_ATTR_MSG).
	Message string
	// Offset is the byte offset, from the start of the request's nlmsghdr,
	// of the attribute the kernel objected to (NLMSGERR_ATTR_OFFS). Zero
	// means none was named: offset 0 would be the header itself.
	Offset uint32
	// Cookie is opaque data a family returns (NLMSGERR_ATTR_COOKIE).
	Cookie []byte
	// Policy is the payload of NLMSGERR_ATTR_POLICY, the policy of the
	// rejected attribute as the kernel describes it, undecoded
	// (ParseKernelPolicy decodes it, as ParseAck does into Expected).
	Policy []byte
	// Expected is Policy decoded (KernelPolicy.AttributePolicy): what the
	// kernel expected of the rejected attribute, as "u32 in 1..100". It
	// is nil without a Policy, for a kind of value this package does not
	// know, and for a Policy that does not decode (ParseKernelPolicy says
	// why: the errno is not hidden behind a parse error); its Nested is
	// always nil.
	Expected *AttributePolicy
	// MissingType is the type of a required attribute that was absent
	// (NLMSGERR_ATTR_MISS_TYPE); 0 means none.
	MissingType uint32
	// MissingNest is the offset of the nest the missing attribute belongs
	// in (NLMSGERR_ATTR_MISS_NEST); 0 means the top level.
	MissingNest uint32
}

// clone returns a with its slices copied, so that it can outlive the
// buffer it was parsed from.
func (a ExtAck) clone() ExtAck {
	if a.Cookie != nil {
		a.Cookie = append([]byte(nil), a.Cookie...)
	}
	if a.Policy != nil {
		a.Policy = append([]byte(nil), a.Policy...)
	}
	return a
}

// IsZero reports whether no extended-ack TLV was present.
func (a ExtAck) IsZero() bool {
	return a.Message == "" && a.Offset == 0 && a.Cookie == nil && a.Policy == nil &&
		a.Expected == nil && a.MissingType == 0 && a.MissingNest == 0
}

// An OpError is the error of a netlink operation: a failed system call
// (Err is an *os.SyscallError), an error code sent by the kernel in an
// NLMSG_ERROR or NLMSG_DONE message (Err is a bare syscall.Errno, the same
// type as unix.Errno), or one of this package's sentinels.
//
// It unwraps to Err, so errors.Is(err, unix.ENOENT) and
// errors.Is(err, os.ErrNotExist) both hold for a kernel ENOENT.
//
// When the kernel's extended acknowledgement points into the request (an
// offset, or a missing attribute), Execute keeps a copy of the request in
// Sent, so that the offset can be mapped back to the attribute there:
// AttributePath and MissingPath do, given the length of the family header
// that the root package cannot know, and Locate stores their answers in
// Path and Missing, which Error then prints:
//
//	netlink: execute: invalid argument: Attribute failed policy validation:
//	attribute CTRL_ATTR_FAMILY_NAME (2) at offset 20: kernel expects
//	nul-string of at most 15 bytes
//
// genetlink.Conn locates the attributes of its failed requests itself. A
// successful Execute keeps nothing and costs nothing more.
type OpError struct {
	// Op is the operation: "dial", "send", "receive", "execute", ...
	Op string
	// Err is the underlying error.
	Err error
	// Sequence is the sequence number of the message that failed, if any.
	Sequence uint32
	// Request is the header of the request the kernel echoed back in an
	// NLMSG_ERROR message; zero otherwise.
	Request Header
	// ExtAck holds the extended acknowledgement the kernel attached.
	ExtAck

	// Sent is a copy of the request as sent, from its netlink header on,
	// which ExtAck.Offset and MissingNest count from. Execute keeps it
	// when the kernel gave an offset or a missing attribute; CheckMessage
	// takes it from the echoed request when the echo is complete; it is
	// nil otherwise, and a caller that sent the request can set it.
	Sent []byte
	// Path is the path of the attribute at ExtAck.Offset, set by Locate;
	// nil until then, or when the offset leads to no attribute.
	Path AttributePath
	// Missing is the path of the missing attribute (ExtAck.MissingType):
	// the path of its nest, if any, then its type. Set by Locate.
	Missing AttributePath
}

func (e *OpError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("netlink: ")
	b.WriteString(e.Op)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	switch {
	case e.Path != nil:
		b.WriteString(": attribute ")
		b.WriteString(e.Path.describe())
		b.WriteString(" at offset ")
		b.WriteString(strconv.FormatUint(uint64(e.Offset), 10))
	case e.Offset != 0:
		b.WriteString(" (offset ")
		b.WriteString(strconv.FormatUint(uint64(e.Offset), 10))
		b.WriteString(")")
	}
	if x := e.Expected; x != nil && x.Kind != KindUnspec {
		b.WriteString(": kernel expects ")
		b.WriteString(x.String())
	}
	switch {
	case len(e.Missing) > 0:
		b.WriteString(": missing attribute ")
		b.WriteString(e.Missing[len(e.Missing)-1:].describe())
		if nest := e.Missing[:len(e.Missing)-1]; len(nest) > 0 {
			b.WriteString(" in attribute ")
			b.WriteString(nest.describe())
			b.WriteString(" at offset ")
			b.WriteString(strconv.FormatUint(uint64(e.MissingNest), 10))
		}
	case e.MissingType != 0:
		b.WriteString(" (missing attribute ")
		b.WriteString(strconv.FormatUint(uint64(e.MissingType), 10))
		if e.MissingNest != 0 {
			b.WriteString(" in nest at offset ")
			b.WriteString(strconv.FormatUint(uint64(e.MissingNest), 10))
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a deadline that expired.
func (e *OpError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// overrunf returns an error matching both ErrOverrun and syscall.ENOBUFS,
// as every overrun this package reports does.
func overrunf(format string, args ...any) error {
	return fmt.Errorf("%w (%w): "+format, append([]any{ErrOverrun, syscall.ENOBUFS}, args...)...)
}

// errnoOf converts an error code as carried in nlmsgerr.error to an errno.
// The kernel sends negative errnos; user-space peers sometimes send positive
// ones. math.MinInt32 is negated in 64 bits so it cannot overflow.
func errnoOf(code int32) syscall.Errno {
	n := int64(code)
	if n < 0 {
		n = -n
	}
	return syscall.Errno(n)
}

// ErrPolicy means attributes violate a Policy. Errors wrapping it are
// *PolicyError values.
var ErrPolicy = errors.New("attribute policy violated")

// A PolicyError reports the first attribute that violates a Policy: where
// it is, by path and by offset, and what is wrong with it. It matches
// ErrPolicy and its Errno, so errors.Is(err, unix.ERANGE) tells a value
// out of range (ERANGE) from a malformed attribute (EINVAL), as the
// kernel's answer would.
type PolicyError struct {
	// Path is the attribute's path: the nests it lies in and its own
	// type. It is empty for bytes left over after the last top-level
	// attribute, and names the nest for bytes left over in one.
	Path AttributePath
	// Offset is the offset of the attribute's header, or of the left
	// over bytes, in the buffer validated (from the start of the message
	// header for Policy.ValidateMessage, as ExtAck.Offset).
	Offset int
	// Errno is the error code the kernel's validation returns for this
	// violation: syscall.ERANGE or syscall.EINVAL.
	Errno syscall.Errno
	// Detail says what is wrong, e.g. "value 11 outside 1..10".
	Detail string
}

func (e *PolicyError) Error() string {
	var b strings.Builder
	b.WriteString("netlink: ")
	if len(e.Path) == 0 {
		b.WriteString("attributes")
	} else {
		b.WriteString(e.Path.String())
	}
	b.WriteString(" at offset ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteString(": ")
	b.WriteString(e.Detail)
	return b.String()
}

// Unwrap returns ErrPolicy and Errno.
func (e *PolicyError) Unwrap() []error { return []error{ErrPolicy, e.Errno} }
