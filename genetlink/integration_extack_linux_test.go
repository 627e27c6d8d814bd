//go:build linux

package genetlink_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// The extended ack of a request the host kernel rejects, located in the
// request by genetlink.Conn: the attribute's path at the kernel's offset,
// and the kernel's policy for it, which must be the one CTRL_CMD_GETPOLICY
// reports. The requests only ask about families, which changes nothing.
func TestIntegrationExtAckControllerPath(t *testing.T) {
	c := dialHost(t)
	extAck(t, c)
	p, err := c.Policy(genetlink.ControllerName, uint32(genetlink.CmdGetFamily))
	if err != nil {
		t.Fatalf("Policy: %v", err)
	}
	doIdx := p.Operations[0].Do
	var enc netlink.AttributeEncoder
	tests := []struct {
		name   string
		attrs  func(e *netlink.AttributeEncoder)
		errnos []syscall.Errno
		offset uint32
		typ    uint16
		text   string
	}{
		{name: "name one byte too long",
			attrs: func(e *netlink.AttributeEncoder) {
				e.String(genetlink.AttrFamilyName, strings.Repeat("n", genetlink.NameMax+1))
			},
			errnos: []syscall.Errno{syscall.EINVAL, syscall.ERANGE}, offset: 20, typ: genetlink.AttrFamilyName,
			text: ": attribute CTRL_ATTR_FAMILY_NAME (2) at offset 20: kernel expects nul-string of at most 15 bytes"},
		{name: "id of one byte after a name",
			attrs: func(e *netlink.AttributeEncoder) {
				e.String(genetlink.AttrFamilyName, "nlctrl")
				e.Bytes(genetlink.AttrFamilyID, []byte{1})
			},
			errnos: []syscall.Errno{syscall.EINVAL, syscall.ERANGE}, offset: 32, typ: genetlink.AttrFamilyID,
			text: ": attribute CTRL_ATTR_FAMILY_ID (1) at offset 32: kernel expects u16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc.Reset(nil)
			tt.attrs(&enc)
			data, err := enc.Encode()
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Execute(genetlink.Message{Header: genetlink.Header{Command: genetlink.CmdGetFamily,
				Version: genetlink.ControllerVersion}, Data: data}, genetlink.ControllerID, 0)
			var oe *netlink.OpError
			if !errors.As(err, &oe) {
				t.Fatalf("Execute: %v, want an *OpError", err)
			}
			if !errors.Is(err, tt.errnos[0]) && !errors.Is(err, tt.errnos[1]) {
				t.Errorf("Execute: %v, want one of %v", err, tt.errnos)
			}
			if oe.Offset != tt.offset {
				t.Fatalf("offset %d, want %d: %v", oe.Offset, tt.offset, err)
			}
			want := netlink.AttributePath{{Type: tt.typ, Name: controllerName(tt.typ)}}
			if diff := cmp.Diff(want, oe.Path); diff != "" {
				t.Errorf("Path (-want +got):\n%s", diff)
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Error() = %q, want it to contain %q", err, tt.text)
			}
			// The policy in the ack is the one the controller dumps.
			dumped, ok := p.Attribute(doIdx, tt.typ)
			if !ok {
				t.Fatalf("the dumped policy has no attribute %d", tt.typ)
			}
			dumped.Type = 0
			got, err := netlink.ParseKernelPolicy(oe.Policy)
			if err != nil {
				t.Fatalf("ParseKernelPolicy: %v", err)
			}
			if diff := cmp.Diff(dumped, got); diff != "" {
				t.Errorf("NLMSGERR_ATTR_POLICY against GETPOLICY (-dump +ack):\n%s", diff)
			}
			if wantExp := dumped.AttributePolicy(); oe.Expected == nil || !cmp.Equal(wantExp, *oe.Expected) {
				t.Errorf("Expected = %v, want %v", oe.Expected, wantExp)
			}
		})
	}
}

// controllerName names the controller's attributes as genetlink.Conn does.
func controllerName(t uint16) string {
	switch t {
	case genetlink.AttrFamilyID:
		return "CTRL_ATTR_FAMILY_ID"
	case genetlink.AttrFamilyName:
		return "CTRL_ATTR_FAMILY_NAME"
	}
	return ""
}

