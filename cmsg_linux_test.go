//go:build linux

package netlink

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out: a cmsghdr
// (length, level, type) and data, padded to the word size.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	if unix.SizeofCmsghdr == 16 {
		binary.NativeEndian.PutUint64(b, uint64(unix.CmsgLen(len(data))))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(unix.CmsgLen(len(data))))
	}
	binary.NativeEndian.PutUint32(b[unix.SizeofCmsghdr-8:], uint32(level))
	binary.NativeEndian.PutUint32(b[unix.SizeofCmsghdr-4:], uint32(typ))
	copy(b[unix.SizeofCmsghdr:], data)
	return b
}

func TestParseControl(t *testing.T) {
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	pktinfo := cmsg(unix.SOL_NETLINK, unix.NETLINK_PKTINFO, u32(40))
	nsid := cmsg(unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID, u32(3))
	tests := []struct {
		name string
		b    []byte
		want Source
	}{
		{"none", nil, Source{}},
		{"pktinfo", pktinfo, Source{Group: 40}},
		{"nsid", nsid, Source{NSID: 3, HasNSID: true}},
		{"both", append(append([]byte(nil), pktinfo...), nsid...), Source{Group: 40, NSID: 3, HasNSID: true}},
		{"other level", cmsg(unix.SOL_SOCKET, unix.NETLINK_PKTINFO, u32(40)), Source{}},
		{"data too short", cmsg(unix.SOL_NETLINK, unix.NETLINK_PKTINFO, []byte{1, 2}), Source{}},
		{"length past the end", pktinfo[:unix.CmsgLen(4)-1], Source{}},
		{"last one unpadded", pktinfo[:unix.CmsgLen(4)], Source{Group: 40}},
		{"length below a header", func() []byte {
			b := append([]byte(nil), pktinfo...)
			b[0] = 4
			if unix.SizeofCmsghdr == 16 {
				binary.NativeEndian.PutUint64(b, 4)
			}
			return b
		}(), Source{}},
		{"bad second after good first", append(append([]byte(nil), pktinfo...), 0xff, 0xff), Source{Group: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Source
			parseControl(tt.b, &got)
			if got != tt.want {
				t.Errorf("parseControl = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzParseControl feeds arbitrary control data to the parser: it must
// never panic or read out of range, and a well-formed PKTINFO message
// appended after whatever the input holds is found whenever the input
// itself is a whole number of well-formed messages.
func FuzzParseControl(f *testing.F) {
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	f.Add(cmsg(unix.SOL_NETLINK, unix.NETLINK_PKTINFO, u32(1)))
	f.Add(append(cmsg(unix.SOL_NETLINK, unix.NETLINK_PKTINFO, u32(33)), cmsg(unix.SOL_NETLINK, unix.NETLINK_LISTEN_ALL_NSID, u32(7))...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var src Source
		parseControl(b, &src)
		// The same bytes followed by a PKTINFO for group 77: if the input
		// was walked to its end, the appended message is seen.
		pad := make([]byte, -len(b)&(unix.SizeofPtr-1))
		in := append(append(append([]byte(nil), b...), pad...), cmsg(unix.SOL_NETLINK, unix.NETLINK_PKTINFO, u32(77))...)
		var got Source
		parseControl(in, &got)
		if wellFormedControl(b) && got.Group != 77 {
			t.Errorf("a PKTINFO after %d well-formed bytes was missed: %+v", len(b), got)
		}
	})
}

// wellFormedControl reports whether b is a run of control messages whose
// lengths are each at least a header and fit, the last one padded.
func wellFormedControl(b []byte) bool {
	const hdr = unix.SizeofCmsghdr
	for len(b) > 0 {
		if len(b) < hdr {
			return false
		}
		var n uint64
		if hdr == 16 {
			n = binary.NativeEndian.Uint64(b)
		} else {
			n = uint64(binary.NativeEndian.Uint32(b))
		}
		if n < hdr || n > uint64(len(b)) {
			return false
		}
		next := (int(n) + int(unix.SizeofPtr) - 1) &^ (int(unix.SizeofPtr) - 1)
		if next >= len(b) {
			return next == len(b) || len(b) == int(n)
		}
		b = b[next:]
	}
	return true
}
