package bench

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dumpMessages is the number of RTM_NEWLINK messages in the Decode
// workload's datagram.
const dumpMessages = 1000

// A codec is one implementation of the codec workloads.
type codec struct {
	name string
	// decode walks a linkDump datagram up to NLMSG_DONE and returns the
	// sum, over every top-level attribute of every message, of the
	// attribute's type without flag bits and its payload length.
	decode func(b []byte) (uint64, error)
	// newEncoder returns an encoder holding whatever the library lets a
	// caller reuse from one request to the next.
	newEncoder func() encoder
}

// An encoder encodes a linkRequest into one complete netlink message,
// header included, the bytes a caller would hand to the socket. The result
// may alias the encoder's buffers and is valid until the next call.
type encoder interface {
	encode(r *linkRequest) ([]byte, error)
}

// codecs returns the implementations compared, the floor first.
func codecs() []codec {
	return []codec{
		{name: "floor", decode: decodeFloor, newEncoder: newFloorEncoder},
		{name: "nlgo", decode: decodeNlgo, newEncoder: newNlgoEncoder},
		{name: "mdlayher", decode: decodeMdlayher, newEncoder: newMdlayherEncoder},
		{name: "vishvananda", decode: decodeVishvananda, newEncoder: newVishvanandaEncoder},
	}
}

// errNoDone means a dump ended without NLMSG_DONE.
var errNoDone = errors.New("dump ended without NLMSG_DONE")

// errBadLength means a length field was too small or ran past the end of
// its buffer, for the decoders that have to say so themselves.
var errBadLength = errors.New("bad length")

// errShortPayload means a message was too short for its family header.
var errShortPayload = errors.New("payload shorter than struct ifinfomsg")

// TestSameResults checks, before anything is timed, that every
// implementation does the same work: each decoder reaches the checksum the
// generator computed, and each encoder produces exactly the generator's
// bytes, twice in a row so that a reused buffer is exercised.
func TestSameResults(t *testing.T) {
	dump := newLinkDump(dumpMessages)
	req := newLinkRequest()
	want := req.wire()
	for _, c := range codecs() {
		t.Run("decode/"+c.name, func(t *testing.T) {
			got, err := c.decode(dump.b)
			if err != nil {
				t.Fatal(err)
			}
			if got != dump.sum {
				t.Errorf("checksum = %d, want %d", got, dump.sum)
			}
		})
		t.Run("encode/"+c.name, func(t *testing.T) {
			enc := c.newEncoder()
			for i := range 2 {
				got, err := enc.encode(&req)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("encoding %d differs (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// TestDecodersRejectMalformed checks that every decoder reports a
// truncated dump rather than a checksum, so that none of them is fast by
// skipping the length checks the others make.
func TestDecodersRejectMalformed(t *testing.T) {
	const doneLen = nlmsgHeaderLen + 4 // NLMSG_DONE and its error code
	dump := newLinkDump(2)
	longAttr := append([]byte(nil), dump.b...)
	longAttr[nlmsgHeaderLen+ifinfomsgLen] = 0xff // the first attribute's length
	longAttr[nlmsgHeaderLen+ifinfomsgLen+1] = 0xff
	tests := []struct {
		name string
		b    []byte
	}{
		{name: "empty", b: nil},
		{name: "no done", b: dump.b[:len(dump.b)-doneLen]},
		{name: "truncated message", b: dump.b[:len(dump.b)/2]},
		{name: "attribute past its message", b: longAttr},
	}
	for _, c := range codecs() {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				if sum, err := c.decode(tt.b); err == nil {
					t.Errorf("checksum %d, want an error", sum)
				}
			})
		}
	}
}

// TestAllocations holds the allocation budget of this library's codec
// paths and of the floor: none, per datagram decoded or request encoded.
func TestAllocations(t *testing.T) {
	dump := newLinkDump(dumpMessages)
	req := newLinkRequest()
	for _, c := range codecs()[:2] { // floor, nlgo
		t.Run("decode/"+c.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(10, func() {
				if _, err := c.decode(dump.b); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per dump, want 0", allocs)
			}
		})
		t.Run("encode/"+c.name, func(t *testing.T) {
			enc := c.newEncoder()
			allocs := testing.AllocsPerRun(100, func() {
				if _, err := enc.encode(&req); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per request, want 0", allocs)
			}
		})
	}
}

// BenchmarkDecode walks a 1,000-message RTM_GETLINK dump and decodes every
// top-level attribute (its type and payload length). Bytes per second
// count the whole datagram.
func BenchmarkDecode(b *testing.B) {
	dump := newLinkDump(dumpMessages)
	for _, c := range codecs() {
		b.Run("impl="+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(dump.b)))
			b.ReportAllocs()
			var sum uint64
			for b.Loop() {
				s, err := c.decode(dump.b)
				if err != nil {
					b.Fatal(err)
				}
				sum = s
			}
			if sum != dump.sum {
				b.Fatalf("checksum = %d, want %d", sum, dump.sum)
			}
		})
	}
}

// BenchmarkEncode encodes one RTM_NEWLINK request, family header and 16
// attributes with a nest of four, into a complete message, reusing
// buffers wherever the library allows.
func BenchmarkEncode(b *testing.B) {
	req := newLinkRequest()
	for _, c := range codecs() {
		b.Run("impl="+c.name, func(b *testing.B) {
			enc := c.newEncoder()
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				var err error
				if out, err = enc.encode(&req); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(out)))
		})
	}
}
