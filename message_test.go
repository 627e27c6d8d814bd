package netlink

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHeaderTypeString(t *testing.T) {
	tests := []struct {
		typ  HeaderType
		want string
	}{
		{Noop, "noop"}, {Error, "error"}, {Done, "done"}, {Overrun, "overrun"},
		{MinType, "16"}, {0, "0"}, {0xffff, "65535"},
	}
	for _, tt := range tests {
		if got := tt.typ.String(); got != tt.want {
			t.Errorf("HeaderType(%d).String() = %q, want %q", uint16(tt.typ), got, tt.want)
		}
	}
}

func TestHeaderFlagsString(t *testing.T) {
	tests := []struct {
		name  string
		flags HeaderFlags
		ctx   FlagContext
		want  string
	}{
		{"zero", 0, GetFlags, "0"},
		{"request ack", Request | Acknowledge, GetFlags, "request|acknowledge"},
		{"dump", Request | Dump, GetFlags, "request|dump"},
		{"root only", Root, GetFlags, "root"},
		{"all common", Request | Multi | Acknowledge | Echo | DumpInterrupted | DumpFiltered, GetFlags,
			"request|multi|acknowledge|echo|dump-interrupted|dump-filtered"},
		{"atomic", Atomic, GetFlags, "atomic"},
		{"new", Request | Create | Excl, NewFlags, "request|excl|create"},
		{"new replace append", Replace | Append, NewFlags, "replace|append"},
		{"delete", NonRecursive | Bulk, DeleteFlags, "nonrec|bulk"},
		{"ack", Capped | AcknowledgeTLVs, AckFlags, "capped|ack-tlvs"},
		{"unknown bits", Request | 0x1040, GetFlags, "request|0x1040"},
		{"append is unknown in get", Append, GetFlags, "0x800"},
		{"unknown context", Root, FlagContext(9), "0x100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.flags.Format(tt.ctx); got != tt.want {
				t.Fatalf("Format = %q, want %q", got, tt.want)
			}
		})
	}
	if got, want := (Request | Acknowledge).String(), "request|acknowledge"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
}

func TestHeaderString(t *testing.T) {
	tests := []struct {
		name string
		h    Header
		want string
	}{
		{"acknowledgement", Header{Length: 36, Type: Error, Flags: Capped, Sequence: 7}, "{len=36 type=error flags=capped seq=7 pid=0}"},
		{"dump request", Header{Length: 20, Type: 18, Flags: Request | Dump, Sequence: 1, PID: 9}, "{len=20 type=18 flags=request|dump seq=1 pid=9}"},
		{"reply", Header{Length: 20, Type: 16, Flags: Multi, Sequence: 1}, "{len=20 type=16 flags=multi seq=1 pid=0}"},
		// A NEW request's NLM_F_CREATE|NLM_F_EXCL are GET's atomic|match:
		// without the family's word, no name is given.
		{"new request", Header{Length: 20, Type: 16, Flags: Request | Acknowledge | Create | Excl, Sequence: 2}, "{len=20 type=16 flags=request|acknowledge|0x600 seq=2 pid=0}"},
		{"delete request", Header{Length: 20, Type: 17, Flags: Request | NonRecursive, Sequence: 3}, "{len=20 type=17 flags=request|0x100 seq=3 pid=0}"},
	}
	for _, tt := range tests {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("%s: String() = %q, want %q", tt.name, got, tt.want)
		}
	}
	h := Header{Length: 20, Type: 16, Flags: Request | Create | Excl}
	if got, want := h.Format(NewFlags), "{len=20 type=16 flags=request|excl|create seq=0 pid=0}"; got != want {
		t.Errorf("Format(NewFlags) = %q, want %q", got, want)
	}
}

