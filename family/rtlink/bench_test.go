package rtlink_test

import (
	"fmt"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family/rtlink"
)

// BenchmarkDecodeLinkDump decodes 1,001 kernel-like links: into one
// reused LinkAttrs ("typed"), into a new LinkAttrs each ("typed-new"), and
// the floor, a walk of every attribute that reads only the name and the
// MTU ("walk").
func BenchmarkDecodeLinkDump(b *testing.B) {
	var msgs [][]byte
	for i := range 1001 {
		msgs = append(msgs, kernelLink(b, fmt.Sprintf("veth%d", i), int32(i+1), 1500, uint16(i%4000+1)))
	}
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		var v rtlink.LinkAttrs
		var d netlink.AttributeDecoder
		for b.Loop() {
			for _, m := range msgs {
				if err := v.Decode(&d, m); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("typed-new", func(b *testing.B) {
		b.ReportAllocs()
		var d netlink.AttributeDecoder
		for b.Loop() {
			for _, m := range msgs {
				v := new(rtlink.LinkAttrs)
				if err := v.Decode(&d, m); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		var d netlink.AttributeDecoder
		var mtu uint32
		var name []byte
		for b.Loop() {
			for _, m := range msgs {
				d.Reset(m[16:])
				for d.Next() {
					switch d.Type() {
					case rtlink.AttrLinkIfname:
						name = d.Data()
					case rtlink.AttrLinkMtu:
						mtu = d.Uint32()
					}
				}
				if d.Err() != nil {
					b.Fatal(d.Err())
				}
			}
		}
		_, _ = mtu, name
	})
}
