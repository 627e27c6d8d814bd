package netlink

import (
	"errors"
	"math"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// errPayload builds an NLMSG_ERROR payload: the code, the echoed request
// bytes (a whole message, or only its header when capped), then TLVs.
func errPayload(code int32, echoed []byte, tlvs ...[]byte) []byte {
	b := cat(ne32(uint32(code)), echoed)
	b = append(b, make([]byte, Align(len(b))-len(b))...)
	return cat(append([][]byte{b}, tlvs...)...)
}

// request is the request the acks in these tests answer: 24 bytes.
var ackRequest = Message{
	Header: Header{Length: 24, Type: 20, Flags: Request | Acknowledge, Sequence: 42, PID: 1234},
	Data:   []byte{1, 2, 3, 4, 5, 6, 7, 8},
}

func ackRequestBytes() []byte {
	b, _ := ackRequest.MarshalBinary()
	return b
}

func errMsg(flags HeaderFlags, data []byte) Message {
	return Message{Header: Header{Length: uint32(MessageLen(len(data))), Type: Error, Flags: flags, Sequence: 42}, Data: data}
}

func TestParseAck(t *testing.T) {
	reqHdr := ackRequestBytes()[:HeaderLen]
	cappedHdr := rawHeader(24, 20, Request|Acknowledge, 42, 1234) // length still says 24
	eexist := int32(-int32(syscall.EEXIST))
	tests := []struct {
		name string
		m    Message
		want Ack
	}{
		{
			name: "success, full echo",
			m:    errMsg(0, errPayload(0, ackRequestBytes())),
			want: Ack{Request: ackRequest},
		},
		{
			name: "success with warning and cookie",
			m: errMsg(AcknowledgeTLVs, errPayload(0, ackRequestBytes(),
				rawAttr(extAckMessage, []byte("deprecated attribute\x00")),
				rawAttr(extAckCookie, []byte{9, 9, 9, 9, 9, 9, 9, 9}))),
			want: Ack{Request: ackRequest, ExtAck: ExtAck{Message: "deprecated attribute", Cookie: []byte{9, 9, 9, 9, 9, 9, 9, 9}}},
		},
		{
			name: "error, capped, with message and offset",
			m: errMsg(Capped|AcknowledgeTLVs, errPayload(eexist, cappedHdr,
				rawAttr(extAckMessage, []byte("Address already assigned\x00")),
				rawAttr(extAckOffset, ne32(20)))),
			want: Ack{Code: eexist, Request: Message{Header: ackRequest.Header},
				ExtAck: ExtAck{Message: "Address already assigned", Offset: 20}},
		},
		{
			name: "error, full echo, TLVs after the echoed payload",
			m: errMsg(AcknowledgeTLVs, errPayload(-22, ackRequestBytes(),
				rawAttr(extAckMessage, []byte("bad\x00")))),
			want: Ack{Code: -22, Request: ackRequest, ExtAck: ExtAck{Message: "bad"}},
		},
		{
			name: "error, unaligned echoed request",
			m: errMsg(AcknowledgeTLVs, errPayload(-22, cat(rawHeader(19, 20, Request, 42, 1234), []byte{7, 7, 7}),
				rawAttr(extAckOffset, ne32(16)))),
			want: Ack{Code: -22, Request: Message{Header: Header{Length: 19, Type: 20, Flags: Request, Sequence: 42, PID: 1234}, Data: []byte{7, 7, 7}},
				ExtAck: ExtAck{Offset: 16}},
		},
		{
			name: "every TLV, unknown ones skipped",
			m: errMsg(Capped|AcknowledgeTLVs, errPayload(-22, cappedHdr,
				rawAttr(extAckMessage, []byte("missing\x00")),
				rawAttr(99, []byte{1}),
				rawAttr(extAckPolicy|AttributeNested, rawAttr(1, ne32(3))),
				rawAttr(extAckMissingType, ne32(7)),
				rawAttr(extAckMissingNest, ne32(32)))),
			want: Ack{Code: -22, Request: Message{Header: ackRequest.Header},
				ExtAck: ExtAck{Message: "missing", Policy: rawAttr(1, ne32(3)), Expected: &AttributePolicy{Kind: KindU16},
					MissingType: 7, MissingNest: 32}},
		},
		{
			name: "TLV flag without TLVs",
			m:    errMsg(Capped|AcknowledgeTLVs, errPayload(-1, reqHdr)),
			want: Ack{Code: -1, Request: Message{Header: ackRequest.Header}},
		},
		{
			name: "bare error code",
			m:    errMsg(0, ne32(uint32(eexist))),
			want: Ack{Code: eexist},
		},
		{
			name: "positive code",
			m:    errMsg(Capped, errPayload(17, reqHdr)),
			want: Ack{Code: 17, Request: Message{Header: ackRequest.Header}},
		},
		{
			name: "INT32_MIN",
			m:    errMsg(Capped, errPayload(math.MinInt32, reqHdr)),
			want: Ack{Code: math.MinInt32, Request: Message{Header: ackRequest.Header}},
		},
		{
			name: "empty done",
			m:    Message{Header: Header{Type: Done}},
			want: Ack{},
		},
		{
			name: "done with code",
			m:    Message{Header: Header{Type: Done}, Data: neI32(-4)},
			want: Ack{Code: -4},
		},
		{
			name: "done with code and TLVs",
			m: Message{Header: Header{Type: Done, Flags: AcknowledgeTLVs}, Data: cat(neI32(-90),
				rawAttr(extAckMessage, []byte("dump too big\x00")), rawAttr(extAckOffset, ne32(24)))},
			want: Ack{Code: -90, ExtAck: ExtAck{Message: "dump too big", Offset: 24}},
		},
		{
			name: "done TLVs ignored without the flag",
			m:    Message{Header: Header{Type: Done}, Data: cat(ne32(0), rawAttr(extAckMessage, []byte("x\x00")))},
			want: Ack{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAck(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpEmptyNil); diff != "" {
				t.Fatalf("ParseAck (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAckErrno(t *testing.T) {
	tests := []struct {
		code int32
		want syscall.Errno
	}{
		{0, 0}, {-2, syscall.ENOENT}, {2, syscall.ENOENT}, {-17, syscall.EEXIST},
		{math.MinInt32, syscall.Errno(1 << 31)}, {math.MaxInt32, syscall.Errno(math.MaxInt32)},
	}
	for _, tt := range tests {
		if got := (Ack{Code: tt.code}).Errno(); got != tt.want {
			t.Errorf("Errno(%d) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestCheckMessage(t *testing.T) {
	enoent := errMsg(Capped|AcknowledgeTLVs, errPayload(-int32(syscall.ENOENT), rawHeader(24, 20, Request, 42, 1234),
		rawAttr(extAckMessage, []byte("no such link\x00")), rawAttr(extAckOffset, ne32(20))))
	err := CheckMessage(enoent)
	if !errors.Is(err, syscall.ENOENT) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("CheckMessage = %v, want ENOENT matching os.ErrNotExist", err)
	}
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %T is not an *OpError", err)
	}
	want := &OpError{Op: "receive", Err: syscall.ENOENT, Sequence: 42,
		Request: Header{Length: 24, Type: 20, Flags: Request, Sequence: 42, PID: 1234},
		ExtAck:  ExtAck{Message: "no such link", Offset: 20}}
	if diff := cmp.Diff(*want, *oe, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Fatalf("OpError (-want +got):\n%s", diff)
	}
	if got, wantS := err.Error(), "netlink: receive: no such file or directory: no such link (offset 20)"; got != wantS {
		t.Fatalf("Error() = %q, want %q", got, wantS)
	}

	for _, tt := range []struct {
		name string
		m    Message
	}{
		{"ordinary", Message{Header: Header{Type: 20}, Data: []byte{1}}},
		{"success ack", errMsg(0, errPayload(0, ackRequestBytes()))},
		{"success ack with warning", errMsg(AcknowledgeTLVs, errPayload(0, ackRequestBytes(), rawAttr(extAckMessage, []byte("w\x00"))))},
		{"empty done", Message{Header: Header{Type: Done}}},
		{"zero done", Message{Header: Header{Type: Done}, Data: ne32(0)}},
		{"noop", Message{Header: Header{Type: Noop}}},
	} {
		if err := CheckMessage(tt.m); err != nil {
			t.Errorf("%s: CheckMessage = %v, want nil", tt.name, err)
		}
	}

	if err := CheckMessage(Message{Header: Header{Type: Done}, Data: neI32(-4)}); !errors.Is(err, syscall.EINTR) {
		t.Errorf("done with -EINTR: got %v", err)
	}
	if err := CheckMessage(Message{Header: Header{Type: Overrun}}); !errors.Is(err, ErrOverrun) {
		t.Errorf("overrun: got %v", err)
	}
	if err := CheckMessage(errMsg(0, []byte{1})); !errors.Is(err, ErrShortMessage) {
		t.Errorf("malformed: got %v", err)
	}
}

func TestParseAckMalformed(t *testing.T) {
	capped := rawHeader(24, 20, 0, 42, 0)
	tests := []struct {
		name    string
		m       Message
		wantErr error
		offset  int
		typ     int
	}{
		{"error empty", errMsg(0, nil), ErrShortMessage, 0, -1},
		{"error 3 bytes", errMsg(0, []byte{1, 2, 3}), ErrShortMessage, 0, -1},
		{"error 10 bytes", errMsg(0, make([]byte, 10)), ErrShortMessage, 4, -1},
		{"error 19 bytes", errMsg(0, make([]byte, 19)), ErrShortMessage, 4, -1},
		{"echoed length 8", errMsg(0, errPayload(-1, rawHeader(8, 20, 0, 0, 0))), ErrBadLength, 4, 20},
		{"echoed length past end", errMsg(0, errPayload(-1, rawHeader(64, 20, 0, 0, 0))), ErrBadLength, 4, 20},
		{"echoed length max", errMsg(0, errPayload(-1, rawHeader(0xffffffff, 20, 0, 0, 0))), ErrBadLength, 4, 20},
		{"TLV length 2", errMsg(Capped|AcknowledgeTLVs, cat(errPayload(-1, capped), ne16(2), ne16(1))), ErrBadLength, 20, 1},
		{"TLV past end", errMsg(Capped|AcknowledgeTLVs, cat(errPayload(-1, capped), ne16(40), ne16(1), []byte("abc"))), ErrBadLength, 20, 1},
		{"TLV trailing bytes", errMsg(Capped|AcknowledgeTLVs, cat(errPayload(-1, capped), rawAttr(1, []byte("m\x00")), []byte{1, 2})), ErrBadLength, 28, -1},
		{"offset TLV too short", errMsg(Capped|AcknowledgeTLVs, errPayload(-1, capped, rawAttr(extAckOffset, ne16(3)))), ErrBadLength, 20, extAckOffset},
		{"miss type TLV too long", errMsg(Capped|AcknowledgeTLVs, errPayload(-1, capped, rawAttr(extAckMissingType, make([]byte, 8)))), ErrBadLength, 20, extAckMissingType},
		{"done 2 bytes", Message{Header: Header{Type: Done}, Data: []byte{1, 2}}, ErrShortMessage, 0, -1},
		{"done bad TLV", Message{Header: Header{Type: Done, Flags: AcknowledgeTLVs}, Data: cat(ne32(0), ne16(3), ne16(1))}, ErrBadLength, 4, 1},
		{"not an ack", Message{Header: Header{Type: 20}}, ErrBadLength, 0, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAck(tt.m)
			checkParseError(t, err, tt.wantErr, tt.offset, tt.typ)
		})
	}
}
