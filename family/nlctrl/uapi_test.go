package nlctrl_test

import (
	"testing"

	"github.com/nlgo/netlink/family/nlctrl"
	"github.com/nlgo/netlink/genetlink"
)

// TestUAPINumbers holds the numbers the generator computed from
// nlctrl.yaml against package genetlink's, which are <linux/genetlink.h>
// and <linux/netlink.h>'s: among them the policy's mask and pad, which
// the spec lists in the wrong order (the generator's errata correct them).
func TestUAPINumbers(t *testing.T) {
	tests := []struct {
		name      string
		got, want uint16
	}{
		{"CTRL_CMD_GETFAMILY", nlctrl.CmdGetfamilyRequest, uint16(genetlink.CmdGetFamily)},
		{"CTRL_CMD_NEWFAMILY", nlctrl.CmdGetfamilyReply, uint16(genetlink.CmdNewFamily)},
		{"CTRL_CMD_GETPOLICY", nlctrl.CmdGetpolicyRequest, uint16(genetlink.CmdGetPolicy)},
		{"CTRL_ATTR_FAMILY_ID", nlctrl.AttrCtrlFamilyId, genetlink.AttrFamilyID},
		{"CTRL_ATTR_MCAST_GROUPS", nlctrl.AttrCtrlMcastGroups, genetlink.AttrMcastGroups},
		{"CTRL_ATTR_OP_POLICY", nlctrl.AttrCtrlOpPolicy, genetlink.AttrOpPolicy},
		{"CTRL_ATTR_OP", nlctrl.AttrCtrlOp, genetlink.AttrOp},
		{"CTRL_ATTR_MCAST_GRP_ID", nlctrl.AttrMcastGroupId, genetlink.AttrMcastGrpID},
		{"CTRL_ATTR_POLICY_DUMP", nlctrl.AttrOpPolicyDump, genetlink.AttrPolicyDump},
		{"NL_POLICY_TYPE_ATTR_TYPE", nlctrl.AttrPolicyType, genetlink.PolicyAttrType},
		{"NL_POLICY_TYPE_ATTR_MAX_VALUE_U", nlctrl.AttrPolicyMaxValueU, genetlink.PolicyAttrMaxValueU},
		{"NL_POLICY_TYPE_ATTR_BITFIELD32_MASK", nlctrl.AttrPolicyBitfield32Mask, genetlink.PolicyAttrBitfield32Mask},
		{"NL_POLICY_TYPE_ATTR_PAD", nlctrl.AttrPolicyPad, genetlink.PolicyAttrPad},
		{"NL_POLICY_TYPE_ATTR_MASK", nlctrl.AttrPolicyMask, genetlink.PolicyAttrMask},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
