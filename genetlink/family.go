package genetlink

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nlgo/netlink"
)

// A Family is a generic netlink family as the controller describes it.
type Family struct {
	// ID is the family's id, the nlmsg_type of its messages. The kernel
	// assigns it when the family registers: it changes when the family's
	// module is reloaded.
	ID uint16
	// Name is the family's name, at most NameMax bytes.
	Name string
	// Version is the version of the family's interface.
	Version uint8
	// HeaderSize is the size of the family's own header, which follows the
	// genlmsghdr in its messages.
	HeaderSize uint32
	// MaxAttr is the highest attribute type of the family's policy: 0
	// for families that declare a policy per operation.
	MaxAttr uint32
	// Operations are the family's commands, in the kernel's order.
	Operations []Operation
	// Groups are the family's multicast groups, in the kernel's order.
	Groups []MulticastGroup
}

// Group returns the family's multicast group called name.
func (f Family) Group(name string) (MulticastGroup, bool) {
	for _, g := range f.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return MulticastGroup{}, false
}

// An Operation is one command of a family.
type Operation struct {
	// ID is the command (genlmsghdr.cmd).
	ID uint32
	// Flags say what the command can do and what it needs.
	Flags OperationFlags
}

// OperationFlags describe an Operation (GENL_* in CTRL_ATTR_OP_FLAGS).
type OperationFlags uint32

// Flags of an Operation.
const (
	AdminPerm    OperationFlags = 0x01 // GENL_ADMIN_PERM: needs CAP_NET_ADMIN
	Do           OperationFlags = 0x02 // GENL_CMD_CAP_DO: answers a request
	Dump         OperationFlags = 0x04 // GENL_CMD_CAP_DUMP: answers a dump
	HasPolicy    OperationFlags = 0x08 // GENL_CMD_CAP_HASPOL: has an attribute policy
	UnsAdminPerm OperationFlags = 0x10 // GENL_UNS_ADMIN_PERM: needs CAP_NET_ADMIN in the namespace's user namespace
)

var operationFlagNames = [...]struct {
	f    OperationFlags
	name string
}{
	{AdminPerm, "admin-perm"}, {Do, "do"}, {Dump, "dump"}, {HasPolicy, "has-policy"}, {UnsAdminPerm, "uns-admin-perm"},
}

// String formats f as names joined by '|' ("do|dump|has-policy"); unknown
// bits print in hex, and no bits as "0".
func (f OperationFlags) String() string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for _, n := range operationFlagNames {
		if f&n.f != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x" + strconv.FormatUint(uint64(f), 16))
	}
	return b.String()
}

// A MulticastGroup is one of a family's multicast groups.
type MulticastGroup struct {
	// ID is the group's number, for netlink.Conn.JoinGroup. The kernel
	// assigns it when the family registers.
	ID uint32
	// Name is the group's name, unique within its family.
	Name string
}

// parseFamily decodes the attributes of a CTRL_CMD_NEWFAMILY message, as
// the kernel writes them (ctrl_fill_info). Unknown attributes are skipped;
// the arrays of operations and groups are accepted without NLA_F_NESTED and
// with their entries numbered from anything, as kernels send them. A
// family without an id or a name is an error wrapping ErrMissing. A name
// equal to known is known itself, not a new string.
func parseFamily(b []byte, known string) (Family, error) {
	var d netlink.AttributeDecoder
	return parseFamilyWith(&d, b, known)
}

// parseFamilyWith is parseFamily with a decoder of the caller's, whose
// nested decoders are then reused: decoding allocates only the Family.
func parseFamilyWith(d *netlink.AttributeDecoder, b []byte, known string) (Family, error) {
	var f Family
	var hasID bool
	d.Reset(b)
	for d.Next() {
		switch d.Type() {
		case AttrFamilyID:
			f.ID, hasID = d.Uint16(), true
		case AttrFamilyName:
			f.Name = attrString(d, known)
		case AttrVersion:
			f.Version = uint8(d.Uint32())
		case AttrHeaderSize:
			f.HeaderSize = d.Uint32()
		case AttrMaxAttr:
			f.MaxAttr = d.Uint32()
		case AttrOps:
			f.Operations = parseOperations(d, f.Operations)
		case AttrMcastGroups:
			f.Groups = parseGroups(d, f.Groups)
		}
	}
	if err := d.Err(); err != nil {
		return Family{}, err
	}
	switch {
	case !hasID:
		return Family{}, fmt.Errorf("genetlink: family %q: no CTRL_ATTR_FAMILY_ID: %w", f.Name, ErrMissing)
	case f.Name == "":
		return Family{}, fmt.Errorf("genetlink: family %d: no CTRL_ATTR_FAMILY_NAME: %w", f.ID, ErrMissing)
	}
	return f, nil
}

// attrString returns the string attribute d is at, or known, without
// allocating, when they are equal.
func attrString(d *netlink.AttributeDecoder, known string) string {
	same := false
	d.Do(func(b []byte) error {
		if len(b) > 0 && b[len(b)-1] == 0 {
			b = b[:len(b)-1]
		}
		same = known != "" && string(b) == known
		return nil
	})
	if same {
		return known
	}
	return d.String()
}

// entries counts the entries of the nested array d is at, by their
// headers alone: it only sizes the slice the entries are decoded into, so
// a count off by a malformed entry costs an append, never a wrong result.
func entries(d *netlink.AttributeDecoder) int {
	b := d.Data()
	n := 0
	for off := 0; len(b)-off >= netlink.AttributeHeaderLen; n++ {
		l := int(binary.NativeEndian.Uint16(b[off:]))
		if l < netlink.AttributeHeaderLen {
			break
		}
		off += netlink.AttributeAlign(l)
	}
	return n
}

// grow returns s with room for n more elements, made to size when s has
// none yet.
func grow[T any](s []T, n int) []T {
	if s == nil {
		return make([]T, 0, n)
	}
	return slices.Grow(s, n)
}

// parseOperations appends the entries of the CTRL_ATTR_OPS array d is at.
func parseOperations(d *netlink.AttributeDecoder, ops []Operation) []Operation {
	ops = grow(ops, entries(d))
	d.NestedArray(func(_ int, od *netlink.AttributeDecoder) error {
		var op Operation
		for od.Next() {
			switch od.Type() {
			case AttrOpID:
				op.ID = od.Uint32()
			case AttrOpFlags:
				op.Flags = OperationFlags(od.Uint32())
			}
		}
		ops = append(ops, op)
		return nil
	})
	return ops
}

// parseGroups appends the entries of the CTRL_ATTR_MCAST_GROUPS array d is
// at. A group without a name is an error wrapping ErrMissing.
func parseGroups(d *netlink.AttributeDecoder, groups []MulticastGroup) []MulticastGroup {
	groups = grow(groups, entries(d))
	d.NestedArray(func(i int, gd *netlink.AttributeDecoder) error {
		var g MulticastGroup
		for gd.Next() {
			switch gd.Type() {
			case AttrMcastGrpName:
				g.Name = gd.String()
			case AttrMcastGrpID:
				g.ID = gd.Uint32()
			}
		}
		if gd.Err() == nil && g.Name == "" {
			return fmt.Errorf("genetlink: multicast group %d (id %d): no CTRL_ATTR_MCAST_GRP_NAME: %w", i, g.ID, ErrMissing)
		}
		groups = append(groups, g)
		return nil
	})
	return groups
}
