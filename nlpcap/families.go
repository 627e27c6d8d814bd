package nlpcap

import (
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// WriteFamilies writes, for each of fams, a CTRL_CMD_NEWFAMILY message
// from the kernel describing it as the controller does (name, id,
// version, header size, max attribute, operations, groups), one record
// each, so that a dissector reading the file names the family's messages.
// Call it when the capture starts, with the families the program has
// resolved already (genetlink.Conn.CachedFamilies); later resolutions are
// captured as they happen.
func (w *Writer) WriteFamilies(fams ...genetlink.Family) error {
	now := time.Now()
	for _, f := range fams {
		b, err := NewFamilyMessage(f)
		if err != nil {
			return err
		}
		if err := w.write(now, PacketKernel, genetlink.Protocol, b, len(b)); err != nil {
			return err
		}
	}
	return nil
}

// NewFamilyMessage encodes the netlink message of a CTRL_CMD_NEWFAMILY
// describing f, as the kernel's ctrl_fill_info writes it: sequence and
// port 0, the arrays of operations and groups nested without
// NLA_F_NESTED and numbered from 1.
func NewFamilyMessage(f genetlink.Family) ([]byte, error) {
	e := netlink.NewAttributeEncoder()
	e.Reset(append(make([]byte, netlink.HeaderLen, 256), genetlink.CmdNewFamily, genetlink.ControllerVersion, 0, 0))
	e.String(genetlink.AttrFamilyName, f.Name)
	e.Uint16(genetlink.AttrFamilyID, f.ID)
	e.Uint32(genetlink.AttrVersion, uint32(f.Version))
	e.Uint32(genetlink.AttrHeaderSize, f.HeaderSize)
	e.Uint32(genetlink.AttrMaxAttr, f.MaxAttr)
	if len(f.Operations) > 0 {
		e.Do(genetlink.AttrOps, func() ([]byte, error) {
			inner := netlink.NewAttributeEncoder()
			for i, op := range f.Operations {
				inner.Do(uint16(i+1), func() ([]byte, error) {
					x := netlink.NewAttributeEncoder()
					x.Uint32(genetlink.AttrOpID, op.ID)
					x.Uint32(genetlink.AttrOpFlags, uint32(op.Flags))
					return x.Encode()
				})
			}
			return inner.Encode()
		})
	}
	if len(f.Groups) > 0 {
		e.Do(genetlink.AttrMcastGroups, func() ([]byte, error) {
			inner := netlink.NewAttributeEncoder()
			for i, g := range f.Groups {
				inner.Do(uint16(i+1), func() ([]byte, error) {
					x := netlink.NewAttributeEncoder()
					x.Uint32(genetlink.AttrMcastGrpID, g.ID)
					x.String(genetlink.AttrMcastGrpName, g.Name)
					return x.Encode()
				})
			}
			return inner.Encode()
		})
	}
	b, err := e.Encode()
	if err != nil {
		return nil, err
	}
	return netlink.FinishMessage(b, netlink.Header{Type: netlink.HeaderType(genetlink.ControllerID)})
}
