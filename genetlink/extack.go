package genetlink

import (
	"errors"

	"github.com/nlgo/netlink"
)

// locate names the attributes that the extended ack of a failed request to
// family points at (netlink.OpError.Locate), so that the error prints
// their paths. The attributes follow the genlmsghdr and the family's own
// header: its size is known for the controller and for a family in the
// cache, and taken to be 0, as it is for nearly every family, otherwise.
// The controller's attributes are named; others are numbered.
func (c *Conn) locate(err error, family uint16) {
	var oe *netlink.OpError
	if !errors.As(err, &oe) || oe.Sent == nil {
		return
	}
	hdr, p := HeaderLen, (*netlink.Policy)(nil)
	if family == ControllerID {
		p = &controllerPolicy
	} else if c.cache != nil {
		if f, ok := c.cache.byID(family); ok {
			hdr += int(f.HeaderSize)
		}
	}
	oe.Locate(hdr, p) // what the ack does not locate stays unnamed
}

// controllerPolicy names the controller's request attributes, the nests
// of CTRL_ATTR_POLICY and CTRL_ATTR_OP_POLICY left undescribed.
var controllerPolicy = netlink.Policy{Attributes: []netlink.AttributePolicy{
	AttrFamilyID:    {Name: "CTRL_ATTR_FAMILY_ID", Kind: netlink.KindU16},
	AttrFamilyName:  {Name: "CTRL_ATTR_FAMILY_NAME", Kind: netlink.KindNulString, MaxLen: NameMax},
	AttrVersion:     {Name: "CTRL_ATTR_VERSION", Kind: netlink.KindU32},
	AttrHeaderSize:  {Name: "CTRL_ATTR_HDRSIZE", Kind: netlink.KindU32},
	AttrMaxAttr:     {Name: "CTRL_ATTR_MAXATTR", Kind: netlink.KindU32},
	AttrOps:         {Name: "CTRL_ATTR_OPS", Kind: netlink.KindNestedArray},
	AttrMcastGroups: {Name: "CTRL_ATTR_MCAST_GROUPS", Kind: netlink.KindNestedArray},
	AttrPolicy:      {Name: "CTRL_ATTR_POLICY", Kind: netlink.KindNested},
	AttrOpPolicy:    {Name: "CTRL_ATTR_OP_POLICY", Kind: netlink.KindNested},
	AttrOp:          {Name: "CTRL_ATTR_OP", Kind: netlink.KindU32},
}}
