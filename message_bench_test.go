package netlink

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// linkDump builds a datagram shaped like an RTM_GETLINK dump: n messages of
// type 16 (RTM_NEWLINK), each an ifinfomsg followed by 40 attributes
// (strings, u32s, u8s, a MAC address, a stats blob and one nest), the last
// message NLMSG_DONE.
func linkDump(n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, rawMessage(16, Multi, 1, 0, linkPayload(i))...)
	}
	return append(b, rawMessage(Done, Multi, 1, 0, ne32(0))...)
}

// linkPayload is one RTM_NEWLINK payload: a 16-byte ifinfomsg and 40
// attributes.
func linkPayload(i int) []byte {
	b := make([]byte, 16) // ifinfomsg
	binary.NativeEndian.PutUint32(b[4:8], uint32(i+1))
	b = append(b, rawAttr(3, []byte(fmt.Sprintf("veth%d\x00", i)))...) // IFLA_IFNAME
	b = append(b, rawAttr(1, []byte{2, 0, 0, 0, 0, byte(i)})...)       // IFLA_ADDRESS
	b = append(b, rawAttr(2, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})...)
	for t := uint16(4); t < 30; t++ { // u32 attributes: MTU, LINK, TXQLEN, ...
		b = append(b, rawAttr(t, ne32(uint32(t)*1000+uint32(i)))...)
	}
	for t := uint16(30); t < 36; t++ { // u8 attributes: OPERSTATE, LINKMODE, ...
		b = append(b, rawAttr(t, []byte{byte(t)})...)
	}
	b = append(b, rawAttr(36, []byte("noqueue\x00"))...)  // IFLA_QDISC
	b = append(b, rawAttr(37, make([]byte, 200))...)      // IFLA_STATS64
	b = append(b, rawAttr(38, make([]byte, 8))...)        // a u64
	nest := cat(rawAttr(1, ne32(1)), rawAttr(2, ne32(2))) // IFLA_LINKINFO-like
	b = append(b, rawAttr(39|AttributeNested, nest)...)
	b = append(b, rawAttr(40, ne32(uint32(i)))...) // IFLA_NEW_IFINDEX-like
	return b
}

// BenchmarkWalkLinkDump walks a 1,000-message RTM_GETLINK-shaped dump with
// the Messages iterator and decodes every top-level attribute.
func BenchmarkWalkLinkDump(b *testing.B) {
	dgram := linkDump(1000)
	b.SetBytes(int64(len(dgram)))
	b.ReportAllocs()
	var d AttributeDecoder
	var sum uint64
	for b.Loop() {
		n, err := walkLinkDump(&d, dgram)
		if err != nil {
			b.Fatal(err)
		}
		sum += n
	}
	_ = sum
}

// walkLinkDump is the plain decode walk of a link dump: every message's
// top-level attributes, read with d. It returns a sum of what it read, so
// that the walk cannot be optimised away.
func walkLinkDump(d *AttributeDecoder, dgram []byte) (uint64, error) {
	var sum uint64
	for m, err := range Messages(dgram) {
		if err != nil {
			return sum, err
		}
		if m.Header.Type != 16 {
			continue
		}
		d.Reset(m.Data[16:])
		for d.Next() {
			sum += uint64(d.Type()) + uint64(len(d.Data()))
		}
		if err := d.Err(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// BenchmarkParseMessages is the allocating, slice-returning walk.
func BenchmarkParseMessages(b *testing.B) {
	dgram := linkDump(1000)
	b.SetBytes(int64(len(dgram)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessages(dgram); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWalkLinkDumpAllocs(t *testing.T) {
	dgram := linkDump(50)
	var d AttributeDecoder
	n := testing.AllocsPerRun(20, func() {
		count := 0
		for m, err := range Messages(dgram) {
			if err != nil {
				panic(err)
			}
			if m.Header.Type != 16 {
				continue
			}
			d.Reset(m.Data[16:])
			for d.Next() {
				count++
			}
			if d.Err() != nil {
				panic(d.Err())
			}
		}
		if count != 50*40 {
			panic(fmt.Sprintf("decoded %d attributes, want %d", count, 50*40))
		}
	})
	if n != 0 {
		t.Fatalf("walk and decode allocated %v times per run, want 0", n)
	}
}
