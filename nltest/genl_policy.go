package nltest

import (
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// getPolicy answers CTRL_CMD_GETPOLICY as ctrl_dumppolicy_start and
// ctrl_dumppolicy do: for the operation named (or every one), a message
// with its policies' indexes; then one message per attribute of every
// policy reached, numbered in the order netlink_policy_dump_add_policy
// finds them.
func (g *Generic) getPolicy(r *GenericRequest) error {
	if !r.Dumping() {
		return syscall.EOPNOTSUPP
	}
	q, err := parseCtrlRequest(r.Message.Data)
	if err != nil {
		return err
	}
	g.mu.Lock()
	fam, err := g.lockedLookup(q)
	var id uint16
	var ops []GenericOperation
	if err == nil {
		id, ops = fam.ID, fam.ops
	}
	g.mu.Unlock()
	if err != nil {
		return err
	}
	if q.hasOp {
		i := -1
		for j, op := range ops {
			if uint32(op.Command) == q.op {
				i = j
			}
		}
		if i < 0 {
			return syscall.ENOENT
		}
		ops = ops[i : i+1]
	}
	var s policyDump
	for _, op := range ops {
		s.add(op.DoPolicy)
		s.add(op.DumpPolicy)
	}
	if len(s.policies) == 0 {
		return errnoNoData
	}
	var msgs []genetlink.Message
	for _, op := range ops {
		if op.DoPolicy == nil && op.DumpPolicy == nil {
			continue
		}
		msgs = append(msgs, s.opMessage(id, op))
	}
	for idx, p := range s.policies {
		for _, a := range p.Attributes {
			msgs = append(msgs, s.attrMessage(id, idx, p, a))
		}
	}
	return r.Dump(msgs)
}

// policyDump numbers the policies of a dump (netlink_policy_dump_state).
type policyDump struct {
	policies []*GenericPolicy
}

// add adds p and, breadth first, every policy nested in it that is not
// there yet.
func (s *policyDump) add(p *GenericPolicy) {
	if p == nil || s.index(p) >= 0 {
		return
	}
	s.policies = append(s.policies, p)
	for i := 0; i < len(s.policies); i++ {
		q := s.policies[i]
		for _, a := range q.Attributes {
			if n := q.Nested[a.Type]; n != nil && s.index(n) < 0 {
				s.policies = append(s.policies, n)
			}
		}
	}
}

func (s *policyDump) index(p *GenericPolicy) int {
	for i, q := range s.policies {
		if q == p {
			return i
		}
	}
	return -1
}

// opMessage writes op's policy indexes (ctrl_dumppolicy_put_op). Like
// the kernel since 6.2, it names the operation by its do handler's
// command, which is 0 when it has none (6.1 names it by its command).
func (s *policyDump) opMessage(id uint16, op GenericOperation) genetlink.Message {
	e := netlink.NewAttributeEncoder()
	e.Uint16(genetlink.AttrFamilyID, id)
	cmd := uint16(op.Command)
	if op.Flags&genetlink.Do == 0 {
		cmd = 0
	}
	e.Nested(genetlink.AttrOpPolicy, func(e *netlink.AttributeEncoder) error {
		e.Nested(cmd, func(e *netlink.AttributeEncoder) error {
			if op.DoPolicy != nil {
				e.Uint32(genetlink.AttrPolicyDo, uint32(s.index(op.DoPolicy)))
			}
			if op.DumpPolicy != nil {
				e.Uint32(genetlink.AttrPolicyDump, uint32(s.index(op.DumpPolicy)))
			}
			return nil
		})
		return nil
	})
	return ctrlMessage(genetlink.CmdGetPolicy, e)
}

// attrMessage writes the policy of attribute a of policy p, number idx,
// as netlink_policy_dump_write and __netlink_policy_dump_write_attr do:
// the limits, then the type.
func (s *policyDump) attrMessage(id uint16, idx int, p *GenericPolicy, a genetlink.AttributePolicy) genetlink.Message {
	a = fullRange(a)
	e := netlink.NewAttributeEncoder()
	e.Uint16(genetlink.AttrFamilyID, id)
	e.Nested(genetlink.AttrPolicy, func(e *netlink.AttributeEncoder) error {
		e.Nested(uint16(idx), func(e *netlink.AttributeEncoder) error {
			e.Nested(a.Type, func(e *netlink.AttributeEncoder) error {
				writeLimits(e, a, p.Nested[a.Type], s)
				e.Uint32(genetlink.PolicyAttrType, uint32(a.Kind))
				return nil
			})
			return nil
		})
		return nil
	})
	return ctrlMessage(genetlink.CmdGetPolicy, e)
}

// writeLimits writes a's limits in the kernel's order for its kind.
func writeLimits(e *netlink.AttributeEncoder, a genetlink.AttributePolicy, nested *GenericPolicy, s *policyDump) {
	switch a.Kind {
	case genetlink.TypeNested, genetlink.TypeNestedArray:
		if nested != nil && nested.MaxType > 0 {
			e.Uint32(genetlink.PolicyAttrPolicyIdx, uint32(s.index(nested)))
			e.Uint32(genetlink.PolicyAttrPolicyMaxType, uint32(nested.MaxType))
		}
		return
	case genetlink.TypeBitfield32:
		e.Uint32(genetlink.PolicyAttrBitfield32Mask, a.Bitfield32Mask)
		return
	}
	if a.Has&genetlink.HasMask != 0 {
		e.Uint64(genetlink.PolicyAttrMask, a.Mask)
	}
	if a.Has&genetlink.HasUnsignedRange != 0 {
		e.Uint64(genetlink.PolicyAttrMinValueU, a.MinUnsigned)
		e.Uint64(genetlink.PolicyAttrMaxValueU, a.MaxUnsigned)
	}
	if a.Has&genetlink.HasSignedRange != 0 {
		e.Int64(genetlink.PolicyAttrMinValueS, a.MinSigned)
		e.Int64(genetlink.PolicyAttrMaxValueS, a.MaxSigned)
	}
	if a.Has&genetlink.HasMinLength != 0 {
		e.Uint32(genetlink.PolicyAttrMinLength, a.MinLength)
	}
	if a.Has&genetlink.HasMaxLength != 0 {
		e.Uint32(genetlink.PolicyAttrMaxLength, a.MaxLength)
	}
	for _, u := range a.Unknown {
		e.Bytes(u.Type, u.Data)
	}
}
