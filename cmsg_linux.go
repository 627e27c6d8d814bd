//go:build linux

package netlink

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// parseControl reads the netlink control messages of a received datagram:
// NETLINK_PKTINFO (the destination group) and NETLINK_LISTEN_ALL_NSID (the
// peer namespace id). Malformed control data is ignored: it comes from the
// kernel, sized by the buffer we gave it.
func parseControl(b []byte, src *Source) {
	const hdr = unix.SizeofCmsghdr
	align := func(n int) int {
		return (n + int(unsafe.Sizeof(uintptr(0))) - 1) &^ (int(unsafe.Sizeof(uintptr(0))) - 1)
	}
	for len(b) >= hdr {
		var length int
		if hdr == 16 {
			length = int(binary.NativeEndian.Uint64(b[0:8]))
		} else {
			length = int(binary.NativeEndian.Uint32(b[0:4]))
		}
		level := int32(binary.NativeEndian.Uint32(b[hdr-8 : hdr-4]))
		typ := int32(binary.NativeEndian.Uint32(b[hdr-4 : hdr]))
		if length < hdr || length > len(b) {
			return
		}
		data := b[hdr:length]
		if level == unix.SOL_NETLINK && len(data) >= 4 {
			switch typ {
			case unix.NETLINK_PKTINFO:
				src.Group = binary.NativeEndian.Uint32(data)
			case unix.NETLINK_LISTEN_ALL_NSID:
				src.NSID, src.HasNSID = int32(binary.NativeEndian.Uint32(data)), true
			}
		}
		if next := align(length); next < len(b) {
			b = b[next:]
		} else {
			return
		}
	}
}
