package nldecode

import (
	"strconv"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// Generic netlink (NETLINK_GENERIC): every message starts with a
// genlmsghdr; the message type is a family id, which the controller,
// nlctrl, maps to a name.

// genlmsghdr is struct genlmsghdr, with the command named by ctrlCmds for
// nlctrl only (other families' commands are their own).
var genlmsghdr = structOf("genlmsghdr", fu8("cmd", nil), fu8("version", nil), pad(2))

// ctrlCmds names the controller's commands (CTRL_CMD_*).
var ctrlCmds = enum("CTRL_CMD_UNSPEC", "CTRL_CMD_NEWFAMILY", "CTRL_CMD_DELFAMILY",
	"CTRL_CMD_GETFAMILY", "CTRL_CMD_NEWOPS", "CTRL_CMD_DELOPS", "CTRL_CMD_GETOPS",
	"CTRL_CMD_NEWMCAST_GRP", "CTRL_CMD_DELMCAST_GRP", "CTRL_CMD_GETMCAST_GRP",
	"CTRL_CMD_GETPOLICY")

// ctrlHeader is genlmsghdr with nlctrl's command names.
var ctrlHeader = structOf("genlmsghdr", fu8("cmd", ctrlCmds), fu8("version", nil), pad(2))

// opFlags names CTRL_ATTR_OP_FLAGS (GENL_*).
var opFlags = bits(0x1, "admin-perm", 0x2, "do", 0x4, "dump", 0x8, "has-policy", 0x10, "uns-admin-perm")

// policyTypes names the attribute types of a policy (NL_ATTR_TYPE_*).
var policyTypes = enum("invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	"binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint")

// policyAttrs are NL_POLICY_TYPE_ATTR_*.
var policyAttrs = attrs(
	u32(1, "type").named(policyTypes), s64(2, "min_value_s"), s64(3, "max_value_s"),
	u64(4, "min_value_u"), u64(5, "max_value_u"),
	u32(6, "min_length"), u32(7, "max_length"), u32(8, "policy_idx"), u32(9, "policy_maxtype"),
	u32(10, "bitfield32_mask"), raw(11, "pad"), u64(12, "mask"),
)

// ctrlAttrs are CTRL_ATTR_*.
var ctrlAttrs = attrs(
	u16(1, "family_id"), str(2, "family_name"), u32(3, "version"), u32(4, "hdrsize"),
	u32(5, "maxattr"), array(6, "ops", attrs(u32(1, "id"), u32(2, "flags").named(opFlags))),
	array(7, "mcast_groups", attrs(str(1, "name"), u32(2, "id"))),
	custom(8, "policy", decodePolicy), array(9, "op_policy", attrs(u32(1, "do"), u32(2, "dump"))),
	u32(10, "op"),
)

// decodePolicy decodes CTRL_ATTR_POLICY: policy index -> attribute type
// -> the attribute's policy.
func decodePolicy(a *Attr, p []byte, depth int) {
	a.Kind = "array"
	base := a.Offset + netlink.AttributeHeaderLen
	var d netlink.AttributeDecoder
	d.Reset(p)
	for d.Next() {
		idx := Attr{Type: d.Type(), Flags: typeFlags(d.TypeFlags()), Kind: "array", Offset: base + d.Offset()}
		decodeArray(&idx, policyAttrs, d.Data(), idx.Offset+netlink.AttributeHeaderLen, depth+1)
		a.Attrs = append(a.Attrs, idx)
	}
	if err := d.Err(); err != nil {
		a.Error = rebase(err, base).Error()
	}
}

// ctrlFlagContext is the meaning of the high flag bits for each of
// nlctrl's commands.
func ctrlFlagContext(cmd uint8) netlink.FlagContext {
	switch cmd {
	case genetlink.CmdNewFamily, 4, genetlink.CmdNewMcastGrp:
		return netlink.NewFlags
	case genetlink.CmdDelFamily, 5, genetlink.CmdDelMcastGrp:
		return netlink.DeleteFlags
	}
	return netlink.GetFlags
}

// decodeGeneric decodes a generic netlink message: the family by name,
// the genlmsghdr, and for nlctrl the attributes, learning the families it
// describes.
func (d *Decoder) decodeGeneric(m *Message, nm netlink.Message) {
	id := uint16(nm.Header.Type)
	name, known := d.FamilyName(id)
	if known {
		m.Type = name
	} else {
		m.Type = "genl " + strconv.Itoa(int(id))
	}
	m.Flags = nm.Header.Flags.Format(guessFlagContext(nm.Header))
	if id != genetlink.ControllerID {
		var set attrSet
		if known && len(nm.Data) > 0 {
			set, _ = d.schemaSet(name, nm.Data[0], nm.Header.Flags&netlink.Request != 0)
		}
		decodeBody(m, nm.Data, genlmsghdr, set)
		return
	}
	decodeBody(m, nm.Data, ctrlHeader, ctrlAttrs)
	if len(nm.Data) < genetlink.HeaderLen {
		return
	}
	cmd := nm.Data[0]
	m.Flags = nm.Header.Flags.Format(ctrlFlagContext(cmd))
	d.learn(cmd, m.Attrs)
}

// learn remembers the family a NEWFAMILY message describes, and forgets
// the one a DELFAMILY names.
func (d *Decoder) learn(cmd uint8, attrs []Attr) {
	if cmd != genetlink.CmdNewFamily && cmd != genetlink.CmdDelFamily {
		return
	}
	ida, ok1 := findAttr(attrs, "family_id")
	namea, ok2 := findAttr(attrs, "family_name")
	id, ok3 := ida.Value.(uint64)
	name, ok4 := namea.Value.(string)
	if !ok1 || !ok2 || !ok3 || !ok4 || uint16(id) == genetlink.ControllerID {
		return
	}
	if cmd == genetlink.CmdNewFamily {
		d.AddFamily(uint16(id), name)
	} else {
		d.forget(uint16(id))
	}
}

// guessFlagContext is the context the high flag bits of h are read in
// when only its kind of request can tell: as GET flags when they are a
// dump's or none, and otherwise as numbers.
func guessFlagContext(h netlink.Header) netlink.FlagContext {
	const high = netlink.Root | netlink.Match | netlink.Atomic | netlink.Append
	if h.Flags&netlink.Request == 0 || h.Flags&high == 0 || h.Flags&high == netlink.Dump {
		return netlink.GetFlags
	}
	return rawFlags
}

// rawFlags is a FlagContext that names none of the shared high bits.
const rawFlags netlink.FlagContext = 255
