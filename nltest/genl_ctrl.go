package nltest

import (
	"math"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// The controller's own policies (ctrl_policy_family, ctrl_policy_policy).
var (
	ctrlPolicyFamily = &GenericPolicy{MaxType: genetlink.AttrFamilyName, Attributes: []genetlink.AttributePolicy{
		{Type: genetlink.AttrFamilyID, Kind: genetlink.TypeU16},
		{Type: genetlink.AttrFamilyName, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: genetlink.NameMax},
	}}
	ctrlPolicyPolicy = &GenericPolicy{MaxType: genetlink.AttrOp, Attributes: []genetlink.AttributePolicy{
		{Type: genetlink.AttrFamilyID, Kind: genetlink.TypeU16},
		{Type: genetlink.AttrFamilyName, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: genetlink.NameMax},
		{Type: genetlink.AttrOp, Kind: genetlink.TypeU32},
	}}
)

// controllerFamily is nlctrl as Linux 6.18 reports it: version 2, no
// family-wide policy, GETFAMILY with one policy for do and dump, and
// GETPOLICY, dump only.
func controllerFamily() GenericFamily {
	return GenericFamily{
		Name:    genetlink.ControllerName,
		Version: genetlink.ControllerVersion,
		Groups:  []string{genetlink.ControllerGroup},
		Operations: []GenericOperation{
			{Command: genetlink.CmdGetFamily, Flags: genetlink.Do | genetlink.Dump,
				DoPolicy: ctrlPolicyFamily, DumpPolicy: ctrlPolicyFamily},
			{Command: genetlink.CmdGetPolicy, Flags: genetlink.Dump, DumpPolicy: ctrlPolicyPolicy},
		},
	}
}

// controller dispatches a request to nlctrl; it is every operation's
// handler, set by input.
func (g *Generic) controller(r *GenericRequest) error {
	switch r.Message.Header.Command {
	case genetlink.CmdGetFamily:
		return g.getFamily(r)
	case genetlink.CmdGetPolicy:
		return g.getPolicy(r)
	}
	return syscall.EOPNOTSUPP
}

// ctrlRequest is what a request to the controller names.
type ctrlRequest struct {
	id           uint16
	name         string
	op           uint32
	hasID, hasOp bool
	hasName      bool
}

func parseCtrlRequest(b []byte) (ctrlRequest, error) {
	var q ctrlRequest
	nameAt := 0
	d := netlink.NewAttributeDecoder(b)
	for d.Next() {
		switch d.Type() {
		case genetlink.AttrFamilyID:
			q.id, q.hasID = d.Uint16(), true
		case genetlink.AttrFamilyName:
			q.name, q.hasName, nameAt = d.String(), true, d.Offset()
		case genetlink.AttrOp:
			q.op, q.hasOp = d.Uint32(), true
		}
	}
	if d.Err() != nil {
		return q, syscall.EINVAL
	}
	if len(q.name) > genetlink.NameMax {
		// As the kernel's policy validation answers (validate_nla).
		return q, &ExtError{Errno: syscall.EINVAL, Message: "Attribute failed policy validation",
			Offset: uint32(netlink.HeaderLen + genetlink.HeaderLen + nameAt), Policy: familyNamePolicy()}
	}
	return q, nil
}

// familyNamePolicy returns the policy of CTRL_ATTR_FAMILY_NAME as the
// kernel describes it in an extended ack: a NUL-terminated string of at most
// genetlink.NameMax bytes.
func familyNamePolicy() []byte {
	var e netlink.AttributeEncoder
	e.Uint32(genetlink.PolicyAttrMaxLength, genetlink.NameMax)
	e.Uint32(genetlink.PolicyAttrType, uint32(genetlink.TypeNulString))
	b, _ := e.Encode()
	return b
}

// lockedLookup finds the family a controller request names, by id and
// then by name, as ctrl_getfamily does: a name overrides an id.
func (g *Generic) lockedLookup(q ctrlRequest) (*genericFamily, error) {
	var fam *genericFamily
	if q.hasID {
		fam = g.lockedFindID(q.id)
	}
	if q.hasName {
		fam = g.lockedFind(q.name)
	}
	switch {
	case !q.hasID && !q.hasName:
		return nil, syscall.EINVAL
	case fam == nil:
		return nil, syscall.ENOENT
	}
	return fam, nil
}

// getFamily answers CTRL_CMD_GETFAMILY: one family, or all of them in a
// dump (ctrl_getfamily, ctrl_dumpfamily).
func (g *Generic) getFamily(r *GenericRequest) error {
	if r.Dumping() {
		g.mu.Lock()
		msgs := make([]genetlink.Message, len(g.families))
		for i, f := range g.families {
			msgs[i] = familyMessage(genetlink.CmdNewFamily, f.Family)
		}
		g.mu.Unlock()
		return r.Dump(msgs)
	}
	q, err := parseCtrlRequest(r.Message.Data)
	if err != nil {
		return err
	}
	g.mu.Lock()
	fam, err := g.lockedLookup(q)
	var f genetlink.Family
	if err == nil {
		f = fam.Family
	}
	g.mu.Unlock()
	if err != nil {
		return err
	}
	return r.Reply(familyMessage(genetlink.CmdNewFamily, f))
}

// familyMessage describes f as ctrl_fill_info does: name, id, version,
// header size, max attr, then the operations and the groups, each array
// nested without NLA_F_NESTED and numbered from 1.
func familyMessage(cmd uint8, f genetlink.Family) genetlink.Message {
	e := netlink.NewAttributeEncoder()
	e.String(genetlink.AttrFamilyName, f.Name)
	e.Uint16(genetlink.AttrFamilyID, f.ID)
	e.Uint32(genetlink.AttrVersion, uint32(f.Version))
	e.Uint32(genetlink.AttrHeaderSize, f.HeaderSize)
	e.Uint32(genetlink.AttrMaxAttr, f.MaxAttr)
	if len(f.Operations) > 0 {
		nestNoFlag(e, genetlink.AttrOps, func(e *netlink.AttributeEncoder) {
			for i, op := range f.Operations {
				nestNoFlag(e, uint16(i+1), func(e *netlink.AttributeEncoder) {
					e.Uint32(genetlink.AttrOpID, op.ID)
					e.Uint32(genetlink.AttrOpFlags, uint32(op.Flags))
				})
			}
		})
	}
	if len(f.Groups) > 0 {
		nestNoFlag(e, genetlink.AttrMcastGroups, func(e *netlink.AttributeEncoder) {
			for i, grp := range f.Groups {
				groupEntry(e, uint16(i+1), grp)
			}
		})
	}
	return ctrlMessage(cmd, e)
}

// groupEntry writes one entry of CTRL_ATTR_MCAST_GROUPS: id, then name.
func groupEntry(e *netlink.AttributeEncoder, typ uint16, grp genetlink.MulticastGroup) {
	nestNoFlag(e, typ, func(e *netlink.AttributeEncoder) {
		e.Uint32(genetlink.AttrMcastGrpID, grp.ID)
		e.String(genetlink.AttrMcastGrpName, grp.Name)
	})
}

// groupMessage describes one of f's groups as ctrl_fill_mcgrp_info does.
func groupMessage(cmd uint8, f genetlink.Family, grp genetlink.MulticastGroup) genetlink.Message {
	e := netlink.NewAttributeEncoder()
	e.String(genetlink.AttrFamilyName, f.Name)
	e.Uint16(genetlink.AttrFamilyID, f.ID)
	nestNoFlag(e, genetlink.AttrMcastGroups, func(e *netlink.AttributeEncoder) {
		groupEntry(e, 1, grp)
	})
	return ctrlMessage(cmd, e)
}

// ctrlMessage makes the controller's message with command cmd of the
// attributes e encoded.
func ctrlMessage(cmd uint8, e *netlink.AttributeEncoder) genetlink.Message {
	b, err := e.Encode()
	if err != nil {
		panic("nltest: encoding a controller message: " + err.Error()) // the sizes are bounded
	}
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: genetlink.ControllerVersion}, Data: b}
}

