package netlink

import (
	"fmt"
	"net"
	"net/netip"
)

// Addresses in attributes. The kernel carries an IP address as its bytes
// in network order, 4 for IPv4 and 16 for IPv6, with the family in the
// message's family header (ifa_family, rtm_family, ndm_family). A prefix is
// never one attribute: its address is an attribute (IFA_ADDRESS, IFA_LOCAL,
// RTA_DST, RTA_SRC) and its length a field of the family header
// (ifa_prefixlen, rtm_dst_len, rtm_src_len). A hardware address
// (IFLA_ADDRESS, IFLA_BROADCAST, NDA_LLADDR) is 1 to MaxHardwareAddrLen
// bytes, as long as the device's addr_len.

// MaxHardwareAddrLen is the longest hardware address an attribute can
// carry (MAX_ADDR_LEN).
const MaxHardwareAddrLen = 32

// Addr encodes a as its bytes in network order: 4 bytes for an IPv4
// address, 16 for an IPv6 one, an IPv4-mapped IPv6 address included. A
// zone is not encoded: the kernel carries it, where it does at all, as an
// interface index in the family header. An invalid (zero) Addr is an error
// wrapping ErrBadLength.
func (e *AttributeEncoder) Addr(typ uint16, a netip.Addr) {
	switch {
	case a.Is4():
		if p := e.alloc(typ, 4); p != nil {
			b := a.As4()
			copy(p, b[:])
		}
	case a.Is6():
		if p := e.alloc(typ, 16); p != nil {
			b := a.As16()
			copy(p, b[:])
		}
	default:
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: the zero netip.Addr has no bytes to encode: %w",
			typ&AttributeTypeMask, len(e.buf), ErrBadLength))
	}
}

// Prefix encodes p's address as Addr does and returns p's length, for the
// family header's prefix-length field, where the kernel expects it:
//
//	ifa.PrefixLen = e.Prefix(unix.IFA_LOCAL, p) // struct ifaddrmsg
//	rtm.DstLen = e.Prefix(unix.RTA_DST, p.Masked()) // struct rtmsg
//
// The address is encoded as it is in p, host bits included: an interface
// address (IFA_LOCAL, IFA_ADDRESS) wants them, a route destination
// (RTA_DST) does not, and the kernel refuses an IPv4 route with host bits
// set, so pass p.Masked() for routes. An invalid Prefix is an error
// wrapping ErrBadLength, and Prefix returns 0. Writing the result into a
// family header passed to Reset is safe even after attributes were
// encoded: see Reset.
func (e *AttributeEncoder) Prefix(typ uint16, p netip.Prefix) uint8 {
	if !p.IsValid() {
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: invalid netip.Prefix %v: %w",
			typ&AttributeTypeMask, len(e.buf), p, ErrBadLength))
		return 0
	}
	e.Addr(typ, p.Addr())
	return uint8(p.Bits())
}

// HardwareAddr encodes a as it is (NLA_BINARY). It must be 1 to
// MaxHardwareAddrLen bytes long; an empty one is an error wrapping
// ErrBadLength, a longer one an error wrapping ErrTooLarge.
func (e *AttributeEncoder) HardwareAddr(typ uint16, a net.HardwareAddr) {
	switch {
	case len(a) == 0:
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: empty hardware address: %w",
			typ&AttributeTypeMask, len(e.buf), ErrBadLength))
	case len(a) > MaxHardwareAddrLen:
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: hardware address of %d bytes > %d: %w",
			typ&AttributeTypeMask, len(e.buf), len(a), MaxHardwareAddrLen, ErrTooLarge))
	default:
		e.Bytes(typ, a)
	}
}

// Addr returns the current attribute's payload as an IP address: a 4-byte
// payload gives an IPv4 address, a 16-byte one an IPv6 address (an
// IPv4-mapped one stays IPv6, as the kernel sent it). Any other length is
// an error, a *ParseError wrapping ErrBadLength naming the attribute and
// its offset, and Addr returns the zero Addr. The result does not alias the
// decoded buffer.
func (d *AttributeDecoder) Addr() netip.Addr {
	b := d.payload()
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b))
	case 16:
		return netip.AddrFrom16([16]byte(b))
	}
	d.badSize("address needs 4 or 16 bytes, have %d", d.Len())
	return netip.Addr{}
}

// Prefix returns the current attribute's payload, an IP address read as
// Addr reads it, with bits, the prefix length from the family header
// (ifa_prefixlen, rtm_dst_len, rtm_src_len):
//
//	p := d.Prefix(ifa.PrefixLen)
//
// The address is kept as sent, host bits included; call Masked on the
// result to drop them. A length longer than the address (33 for IPv4, 129
// for IPv6) is an error wrapping ErrBadLength naming the attribute and its
// offset, as is a payload Addr refuses; Prefix then returns the zero
// Prefix.
func (d *AttributeDecoder) Prefix(bits uint8) netip.Prefix {
	a := d.Addr()
	if !a.IsValid() {
		return netip.Prefix{}
	}
	if int(bits) > a.BitLen() {
		d.badSize("prefix length %d > %d, the length of the address", bits, a.BitLen())
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a, int(bits))
}

// HardwareAddr returns a copy of the current attribute's payload as a
// hardware address, which must be 1 to MaxHardwareAddrLen bytes long;
// otherwise it records an error, a *ParseError wrapping ErrBadLength, and
// returns nil. AppendHardwareAddr does the same without allocating.
func (d *AttributeDecoder) HardwareAddr() net.HardwareAddr {
	if !d.hardwareAddrOK() {
		return nil
	}
	return net.HardwareAddr(d.Bytes())
}

// AppendHardwareAddr appends the current attribute's payload, a hardware
// address checked as HardwareAddr checks it, to dst and returns the
// result; on error it returns dst unchanged. With dst[:0] of a buffer of
// MaxHardwareAddrLen bytes it never allocates, and the result does not
// alias the decoded buffer:
//
//	var mac [netlink.MaxHardwareAddrLen]byte
//	addr := d.AppendHardwareAddr(mac[:0])
func (d *AttributeDecoder) AppendHardwareAddr(dst net.HardwareAddr) net.HardwareAddr {
	if !d.hardwareAddrOK() {
		return dst
	}
	return append(dst, d.payload()...)
}

// hardwareAddrOK reports whether the current payload can be a hardware
// address, and records an error if not.
func (d *AttributeDecoder) hardwareAddrOK() bool {
	if n := d.Len(); n == 0 || n > MaxHardwareAddrLen {
		d.badSize("hardware address needs 1 to %d bytes, have %d", MaxHardwareAddrLen, n)
		return false
	}
	return true
}
