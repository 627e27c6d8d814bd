package main

import (
	"context"
	"slices"

	"github.com/nlgo/netlink"
)

// Generic netlink constants from <linux/genetlink.h>.
const (
	familyGeneric = 16 // NETLINK_GENERIC

	genlIDCtrl        = 0x10 // GENL_ID_CTRL: the controller family's message type
	genlHdrLen        = 4    // sizeof(struct genlmsghdr): cmd, version, reserved u16
	ctrlCmdGetFamily  = 3    // CTRL_CMD_GETFAMILY
	ctrlVersion       = 2    // the controller's version
	ctrlAttrFamilyID  = 1    // CTRL_ATTR_FAMILY_ID
	ctrlAttrName      = 2    // CTRL_ATTR_FAMILY_NAME
	ctrlAttrVersion   = 3    // CTRL_ATTR_VERSION
	ctrlAttrMcastGrps = 7    // CTRL_ATTR_MCAST_GROUPS
	ctrlAttrGrpName   = 1    // CTRL_ATTR_MCAST_GRP_NAME
	ctrlAttrGrpID     = 2    // CTRL_ATTR_MCAST_GRP_ID
)

// A Family is a generic netlink family, as the controller describes it.
type Family struct {
	Name    string  `json:"name"`
	ID      uint16  `json:"id"`
	Version uint32  `json:"version"`
	Groups  []Group `json:"groups,omitempty"`
}

// A Group is a generic netlink family's multicast group.
type Group struct {
	Name string `json:"name"`
	ID   uint32 `json:"id"`
}

// getFamilyHeader is the genlmsghdr of a CTRL_CMD_GETFAMILY request.
func getFamilyHeader() []byte { return []byte{ctrlCmdGetFamily, ctrlVersion, 0, 0} }

// listFamilies dumps the generic netlink families, sorted by id.
func listFamilies(ctx context.Context, c *netlink.Conn) ([]Family, error) {
	msgs, err := dump(ctx, c, genlIDCtrl, getFamilyHeader())
	if err != nil {
		return nil, err
	}
	var fams []Family
	for _, m := range msgs {
		if m.Header.Type != genlIDCtrl {
			continue
		}
		f, err := parseFamily(m)
		if err != nil {
			return nil, err
		}
		fams = append(fams, f)
	}
	slices.SortFunc(fams, func(a, b Family) int { return int(a.ID) - int(b.ID) })
	return fams, nil
}

// parseFamily decodes the controller's reply about one family.
func parseFamily(m netlink.Message) (Family, error) {
	_, attrs, err := familyHeader(m, genlHdrLen)
	if err != nil {
		return Family{}, err
	}
	var f Family
	var d netlink.AttributeDecoder
	d.Reset(attrs)
	for d.Next() {
		switch d.Type() {
		case ctrlAttrFamilyID:
			f.ID = d.Uint16()
		case ctrlAttrName:
			f.Name = d.String()
		case ctrlAttrVersion:
			f.Version = d.Uint32()
		case ctrlAttrMcastGrps:
			d.NestedArray(func(_ int, gd *netlink.AttributeDecoder) error {
				var g Group
				for gd.Next() {
					switch gd.Type() {
					case ctrlAttrGrpName:
						g.Name = gd.String()
					case ctrlAttrGrpID:
						g.ID = gd.Uint32()
					}
				}
				f.Groups = append(f.Groups, g)
				return nil
			})
		}
	}
	return f, d.Err()
}