// nestNoFlag writes a nest as nla_nest_start_noflag does: without
// NLA_F_NESTED.
func nestNoFlag(e *netlink.AttributeEncoder, typ uint16, fn func(*netlink.AttributeEncoder)) {
	inner := netlink.NewAttributeEncoder()
	fn(inner)
	e.Do(typ, inner.Encode)
}

// announce multicasts an event about fam on the controller's group, as
// genl_ctrl_event does: the family for NEWFAMILY and DELFAMILY, its group
// grp for NEWMCAST_GRP and DELMCAST_GRP.
func (g *Generic) announce(cmd uint8, fam *genericFamily, grp int) {
	m := familyMessage(cmd, fam.Family)
	if grp >= 0 {
		m = groupMessage(cmd, fam.Family, fam.Groups[grp])
	}
	// Nobody listening (ESRCH) is no failure.
	_ = g.k.Broadcast(genetlink.Protocol, uint32(genetlink.ControllerID), wrapGeneric(genetlink.ControllerID, []genetlink.Message{m})...)
}

// fullRange returns a's limits as the kernel reports a policy without
// validation: an integer's whole range.
func fullRange(a genetlink.AttributePolicy) genetlink.AttributePolicy {
	if a.Has&(genetlink.HasSignedRange|genetlink.HasUnsignedRange|genetlink.HasMask) != 0 {
		return a
	}
	switch a.Kind {
	case genetlink.TypeU8:
		a.Has, a.MaxUnsigned = a.Has|genetlink.HasUnsignedRange, math.MaxUint8
	case genetlink.TypeU16:
		a.Has, a.MaxUnsigned = a.Has|genetlink.HasUnsignedRange, math.MaxUint16
	case genetlink.TypeU32:
		a.Has, a.MaxUnsigned = a.Has|genetlink.HasUnsignedRange, math.MaxUint32
	case genetlink.TypeU64, genetlink.TypeUint:
		a.Has, a.MaxUnsigned = a.Has|genetlink.HasUnsignedRange, math.MaxUint64
	case genetlink.TypeS8:
		a.Has, a.MinSigned, a.MaxSigned = a.Has|genetlink.HasSignedRange, math.MinInt8, math.MaxInt8
	case genetlink.TypeS16:
		a.Has, a.MinSigned, a.MaxSigned = a.Has|genetlink.HasSignedRange, math.MinInt16, math.MaxInt16
	case genetlink.TypeS32:
		a.Has, a.MinSigned, a.MaxSigned = a.Has|genetlink.HasSignedRange, math.MinInt32, math.MaxInt32
	case genetlink.TypeS64, genetlink.TypeSint:
		a.Has, a.MinSigned, a.MaxSigned = a.Has|genetlink.HasSignedRange, math.MinInt64, math.MaxInt64
	}
	return a
}
