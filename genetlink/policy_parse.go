package genetlink

import (
	"fmt"
	"slices"

	"github.com/nlgo/netlink"
)

// decodePolicy adds what one CTRL_CMD_GETPOLICY reply says to p: one
// operation's policy indexes (CTRL_ATTR_OP_POLICY) or one attribute of one
// policy (CTRL_ATTR_POLICY), as the kernel sends them
// (ctrl_dumppolicy_put_op, netlink_policy_dump_write), or several of each.
// The reply must be about family *id, which the first reply sets when it
// is 0. Unknown attributes are skipped, and unknown NL_POLICY_TYPE_ATTR_*
// attributes kept in Unknown.
func decodePolicy(p *Policy, b []byte, id *uint16) error {
	var d netlink.AttributeDecoder
	d.Reset(b)
	for d.Next() {
		switch d.Type() {
		case AttrFamilyID:
			got := d.Uint16()
			switch {
			case d.Err() != nil:
			case *id == 0:
				*id = got
			case got != *id:
				return fmt.Errorf("genetlink: a policy reply about family %d among replies about %d", got, *id)
			}
		case AttrOpPolicy:
			d.Nested(func(od *netlink.AttributeDecoder) error {
				for od.Next() {
					op := OperationPolicy{Command: uint32(od.Type()), Do: NoPolicy, Dump: NoPolicy}
					od.Nested(func(pd *netlink.AttributeDecoder) error {
						for pd.Next() {
							switch pd.Type() {
							case AttrPolicyDo:
								op.Do = int64(pd.Uint32())
							case AttrPolicyDump:
								op.Dump = int64(pd.Uint32())
							}
						}
						return nil
					})
					p.Operations = append(p.Operations, op)
				}
				return nil
			})
		case AttrPolicy:
			d.Nested(func(idxd *netlink.AttributeDecoder) error {
				for idxd.Next() {
					idx := uint32(idxd.Type())
					var err error
					idxd.Nested(func(ad *netlink.AttributeDecoder) error {
						for ad.Next() && err == nil {
							err = addAttributePolicy(p, idx, ad)
						}
						return err
					})
				}
				return nil
			})
		}
	}
	return d.Err()
}

// addAttributePolicy decodes the policy of the attribute d is at, whose
// type is the attribute's, into policy idx of p, with
// netlink.ParseKernelPolicy.
func addAttributePolicy(p *Policy, idx uint32, d *netlink.AttributeDecoder) error {
	typ, at := d.Type(), d.Offset()+netlink.AttributeHeaderLen
	var a AttributePolicy
	d.Do(func(b []byte) error {
		var err error
		a, err = netlink.ParseKernelPolicy(b)
		if pe, ok := err.(*netlink.ParseError); ok {
			pe.Offset += at // from the start of the reply's attributes
		}
		return err
	})
	if d.Err() != nil {
		return nil // the decoder has the error
	}
	a.Type = typ
	if a.Kind == TypeInvalid {
		return fmt.Errorf("genetlink: policy %d, attribute %d: no NL_POLICY_TYPE_ATTR_TYPE: %w", idx, a.Type, ErrMissing)
	}
	if p.Policies == nil {
		p.Policies = make(map[uint32][]AttributePolicy)
	}
	attrs := p.Policies[idx]
	i, found := slices.BinarySearchFunc(attrs, a.Type, func(x AttributePolicy, t uint16) int { return int(x.Type) - int(t) })
	if found {
		return fmt.Errorf("genetlink: policy %d, attribute %d: described twice", idx, a.Type)
	}
	p.Policies[idx] = slices.Insert(attrs, i, a)
	return nil
}