// A required attribute left out at the top level: netdev's DEV_GET
// without NETDEV_A_DEV_IFINDEX (GENL_REQ_ATTR_CHECK), answered with
// NLMSGERR_ATTR_MISS_TYPE alone.
func TestIntegrationExtAckMissingTopLevel(t *testing.T) {
	testenv.RequireFeature(t, testenv.NetdevFamily)
	c := dialHost(t)
	extAck(t, c)
	f, err := c.GetFamily("netdev")
	if err != nil {
		t.Fatalf("GetFamily(netdev): %v", err)
	}
	const devGet, ifindex = 1, 1 // NETDEV_CMD_DEV_GET, NETDEV_A_DEV_IFINDEX
	_, err = c.Execute(genetlink.Message{Header: genetlink.Header{Command: devGet, Version: f.Version}}, f.ID, 0)
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Execute: %v, want an *OpError matching EINVAL", err)
	}
	if oe.MissingType != ifindex || oe.MissingNest != 0 {
		t.Fatalf("missing type %d in nest %d, want %d at the top level: %v", oe.MissingType, oe.MissingNest, ifindex, err)
	}
	if diff := cmp.Diff(netlink.AttributePath{{Type: ifindex}}, oe.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	t.Logf("%v", err)
	if want := ": missing attribute 1"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Error() = %q, want it to end %q", err, want)
	}
}

// A required attribute left out of a nest: ethtool's TSINFO_GET on lo, in
// a namespace of the test's own, with an empty hardware timestamp provider
// (NL_REQ_ATTR_CHECK), answered with NLMSGERR_ATTR_MISS_TYPE and
// MISS_NEST, the offset of the provider's nest.
func TestIntegrationExtAckMissingInNest(t *testing.T) {
	testenv.RequireFeature(t, testenv.TsinfoProvider)
	ns := newNetNS(t)
	c, err := genetlink.Dial(&netlink.Config{NetNS: int(ns.Fd())})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	extAck(t, c)
	f, err := c.GetFamily("ethtool")
	if err != nil {
		t.Fatalf("GetFamily(ethtool): %v", err)
	}
	const (
		tsinfoGet      = 25 // ETHTOOL_MSG_TSINFO_GET
		tsinfoHeader   = 1  // ETHTOOL_A_TSINFO_HEADER
		tsinfoProvider = 7  // ETHTOOL_A_TSINFO_HWTSTAMP_PROVIDER
		headerIndex    = 1  // ETHTOOL_A_HEADER_DEV_INDEX
		providerIndex  = 1  // ETHTOOL_A_TS_HWTSTAMP_PROVIDER_INDEX
	)
	var e netlink.AttributeEncoder
	e.Nested(tsinfoHeader, func(e *netlink.AttributeEncoder) error {
		e.Uint32(headerIndex, 1) // lo
		return nil
	})
	e.Nested(tsinfoProvider, func(*netlink.AttributeEncoder) error { return nil })
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Execute(genetlink.Message{Header: genetlink.Header{Command: tsinfoGet, Version: f.Version}, Data: data}, f.ID, 0)
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Execute: %v, want an *OpError matching EINVAL", err)
	}
	// nlmsghdr, genlmsghdr, the header nest of 12 bytes: the provider.
	const nestAt = netlink.HeaderLen + genetlink.HeaderLen + 12
	if oe.MissingType != providerIndex || oe.MissingNest != nestAt {
		t.Fatalf("missing type %d in nest %d, want %d in %d: %v", oe.MissingType, oe.MissingNest, providerIndex, nestAt, err)
	}
	want := netlink.AttributePath{{Type: tsinfoProvider}, {Type: providerIndex}}
	if diff := cmp.Diff(want, oe.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	t.Logf("%v", err)
	if want := ": missing attribute 1 in attribute 7 at offset 32"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Error() = %q, want it to end %q", err, want)
	}
}

// extAck asks c's socket for extended acknowledgements.
func extAck(t *testing.T, c *genetlink.Conn) {
	t.Helper()
	if err := c.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		t.Fatalf("SetOption(ExtendedAcknowledge): %v", err)
	}
}