func TestMessageMarshal(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want []byte
	}{
		{
			name: "empty payload",
			m:    Message{Header: Header{Type: Noop, Flags: Request, Sequence: 1, PID: 2}},
			want: rawHeader(16, Noop, Request, 1, 2),
		},
		{
			name: "aligned payload",
			m:    Message{Header: Header{Type: 16, Sequence: 3}, Data: []byte{1, 2, 3, 4}},
			want: cat(rawHeader(20, 16, 0, 3, 0), []byte{1, 2, 3, 4}),
		},
		{
			name: "padded payload, length excludes padding",
			m:    Message{Header: Header{Type: 16}, Data: []byte{1}},
			want: cat(rawHeader(17, 16, 0, 0, 0), []byte{1, 0, 0, 0}),
		},
		{
			name: "caller length ignored",
			m:    Message{Header: Header{Length: 999, Type: 16}, Data: []byte{1, 2, 3, 4, 5, 6}},
			want: cat(rawHeader(22, 16, 0, 0, 0), []byte{1, 2, 3, 4, 5, 6, 0, 0}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("MarshalBinary (-want +got):\n%s", diff)
			}
			// Appending to dirty spare capacity must still zero the padding.
			dirty := make([]byte, 3, 64)
			for i := range dirty[:cap(dirty)] {
				dirty[:cap(dirty)][i] = 0xff
			}
			got, err = tt.m.AppendBinary(dirty)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(append([]byte{0xff, 0xff, 0xff}, tt.want...), got); diff != "" {
				t.Fatalf("AppendBinary (-want +got):\n%s", diff)
			}
			var m Message
			if err := m.UnmarshalBinary(got[3:]); err != nil {
				t.Fatal(err)
			}
			wantM := tt.m
			wantM.Header.Length = uint32(MessageLen(len(tt.m.Data)))
			if diff := cmp.Diff(wantM, m, cmpEmptyNil); diff != "" {
				t.Fatalf("UnmarshalBinary (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpEmptyNil treats nil and empty byte slices as equal.
var cmpEmptyNil = cmp.Comparer(func(a, b []byte) bool { return string(a) == string(b) })

func TestUnmarshalCopies(t *testing.T) {
	b := rawMessage(16, 0, 1, 1, []byte("abcd"))
	var m Message
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b[HeaderLen] = 'z'
	if string(m.Data) != "abcd" {
		t.Fatalf("Data aliases the input: %q", m.Data)
	}
}

func TestParseMessages(t *testing.T) {
	// A datagram whose last message is unaligned, as real families send:
	// 3 messages, the last one 133 bytes with no padding after it.
	last := make([]byte, 133-HeaderLen)
	for i := range last {
		last[i] = byte(i)
	}
	lastMsg := cat(rawHeader(133, 20, Multi, 5, 0), last)
	dgram := cat(
		rawMessage(20, Multi, 5, 0, []byte{1, 2, 3}),
		rawMessage(20, Multi, 5, 0, nil),
		lastMsg,
	)
	want := []Message{
		{Header: Header{Length: 19, Type: 20, Flags: Multi, Sequence: 5}, Data: []byte{1, 2, 3}},
		{Header: Header{Length: 16, Type: 20, Flags: Multi, Sequence: 5}, Data: []byte{}},
		{Header: Header{Length: 133, Type: 20, Flags: Multi, Sequence: 5}, Data: last},
	}
	got, err := ParseMessages(dgram)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpEmptyNil); diff != "" {
		t.Fatalf("ParseMessages (-want +got):\n%s", diff)
	}
	// Data aliases the datagram.
	dgram[HeaderLen] = 9
	if got[0].Data[0] != 9 {
		t.Fatal("Data does not alias the datagram")
	}
	var it []Message
	for m, err := range Messages(dgram) {
		if err != nil {
			t.Fatal(err)
		}
		it = append(it, m)
	}
	if diff := cmp.Diff(got, it, cmpEmptyNil); diff != "" {
		t.Fatalf("Messages differs from ParseMessages (-want +got):\n%s", diff)
	}
	// Appending to a parsed message's Data must not overwrite the next one.
	_ = append(got[0].Data, 0xee)
	if dgram[HeaderLen+3] == 0xee {
		t.Fatal("Data has capacity past its message")
	}
}

func TestParseMessagesEmpty(t *testing.T) {
	msgs, err := ParseMessages(nil)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("ParseMessages(nil) = %v, %v", msgs, err)
	}
	for range Messages(nil) {
		t.Fatal("Messages(nil) yielded")
	}
}

func TestMessagesBreak(t *testing.T) {
	dgram := cat(rawMessage(20, 0, 1, 0, nil), rawMessage(20, 0, 2, 0, nil), []byte{1})
	n := 0
	for m := range Messages(dgram) {
		n++
		if m.Header.Sequence == 1 {
			break
		}
	}
	if n != 1 {
		t.Fatalf("loop ran %d times after break, want 1", n)
	}
}

func TestMessagesAllocs(t *testing.T) {
	dgram := linkDump(100)
	n := testing.AllocsPerRun(50, func() {
		for m, err := range Messages(dgram) {
			if err != nil || (m.Header.Type != 16 && m.Header.Type != Done) {
				panic("bad walk")
			}
		}
	})
	if n != 0 {
		t.Fatalf("Messages walk allocated %v times, want 0", n)
	}
}

// malformedMessage is a datagram that must fail to parse with a specific
// error.
type malformedMessage struct {
	name    string
	b       []byte
	wantErr error // sentinel
	offset  int
	typ     int
	good    int // messages parsed before the error
}

func malformedMessages() []malformedMessage {
	ok := rawMessage(20, 0, 1, 0, []byte{1, 2, 3, 4})
	return []malformedMessage{
		{"one byte", []byte{1}, ErrShortMessage, 0, -1, 0},
		{"fifteen bytes", make([]byte, 15), ErrShortMessage, 0, -1, 0},
		{"length zero", rawHeader(0, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length one", rawHeader(1, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length fifteen", rawHeader(15, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length past end", rawHeader(17, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length far past end", rawHeader(4096, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length max uint32", rawHeader(0xffffffff, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length 2^31", rawHeader(0x80000000, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"length 2^32-16", rawHeader(0xfffffff0, 20, 0, 0, 0), ErrBadLength, 0, 20, 0},
		{"trailing byte", cat(ok, []byte{0}), ErrShortMessage, 20, -1, 1},
		{"trailing 4 bytes", cat(ok, make([]byte, 4)), ErrShortMessage, 20, -1, 1},
		{"trailing 15 bytes", cat(ok, make([]byte, 15)), ErrShortMessage, 20, -1, 1},
		{"second length zero", cat(ok, rawHeader(0, 21, 0, 0, 0)), ErrBadLength, 20, 21, 1},
		{"second length past end", cat(ok, rawHeader(40, 21, 0, 0, 0)), ErrBadLength, 20, 21, 1},
		{"second length max", cat(ok, rawHeader(0xffffffff, 21, 0, 0, 0)), ErrBadLength, 20, 21, 1},
		{"third after two good", cat(ok, ok, rawHeader(3, 22, 0, 0, 0)), ErrBadLength, 40, 22, 2},
		{"padding eats header", cat(rawHeader(17, 20, 0, 0, 0), []byte{1, 0, 0, 0}, make([]byte, 12)), ErrShortMessage, 20, -1, 1},
		{"unaligned then trailing", cat(rawHeader(17, 20, 0, 0, 0), []byte{1, 0, 0, 0, 1}), ErrShortMessage, 20, -1, 1},
		{"header length one short of data", cat(rawHeader(21, 20, 0, 0, 0), []byte{1, 2, 3, 4}), ErrBadLength, 0, 20, 0},
	}
}

func TestParseMessagesMalformed(t *testing.T) {
	for _, tt := range malformedMessages() {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := ParseMessages(tt.b)
			checkParseError(t, err, tt.wantErr, tt.offset, tt.typ)
			if len(msgs) != tt.good {
				t.Fatalf("got %d good messages, want %d", len(msgs), tt.good)
			}
			// The iterator agrees and ends with the error.
			n := 0
			var last error
			for _, err := range Messages(tt.b) {
				if err != nil {
					last = err
					continue
				}
				n++
			}
			if n != tt.good || !errors.Is(last, tt.wantErr) {
				t.Fatalf("Messages: %d good, error %v; want %d, %v", n, last, tt.good, tt.wantErr)
			}
		})
	}
}

func TestUnmarshalMalformed(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		wantErr error
		offset  int
		typ     int
	}{
		{"empty", nil, ErrShortMessage, 0, -1},
		{"short", make([]byte, 10), ErrShortMessage, 0, -1},
		{"length small", rawHeader(8, 20, 0, 0, 0), ErrBadLength, 0, 20},
		{"length big", rawHeader(32, 20, 0, 0, 0), ErrBadLength, 0, 20},
		{"two messages", cat(rawMessage(20, 0, 0, 0, nil), rawMessage(20, 0, 0, 0, nil)), ErrBadLength, 0, 20},
		{"trailing garbage past padding", cat(rawHeader(17, 20, 0, 0, 0), make([]byte, 5)), ErrBadLength, 0, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			checkParseError(t, m.UnmarshalBinary(tt.b), tt.wantErr, tt.offset, tt.typ)
		})
	}
	// Padding after an unaligned message is accepted.
	var m Message
	if err := m.UnmarshalBinary(cat(rawHeader(17, 20, 0, 0, 0), make([]byte, 4))); err != nil {
		t.Fatalf("padded message: %v", err)
	}
}

// checkParseError checks that err is a *ParseError wrapping want at the
// given offset and type.
func checkParseError(t *testing.T, err, want error, offset, typ int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not a *ParseError", err)
	}
	if pe.Offset != offset || pe.Type != typ {
		t.Fatalf("error %q at offset %d type %d, want offset %d type %d", err, pe.Offset, pe.Type, offset, typ)
	}
	if pe.Error() == "" || pe.Error()[:9] != "netlink: " {
		t.Fatalf("error text %q lacks the netlink: prefix", pe.Error())
	}
}

func TestMessageTooLarge(t *testing.T) {
	// A 4 GiB payload cannot be allocated everywhere tests run (32-bit
	// platforms, the 1 GiB test VM), so the check is tested directly.
	limit := uint64(math.MaxUint32 - HeaderLen - Alignment)
	if limit+1 > uint64(math.MaxInt) {
		t.Skip("on 32-bit platforms no slice is long enough to overflow a message length")
	}
	for _, n := range []uint64{limit + 1, math.MaxInt} {
		if err := checkPayloadLen(int(n), 8, 20); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("checkPayloadLen(%d) = %v, want ErrTooLarge", n, err)
		}
	}
	if err := checkPayloadLen(int(limit), 0, 20); err != nil {
		t.Fatalf("largest payload refused: %v", err)
	}
}

func TestFinishMessage(t *testing.T) {
	e := NewAttributeEncoder()
	e.Reset(append(make([]byte, HeaderLen, 64), 1, 2, 3, 4)) // reserved header, family header
	e.String(1, "ab")                                        // 3-byte payload: unaligned end
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	h := Header{Type: 20, Flags: Request, Sequence: 9, PID: 3}
	got, err := FinishMessage(b, h)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Message{Header: h, Data: cat([]byte{1, 2, 3, 4}, rawAttr(1, []byte("ab\x00")))}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("FinishMessage (-want +got):\n%s", diff)
	}
	if n := testing.AllocsPerRun(20, func() {
		e.Reset(append(b[:0], make([]byte, HeaderLen)...))
		e.Uint32(2, 7)
		b, _ = e.Encode()
		b, _ = FinishMessage(b, h)
	}); n != 0 {
		t.Fatalf("building in place allocated %v times, want 0", n)
	}
	_, err = FinishMessage(make([]byte, 15), h)
	checkParseError(t, err, ErrShortMessage, 0, 20)
}
