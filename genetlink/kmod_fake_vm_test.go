//go:build linux && vmtest

package genetlink_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
	"github.com/nlgo/netlink/nltest"
)

// kmFakeFamily is the module's family as nltest's fake controller
// registers it: the declarations of nlgo_test.c, policy included.
func kmFakeFamily() nltest.GenericFamily {
	declared := kmDeclaredPolicy()
	nest := &nltest.GenericPolicy{MaxType: kmod.GenlNestMaxType, Attributes: declared[1]}
	policy := &nltest.GenericPolicy{MaxType: kmod.GenlMaxAttr, Attributes: declared[0],
		Nested: map[uint16]*nltest.GenericPolicy{kmod.GenlAttrNest: nest}}
	return nltest.GenericFamily{
		Name:    kmod.GenlName,
		Version: kmod.GenlVersion,
		MaxAttr: kmod.GenlMaxAttr,
		Operations: []nltest.GenericOperation{
			{Command: kmod.GenlCmdEcho, Flags: genetlink.Do, DoPolicy: policy},
			{Command: kmod.GenlCmdNotify, Flags: genetlink.Do, DoPolicy: policy},
			{Command: kmod.GenlCmdGet, Flags: genetlink.Dump, DumpPolicy: policy},
		},
		Groups: []string{kmod.GenlGroupEvents, kmod.GenlGroupAlerts},
	}
}

// TestIntegrationKmodGenetlinkFakeMatchesKernel registers the module's
// family on nltest's fake controller as nlgo_test.c declares it, and asks
// the fake and the kernel the same: the same Family but for the ids they
// assign, and the same policy replies, byte for byte once the family id
// is taken out. Unlike nlctrl's own policy, this one has masks, a
// bitfield32, signed ranges and a nested policy.
func TestIntegrationKmodGenetlinkFakeMatchesKernel(t *testing.T) {
	kc := kmUncached(t)
	kf := kmFamily(t, kc)
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(kmFakeFamily()); err != nil {
		t.Fatalf("registering on the fake: %v", err)
	}
	fakeNC, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc := genetlink.NewConn(fakeNC)
	t.Cleanup(func() { fc.Close() })
	ff, err := fc.GetFamily(kmod.GenlName)
	if err != nil {
		t.Fatalf("GetFamily on the fake: %v", err)
	}
	ids := cmp.Options{cmpopts.IgnoreFields(genetlink.Family{}, "ID"), cmpopts.IgnoreFields(genetlink.MulticastGroup{}, "ID")}
	if diff := cmp.Diff(kf, ff, ids); diff != "" {
		t.Errorf("GetFamily (-kernel +fake):\n%s", diff)
	}

	kernelNC, err := netlink.Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kernelNC.Close() })
	for _, op := range []uint32{kmod.GenlCmdEcho, kmod.GenlCmdNotify, kmod.GenlCmdGet, kmod.GenlCmdEvent} {
		t.Run(fmt.Sprintf("getpolicy op %d", op), func(t *testing.T) {
			req := func(id uint16) netlink.Message {
				e := netlink.NewAttributeEncoder()
				e.Reset([]byte{genetlink.CmdGetPolicy, genetlink.ControllerVersion, 0, 0})
				e.Uint16(genetlink.AttrFamilyID, id)
				e.Uint32(genetlink.AttrOp, op)
				b, err := e.Encode()
				if err != nil {
					t.Fatal(err)
				}
				return netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(genetlink.ControllerID), Flags: netlink.Request | netlink.Dump}, Data: b}
			}
			want, wantErr := kmPolicyReplies(t, kernelNC, req(kf.ID), kf.ID, func(i int, b []byte) {
				if i == 0 && op == kmod.GenlCmdGet && !testenv.HasFeature(t, testenv.SplitPolicies) {
					kmRenameDumpOnly(t, b, op)
				}
			})
			got, gotErr := kmPolicyReplies(t, fakeNC, req(ff.ID), ff.ID, nil)
			if wantErr == nil && len(want) == 0 {
				t.Errorf("the kernel sent no replies")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies without the family id (-kernel +fake):\n%s", diff)
			}
			if (wantErr == nil) != (gotErr == nil) || wantErr != nil && errnoOf(wantErr) != errnoOf(gotErr) {
				t.Errorf("the kernel says %v, the fake %v", wantErr, gotErr)
			}
		})
	}
}

// kmPolicyReplies runs req on c and returns the replies as the
// differential test compares them (see reply), each without its first
// attribute, which must be CTRL_ATTR_FAMILY_ID holding id, and then
// passed to fix, unless nil, with its index.
func kmPolicyReplies(t *testing.T, c *netlink.Conn, req netlink.Message, id uint16, fix func(i int, b []byte)) ([]reply, error) {
	t.Helper()
	msgs, err := c.Execute(req)
	var out []reply
	for i, m := range msgs {
		// The genlmsghdr, then the id: a 6-byte attribute padded to 8.
		const at, end = genetlink.HeaderLen, genetlink.HeaderLen + 8
		b := m.Data
		if len(b) < end || binary.NativeEndian.Uint16(b[at:]) != 6 ||
			binary.NativeEndian.Uint16(b[at+2:]) != genetlink.AttrFamilyID || binary.NativeEndian.Uint16(b[at+4:]) != id {
			t.Fatalf("reply %d does not start with CTRL_ATTR_FAMILY_ID %d: % x", i, id, b)
		}
		rest := append(append([]byte{}, b[:at]...), b[end:]...)
		if fix != nil {
			fix(i, rest)
		}
		out = append(out, reply{Type: uint16(m.Header.Type), Flags: m.Header.Flags.String(), Data: fmt.Sprintf("% x", rest)})
	}
	return out, err
}

// kmRenameDumpOnly turns b, a CTRL_ATTR_OP_POLICY reply of Linux 6.1 about
// the dump-only command cmd, into what later kernels and the fake send:
// 6.1 names the operation by its command, later kernels by the command of
// its do handler, which it does not have: 0. The reply must be as 6.1
// sends it.
func kmRenameDumpOnly(t *testing.T, b []byte, cmd uint32) {
	t.Helper()
	// The genlmsghdr, the CTRL_ATTR_OP_POLICY nest's header, then the
	// header of the nest named by the command: its type at 10.
	const typeAt = genetlink.HeaderLen + netlink.AttributeHeaderLen + 2
	ne := binary.NativeEndian
	if len(b) < typeAt+2 || ne.Uint16(b[genetlink.HeaderLen+2:]) != genetlink.AttrOpPolicy|netlink.AttributeNested ||
		ne.Uint16(b[typeAt:]) != uint16(cmd)|netlink.AttributeNested {
		t.Fatalf("the kernel's policy reply % x does not name the dump-only operation by its command %d, as 6.1 does", b, cmd)
	}
	ne.PutUint16(b[typeAt:], netlink.AttributeNested)
}
