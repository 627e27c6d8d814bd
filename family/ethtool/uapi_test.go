package ethtool_test

import (
	"testing"

	"github.com/nlgo/netlink/family/ethtool"
)

// TestUAPINumbers holds the numbers the generator computed from the spec
// against <linux/ethtool_netlink.h>: explicit and implicit values, both
// directions, notifications counted among replies.
func TestUAPINumbers(t *testing.T) {
	tests := []struct {
		name      string
		got, want uint16
	}{
		{"ETHTOOL_MSG_FEATURES_GET", ethtool.CmdFeaturesGetRequest, 11},
		{"ETHTOOL_MSG_FEATURES_GET_REPLY", ethtool.CmdFeaturesGetReply, 11},
		{"ETHTOOL_MSG_FEATURES_NTF", ethtool.CmdFeaturesNtf, 13},
		{"ETHTOOL_MSG_PRIVFLAGS_GET", ethtool.CmdPrivflagsGetRequest, 13},
		{"ETHTOOL_MSG_PRIVFLAGS_GET_REPLY", ethtool.CmdPrivflagsGetReply, 14},
		{"ETHTOOL_MSG_LINKINFO_NTF", ethtool.CmdLinkinfoNtf, 3},
		{"ETHTOOL_A_HEADER_DEV_NAME", ethtool.AttrHeaderDevName, 2},
		{"ETHTOOL_A_FEATURES_ACTIVE", ethtool.AttrFeaturesActive, 4},
		{"ETHTOOL_A_BITSET_BIT_NAME", ethtool.AttrBitsetBitName, 2},
		{"ETHTOOL_A_CHANNELS_COMBINED_COUNT", ethtool.AttrChannelsCombinedCount, 9},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
