package netlink

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseMessages checks that walking any datagram never panics, that the
// slice and iterator walks agree, and that whatever parses re-encodes to
// bytes that parse to the same messages.
func FuzzParseMessages(f *testing.F) {
	f.Add(linkDump(2))
	f.Add(cat(rawMessage(20, Multi, 1, 0, []byte{1, 2, 3}), rawHeader(133, 20, 0, 1, 0), make([]byte, 117)))
	for _, m := range malformedMessages() {
		f.Add(m.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := ParseMessages(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(b) {
				t.Fatalf("error %v is not a *ParseError inside the buffer", err)
			}
		}
		n := 0
		for m, ierr := range Messages(b) {
			if ierr != nil {
				if err == nil || ierr.Error() != err.Error() {
					t.Fatalf("iterator error %v, slice error %v", ierr, err)
				}
				break
			}
			if n >= len(msgs) || m.Header != msgs[n].Header || !bytes.Equal(m.Data, msgs[n].Data) {
				t.Fatalf("iterator message %d differs", n)
			}
			n++
		}
		if n != len(msgs) {
			t.Fatalf("iterator saw %d messages, slice %d", n, len(msgs))
		}
		var enc []byte
		for _, m := range msgs {
			if enc, err = m.AppendBinary(enc); err != nil {
				t.Fatal(err)
			}
		}
		again, err := ParseMessages(enc)
		if err != nil {
			t.Fatalf("re-encoded messages do not parse: %v", err)
		}
		if len(again) != len(msgs) {
			t.Fatalf("re-encoded %d messages, parsed %d", len(msgs), len(again))
		}
		for i := range again {
			if again[i].Header != msgs[i].Header || !bytes.Equal(again[i].Data, msgs[i].Data) {
				t.Fatalf("message %d changed in a round trip", i)
			}
		}
	})
}

// FuzzUnmarshalMessage checks that decoding one message never panics and
// that a decoded message re-encodes to the same bytes, modulo padding.
func FuzzUnmarshalMessage(f *testing.F) {
	f.Add(rawMessage(20, Request|Acknowledge, 1, 2, []byte("hello")))
	f.Add(rawHeader(16, Noop, 0, 0, 0))
	f.Add(rawHeader(15, Noop, 0, 0, 0))
	f.Add(cat(rawHeader(17, 20, 0, 0, 0), make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.UnmarshalBinary(b); err != nil {
			return
		}
		enc, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc[:m.Header.Length], b[:m.Header.Length]) {
			t.Fatalf("re-encoding changed the message:\n got %x\nwant %x", enc, b)
		}
	})
}

// FuzzParseAck checks that acknowledgement parsing never panics, that
// CheckMessage agrees with ParseAck, and that every slice stays inside the
// input.
func FuzzParseAck(f *testing.F) {
	capped := rawHeader(24, 20, Request, 42, 0)
	f.Add(uint16(Error), uint16(0), errPayload(0, ackRequestBytes()))
	f.Add(uint16(Error), uint16(Capped|AcknowledgeTLVs), errPayload(-17, capped,
		rawAttr(extAckMessage, []byte("exists\x00")), rawAttr(extAckOffset, ne32(20))))
	f.Add(uint16(Error), uint16(AcknowledgeTLVs), errPayload(-22, ackRequestBytes(),
		rawAttr(extAckPolicy|AttributeNested, rawAttr(1, ne32(3))), rawAttr(extAckMissingType, ne32(7))))
	f.Add(uint16(Done), uint16(AcknowledgeTLVs), cat(ne32(0xfffffffc), rawAttr(extAckMessage, []byte("m\x00"))))
	f.Add(uint16(Done), uint16(0), []byte{})
	f.Add(uint16(Error), uint16(0), []byte{1, 2})
	f.Fuzz(func(t *testing.T, typ, flags uint16, data []byte) {
		m := Message{Header: Header{Type: HeaderType(typ), Flags: HeaderFlags(flags)}, Data: data}
		a, perr := ParseAck(m)
		cerr := CheckMessage(m)
		switch HeaderType(typ) {
		case Error, Done:
			if perr != nil {
				if !errors.Is(cerr, perr) && cerr.Error() != perr.Error() {
					t.Fatalf("ParseAck error %v, CheckMessage error %v", perr, cerr)
				}
				return
			}
			if (a.Code == 0) != (cerr == nil) {
				t.Fatalf("code %d but CheckMessage returned %v", a.Code, cerr)
			}
		default:
			if perr == nil {
				t.Fatalf("ParseAck accepted type %d", typ)
			}
		}
		if len(a.Request.Data) > len(data) || len(a.ExtAck.Cookie) > len(data) || len(a.ExtAck.Policy) > len(data) {
			t.Fatal("a slice of the result is longer than the input")
		}
	})
}
