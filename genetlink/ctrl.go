package genetlink

// The generic netlink controller, nlctrl (<linux/genetlink.h>). It is
// itself a generic netlink family, with a fixed id, that names the others.
// These values are the kernel's ABI; they are defined here so that the
// package builds on every platform.
const (
	// Protocol is the netlink protocol family of generic netlink
	// (NETLINK_GENERIC).
	Protocol = 16

	// ControllerID is the controller's family id (GENL_ID_CTRL), the
	// nlmsg_type of every message to and from it.
	ControllerID uint16 = 0x10

	// ControllerName is the controller's family name.
	ControllerName = "nlctrl"

	// ControllerVersion is the version of the controller's interface.
	ControllerVersion uint8 = 2

	// ControllerGroup is the name of the controller's multicast group,
	// which announces families and groups as they come and go.
	ControllerGroup = "notify"

	// NameMax is the longest family or group name, in bytes
	// (GENL_NAMSIZ - 1).
	NameMax = 15
)

// Controller commands (CTRL_CMD_*).
const (
	CmdNewFamily   uint8 = 1  // CTRL_CMD_NEWFAMILY: a family's description, or its arrival
	CmdDelFamily   uint8 = 2  // CTRL_CMD_DELFAMILY: a family went away
	CmdGetFamily   uint8 = 3  // CTRL_CMD_GETFAMILY: describe one family, or dump them all
	CmdNewMcastGrp uint8 = 7  // CTRL_CMD_NEWMCAST_GRP: a multicast group was added
	CmdDelMcastGrp uint8 = 8  // CTRL_CMD_DELMCAST_GRP: a multicast group went away
	CmdGetPolicy   uint8 = 10 // CTRL_CMD_GETPOLICY: dump a family's attribute policies
)

// Controller attributes (CTRL_ATTR_*).
const (
	AttrFamilyID    uint16 = 1  // CTRL_ATTR_FAMILY_ID: u16
	AttrFamilyName  uint16 = 2  // CTRL_ATTR_FAMILY_NAME: NUL-terminated string
	AttrVersion     uint16 = 3  // CTRL_ATTR_VERSION: u32
	AttrHeaderSize  uint16 = 4  // CTRL_ATTR_HDRSIZE: u32
	AttrMaxAttr     uint16 = 5  // CTRL_ATTR_MAXATTR: u32
	AttrOps         uint16 = 6  // CTRL_ATTR_OPS: array of operations
	AttrMcastGroups uint16 = 7  // CTRL_ATTR_MCAST_GROUPS: array of groups
	AttrPolicy      uint16 = 8  // CTRL_ATTR_POLICY: policy index, attribute type, its policy
	AttrOpPolicy    uint16 = 9  // CTRL_ATTR_OP_POLICY: command, its policy indexes
	AttrOp          uint16 = 10 // CTRL_ATTR_OP: u32, the command GETPOLICY asks about
)

// Attributes of an entry of AttrOps (CTRL_ATTR_OP_*).
const (
	AttrOpID    uint16 = 1 // CTRL_ATTR_OP_ID: u32
	AttrOpFlags uint16 = 2 // CTRL_ATTR_OP_FLAGS: u32, OperationFlags
)

// Attributes of an entry of AttrMcastGroups (CTRL_ATTR_MCAST_GRP_*).
const (
	AttrMcastGrpName uint16 = 1 // CTRL_ATTR_MCAST_GRP_NAME: NUL-terminated string
	AttrMcastGrpID   uint16 = 2 // CTRL_ATTR_MCAST_GRP_ID: u32
)

// Attributes of a command in AttrOpPolicy (CTRL_ATTR_POLICY_*).
const (
	AttrPolicyDo   uint16 = 1 // CTRL_ATTR_POLICY_DO: u32, the do policy's index
	AttrPolicyDump uint16 = 2 // CTRL_ATTR_POLICY_DUMP: u32, the dump policy's index
)

// Attributes describing one attribute's policy in AttrPolicy
// (NL_POLICY_TYPE_ATTR_*, <linux/netlink.h>).
const (
	PolicyAttrType           uint16 = 1  // NL_POLICY_TYPE_ATTR_TYPE: u32, an AttributeType
	PolicyAttrMinValueS      uint16 = 2  // NL_POLICY_TYPE_ATTR_MIN_VALUE_S: s64
	PolicyAttrMaxValueS      uint16 = 3  // NL_POLICY_TYPE_ATTR_MAX_VALUE_S: s64
	PolicyAttrMinValueU      uint16 = 4  // NL_POLICY_TYPE_ATTR_MIN_VALUE_U: u64
	PolicyAttrMaxValueU      uint16 = 5  // NL_POLICY_TYPE_ATTR_MAX_VALUE_U: u64
	PolicyAttrMinLength      uint16 = 6  // NL_POLICY_TYPE_ATTR_MIN_LENGTH: u32
	PolicyAttrMaxLength      uint16 = 7  // NL_POLICY_TYPE_ATTR_MAX_LENGTH: u32
	PolicyAttrPolicyIdx      uint16 = 8  // NL_POLICY_TYPE_ATTR_POLICY_IDX: u32, the nested policy
	PolicyAttrPolicyMaxType  uint16 = 9  // NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: u32
	PolicyAttrBitfield32Mask uint16 = 10 // NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: u32
	PolicyAttrPad            uint16 = 11 // NL_POLICY_TYPE_ATTR_PAD: alignment padding
	PolicyAttrMask           uint16 = 12 // NL_POLICY_TYPE_ATTR_MASK: u64
)
