package rtlink_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family/rtlink"
)

// vethLink builds an RTM_NEWLINK payload shaped as the kernel's dump of a
// veth that is down (what bench/setup.sh makes 1,000 of): a name of its
// own, but the qdisc ("noop") and linkinfo kind ("veth") every other veth
// has, and the per-family nests of IFLA_AF_SPEC with the devconf and
// statistics arrays at the lengths a 6.x kernel sends, longer than the
// structs of the spec. withInfo false leaves IFLA_LINKINFO out, as for lo.
// The numbers are the uapi's, as in kernelLink.
func vethLink(t testing.TB, name string, index int32, withInfo bool) []byte {
	t.Helper()
	hdr := make([]byte, 16)
	binary.NativeEndian.PutUint16(hdr[2:], 1) // ifi_type ARPHRD_ETHER
	binary.NativeEndian.PutUint32(hdr[4:], uint32(index))
	binary.NativeEndian.PutUint32(hdr[8:], 0x1002) // broadcast|multicast
	e := netlink.NewAttributeEncoder()
	e.Reset(hdr)
	e.String(3, name)                                                // IFLA_IFNAME
	e.Uint32(13, 1000)                                               // IFLA_TXQLEN
	e.Uint8(16, 2)                                                   // IFLA_OPERSTATE: IF_OPER_DOWN
	e.Uint32(4, 1500)                                                // IFLA_MTU
	e.Uint32(50, 68)                                                 // IFLA_MIN_MTU
	e.Uint32(51, 65535)                                              // IFLA_MAX_MTU
	e.Uint32(31, 2)                                                  // IFLA_NUM_TX_QUEUES
	e.Uint32(5, uint32(index^1))                                     // IFLA_LINK: the peer
	e.String(6, "noop")                                              // IFLA_QDISC
	e.Bytes(1, []byte{0x02, 0, 0, 0, byte(index >> 8), byte(index)}) // IFLA_ADDRESS
	e.Bytes(2, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})           // IFLA_BROADCAST
	e.Bytes(23, make([]byte, 200))                                   // IFLA_STATS64
	e.Bytes(7, make([]byte, 96))                                     // IFLA_STATS
	e.Nested(43, func(e *netlink.AttributeEncoder) error {           // IFLA_XDP
		e.Uint8(2, 0) // IFLA_XDP_ATTACHED
		return nil
	})
	if withInfo {
		e.Nested(18, func(e *netlink.AttributeEncoder) error { // IFLA_LINKINFO
			e.String(1, "veth") // IFLA_INFO_KIND
			return nil
		})
	}
	e.Nested(26, func(e *netlink.AttributeEncoder) error { // IFLA_AF_SPEC
		e.Nested(2, func(e *netlink.AttributeEncoder) error { // AF_INET
			e.Bytes(1, make([]byte, 132)) // IFLA_INET_CONF
			return nil
		})
		e.Nested(10, func(e *netlink.AttributeEncoder) error { // AF_INET6
			e.Uint32(1, 0)                // IFLA_INET6_FLAGS
			e.Bytes(5, make([]byte, 16))  // IFLA_INET6_CACHEINFO
			e.Bytes(2, make([]byte, 240)) // IFLA_INET6_CONF
			e.Bytes(3, make([]byte, 304)) // IFLA_INET6_STATS
			e.Bytes(6, make([]byte, 56))  // IFLA_INET6_ICMP6STATS
			e.Bytes(7, make([]byte, 16))  // IFLA_INET6_TOKEN
			e.Uint8(8, 0)                 // IFLA_INET6_ADDR_GEN_MODE
			return nil
		})
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeVethDumpAllocs holds the budget of decoding a dump shaped as
// the benchmark namespace's into one reused value: one allocation per
// link, its name, and none for the strings that repeat from one link to
// the next, the qdisc and the linkinfo kind, even across a link without
// linkinfo, whose nest keeps its memory.
func TestDecodeVethDumpAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes allocation counts")
	}
	var msgs [][]byte
	for i := range 64 {
		msgs = append(msgs, vethLink(t, fmt.Sprintf("veth%d", i), int32(i+2), i != 10))
	}
	var v rtlink.LinkAttrs
	var d netlink.AttributeDecoder
	decodeAll := func() {
		for _, m := range msgs {
			if err := v.Decode(&d, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	decodeAll() // the value has seen the strings
	allocs := testing.AllocsPerRun(20, decodeAll)
	if want := float64(len(msgs)); allocs != want {
		t.Errorf("decoding %d veths into a reused value: %v allocations, want %v (one name each)", len(msgs), allocs, want)
	}
}

// TestDecodeVethLink checks that the veth-shaped link decodes to what was
// built, so that the allocation budget above is about a real decode.
func TestDecodeVethLink(t *testing.T) {
	tests := []struct {
		name     string
		withInfo bool
		kind     string
	}{
		{name: "with linkinfo", withInfo: true, kind: "veth"},
		{name: "without linkinfo", withInfo: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v rtlink.LinkAttrs
			if err := v.UnmarshalBinary(vethLink(t, "veth7a", 9, tt.withInfo)); err != nil {
				t.Fatal(err)
			}
			type summary struct {
				Index              int32
				Name, Qdisc, Kind  string
				MTU, Link          uint32
				Info, Inet, Inet6  bool
				Inet6Conf, Stats64 bool
			}
			got := summary{Index: v.IfiIndex, Name: v.Ifname, Qdisc: v.Qdisc, MTU: v.Mtu.Value, Link: v.Link.Value,
				Info: v.Linkinfo.Valid, Kind: v.Linkinfo.Value.Kind,
				Inet: v.AfSpec.Value.Inet.Valid, Inet6: v.AfSpec.Value.Inet6.Valid,
				Inet6Conf: v.AfSpec.Value.Inet6.Value.Conf.Valid, Stats64: v.Stats64.Valid}
			want := summary{Index: 9, Name: "veth7a", Qdisc: "noop", MTU: 1500, Link: 8,
				Info: tt.withInfo, Kind: tt.kind, Inet: true, Inet6: true, Inet6Conf: true, Stats64: true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}
