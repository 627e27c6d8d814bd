//go:build linux

package netlink

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestIntegrationRouteExtAckPath sends RTM_NEWLINK requests that rtnetlink
// rejects in its policy validation, in a namespace of the test's own, and
// locates the kernel's offset in the request behind a 16-byte ifinfomsg:
// at the top level, and through IFLA_LINKINFO and IFLA_INFO_DATA to a
// veth's VETH_INFO_PEER; by number without a policy, by name with one.
func TestIntegrationRouteExtAckPath(t *testing.T) {
	ns := newTestNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, &Config{Strict: true})
	const vethPeer = 1 // VETH_INFO_PEER
	linkPolicy := &Policy{Attributes: []AttributePolicy{
		unix.IFLA_IFNAME: {Name: "IFLA_IFNAME", Kind: KindNulString},
		unix.IFLA_MTU:    {Name: "IFLA_MTU", Kind: KindU32},
		unix.IFLA_LINKINFO: {Name: "IFLA_LINKINFO", Kind: KindNested, Nested: &Policy{Attributes: []AttributePolicy{
			unix.IFLA_INFO_KIND: {Name: "IFLA_INFO_KIND", Kind: KindString},
			unix.IFLA_INFO_DATA: {Name: "IFLA_INFO_DATA", Kind: KindNested, Nested: &Policy{Attributes: []AttributePolicy{
				vethPeer: {Name: "VETH_INFO_PEER", Kind: KindBinary},
			}}},
		}}},
	}}
	tests := []struct {
		name   string
		attrs  func(e *AttributeEncoder)
		offset uint32
		path   AttributePath // numbers only
		named  string        // what Error prints with linkPolicy
	}{
		{name: "IFLA_MTU of one byte",
			attrs: func(e *AttributeEncoder) {
				e.String(unix.IFLA_IFNAME, "nlgoext0")
				e.Bytes(unix.IFLA_MTU, []byte{1})
			},
			offset: 48, path: AttributePath{{Type: unix.IFLA_MTU}},
			named: ": attribute IFLA_MTU (4) at offset 48: kernel expects u32"},
		{name: "VETH_INFO_PEER too short",
			attrs: func(e *AttributeEncoder) {
				e.String(unix.IFLA_IFNAME, "nlgoext0")
				e.Nested(unix.IFLA_LINKINFO, func(e *AttributeEncoder) error {
					e.String(unix.IFLA_INFO_KIND, "veth")
					e.Nested(unix.IFLA_INFO_DATA, func(e *AttributeEncoder) error {
						e.Bytes(vethPeer, []byte{0, 0, 0, 0})
						return nil
					})
					return nil
				})
			},
			// nlmsghdr 16, ifinfomsg 16, IFLA_IFNAME 16, IFLA_LINKINFO's
			// header 4, IFLA_INFO_KIND 12, IFLA_INFO_DATA's header 4.
			offset: 68, path: AttributePath{{Type: unix.IFLA_LINKINFO}, {Type: unix.IFLA_INFO_DATA}, {Type: vethPeer}},
			named: ": attribute IFLA_LINKINFO.IFLA_INFO_DATA.VETH_INFO_PEER (18.2.1) at offset 68"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Message{
				Header: Header{Type: unix.RTM_NEWLINK, Flags: Request | Acknowledge | Create | Excl},
				Data:   withAttrs(t, ifInfomsg{}.append(nil), tt.attrs),
			}
			_, err := c.Execute(req)
			var oe *OpError
			if !errors.As(err, &oe) || !errors.Is(err, syscall.ERANGE) && !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Execute: %v, want an *OpError matching ERANGE or EINVAL", err)
			}
			if oe.Offset != tt.offset {
				t.Fatalf("offset %d, want %d: %v", oe.Offset, tt.offset, err)
			}
			got, err := oe.AttributePath(sizeofIfInfomsg, nil)
			if err != nil {
				t.Fatalf("AttributePath: %v", err)
			}
			if diff := cmp.Diff(tt.path, got); diff != "" {
				t.Errorf("AttributePath without a policy (-want +got):\n%s", diff)
			}
			if err := oe.Locate(sizeofIfInfomsg, linkPolicy); err != nil {
				t.Fatalf("Locate: %v", err)
			}
			t.Logf("%v", oe)
			if !strings.Contains(oe.Error(), tt.named) {
				t.Errorf("Error() = %q, want it to contain %q", oe, tt.named)
			}
		})
	}
	if links := ns.links(t); len(links) != 1 {
		t.Errorf("links after the rejected requests: %v, want lo alone", links)
	}
}
