package nltest

import (
	"fmt"
	"slices"
	"sync"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// A Generic is a fake of the kernel's generic netlink (NETLINK_GENERIC) on
// a Kernel: the controller nlctrl and the families registered with it. It
// answers CTRL_CMD_GETFAMILY (by name, by id, and dumps) and
// CTRL_CMD_GETPOLICY (for one operation or all) in the layout the kernel
// uses; assigns family ids and group ids as the kernel does (nlctrl 0x10,
// VFS_DQUOT 0x11, pmcraid 0x12, then cyclically from 0x13; groups first
// fit from 2); announces families and their groups on the controller's
// "notify" group as they are registered and unregistered; and passes
// every other request to the handler of its family's command.
//
// Requests get the kernel's errors: ENOENT for an unknown family id or
// name, EOPNOTSUPP for a command the family lacks or a dump of a command
// without one (and the reverse), EINVAL for a message without a
// genlmsghdr, ENODATA for the policy of an operation without any.
// Permissions (GENL_ADMIN_PERM) are not checked, and requests are not
// validated against their policies.
type Generic struct {
	k *Kernel

	mu       sync.Mutex
	families []*genericFamily // in the order of their ids
	lastID   uint16           // the id last assigned cyclically
	groups   map[uint32]bool  // group ids in use
}

// A GenericFamily describes a family for Generic.Register, as a module
// declares a struct genl_family.
type GenericFamily struct {
	// Name is the family's name: 1 to genetlink.NameMax bytes.
	Name string
	// Version, HeaderSize and MaxAttr are reported as they are.
	Version    uint8
	HeaderSize uint32
	MaxAttr    uint32
	// Operations are the family's commands.
	Operations []GenericOperation
	// Groups names the family's multicast groups.
	Groups []string
}

// A GenericOperation is one command of a GenericFamily (struct genl_ops).
type GenericOperation struct {
	// Command is the command, genlmsghdr.cmd.
	Command uint8
	// Flags are genetlink.Do, genetlink.Dump (which requests the command
	// takes), genetlink.AdminPerm and genetlink.UnsAdminPerm. HasPolicy
	// is added when the command has a policy.
	Flags genetlink.OperationFlags
	// DoPolicy and DumpPolicy are the policies of a request and of a
	// dump request; nil for none. Policies are told apart by pointer, as
	// the kernel tells them apart by address.
	DoPolicy, DumpPolicy *GenericPolicy
	// Handler answers the command; nil answers EOPNOTSUPP.
	Handler GenericHandler
}

// A GenericPolicy is an attribute policy as a module declares one (an
// array of struct nla_policy indexed by attribute type).
type GenericPolicy struct {
	// MaxType is the highest attribute type of the policy.
	MaxType uint16
	// Attributes are the policies of the attributes validated, each with
	// its Type, Kind and limits. Integer attributes whose Has names no
	// range or mask get their type's full range, as the kernel reports
	// them. NestedPolicy and NestedMaxType are ignored: see Nested.
	Attributes []genetlink.AttributePolicy
	// Nested gives, by attribute type, the policy of a nest's contents.
	Nested map[uint16]*GenericPolicy
}

// A GenericHandler answers one command of a generic family. An error is
// treated as a Handler's error is.
type GenericHandler func(r *GenericRequest) error

// A GenericRequest is a request to a generic family's command.
type GenericRequest struct {
	// Request is the netlink request; its methods answer it with
	// netlink messages.
	*Request
	// Family is the family the request was sent to.
	Family genetlink.Family
	// Message is the generic netlink message of the request.
	Message genetlink.Message
}

// Dumping reports whether the request asks for a dump (NLM_F_DUMP).
func (r *GenericRequest) Dumping() bool {
	return r.Request.Message.Header.Flags&netlink.Dump == netlink.Dump
}

// Reply answers with generic netlink messages of the family, as one
// datagram (genlmsg_reply).
func (r *GenericRequest) Reply(msgs ...genetlink.Message) error {
	return r.Request.Reply(wrapGeneric(r.Family.ID, msgs)...)
}

// Dump answers with a dump of generic netlink messages of the family.
func (r *GenericRequest) Dump(msgs []genetlink.Message, opts ...DumpOption) error {
	return r.Request.Dump(wrapGeneric(r.Family.ID, msgs), opts...)
}

// wrapGeneric puts generic netlink messages in netlink messages of type id.
func wrapGeneric(id uint16, msgs []genetlink.Message) []netlink.Message {
	out := make([]netlink.Message, len(msgs))
	for i, m := range msgs {
		b, _ := m.MarshalBinary() // never fails
		out[i] = netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(id)}, Data: b}
	}
	return out
}

// genericFamily is a registered family.
type genericFamily struct {
	genetlink.Family
	ops []GenericOperation
}

// NewGeneric registers NETLINK_GENERIC on k, with the controller nlctrl
// as its first family, and returns it.
func NewGeneric(k *Kernel) *Generic {
	g := &Generic{k: k, lastID: firstDynamicID - 1, groups: map[uint32]bool{0: true, 1: true, 0x10: true, idVFSDquot: true, idPMCRAID: true}}
	k.Register(genetlink.Protocol, g.input, Groups(maxGenericGroups))
	ctrl := controllerFamily()
	for i := range ctrl.Operations {
		ctrl.Operations[i].Handler = g.controller
	}
	if _, err := g.Register(ctrl); err != nil {
		panic(err) // cannot happen: nothing else is registered yet
	}
	return g
}

// Family ids and group ids as the kernel assigns them (genl_register_family).
const (
	idVFSDquot       = 0x11 // GENL_ID_VFS_DQUOT
	idPMCRAID        = 0x12 // GENL_ID_PMCRAID
	firstDynamicID   = 0x13 // GENL_START_ALLOC
	maxGenericID     = 1023 // GENL_MAX_ID
	maxGenericGroups = 1024 // group ids the fake supports
)

// ServeFamily returns a genetlink.Conn on a fake kernel of its own on
// which the family f is registered, its id, group ids and HasPolicy flags
// assigned as Register does, with fn answering each of its commands. It
// is the simple case, as mdlayher's genltest.ServeFamily; use Generic for
// more families, policies, notifications and multicast.
func ServeFamily(f GenericFamily, fn GenericHandler) *genetlink.Conn {
	g := NewGeneric(NewKernel())
	for i := range f.Operations {
		if f.Operations[i].Handler == nil {
			f.Operations[i].Handler = fn
		}
	}
	if _, err := g.Register(f); err != nil {
		panic(fmt.Sprintf("nltest: ServeFamily: %v", err))
	}
	c, err := g.Dial(nil)
	if err != nil {
		panic(fmt.Sprintf("nltest: ServeFamily: %v", err))
	}
	return c
}

// Kernel returns the Kernel g runs on.
func (g *Generic) Kernel() *Kernel { return g.k }

// Dial returns a genetlink.Conn on the fake, with a family cache that
// follows the fake's announcements, as genetlink.Dial returns on a real
// kernel.
func (g *Generic) Dial(cfg *netlink.Config) (*genetlink.Conn, error) {
	nc, err := g.k.Dial(genetlink.Protocol, cfg)
	if err != nil {
		return nil, err
	}
	w, err := g.k.Dial(genetlink.Protocol, nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	c := genetlink.NewConn(nc)
	if err := c.WatchFamilies(w); err != nil {
		c.Close()
		w.Close()
		return nil, err
	}
	return c, nil
}

// Register registers the family f, like genl_register_family, announces
// it and its groups on "notify", and returns it as the controller will
// describe it. A name in use fails with EEXIST, an empty or too long one
// with EINVAL, and so do two operations with one command.
func (g *Generic) Register(f GenericFamily) (genetlink.Family, error) {
	if f.Name == "" || len(f.Name) > genetlink.NameMax {
		return genetlink.Family{}, fmt.Errorf("nltest: family name %q: %w", f.Name, syscall.EINVAL)
	}
	fam := &genericFamily{ops: slices.Clone(f.Operations), Family: genetlink.Family{
		Name: f.Name, Version: f.Version, HeaderSize: f.HeaderSize, MaxAttr: f.MaxAttr}}
	for _, op := range f.Operations {
		if slices.ContainsFunc(fam.Operations, func(o genetlink.Operation) bool { return o.ID == uint32(op.Command) }) {
			return genetlink.Family{}, fmt.Errorf("nltest: family %s: command %d twice: %w", f.Name, op.Command, syscall.EINVAL)
		}
		flags := op.Flags &^ genetlink.HasPolicy
		if op.DoPolicy != nil || op.DumpPolicy != nil {
			flags |= genetlink.HasPolicy
		}
		fam.Operations = append(fam.Operations, genetlink.Operation{ID: uint32(op.Command), Flags: flags})
	}
	g.mu.Lock()
	if g.lockedFind(f.Name) != nil {
		g.mu.Unlock()
		return genetlink.Family{}, fmt.Errorf("nltest: family %s: %w", f.Name, syscall.EEXIST)
	}
	var err error
	if fam.ID, err = g.lockedAssignID(f.Name); err == nil {
		err = g.lockedAssignGroups(fam, f.Groups)
	}
	if err != nil {
		g.mu.Unlock()
		return genetlink.Family{}, fmt.Errorf("nltest: family %s: %w", f.Name, err)
	}
	i, _ := slices.BinarySearchFunc(g.families, fam.ID, func(x *genericFamily, id uint16) int { return int(x.ID) - int(id) })
	g.families = slices.Insert(g.families, i, fam)
	g.mu.Unlock()

	g.announce(genetlink.CmdNewFamily, fam, -1)
	for i := range fam.Groups {
		g.announce(genetlink.CmdNewMcastGrp, fam, i)
	}
	return cloneGenericFamily(fam.Family), nil
}

// Unregister removes the family called name, like genl_unregister_family:
// it announces the removal of its groups, then of itself, on "notify".
// An unknown family fails with ENOENT.
func (g *Generic) Unregister(name string) error {
	g.mu.Lock()
	fam := g.lockedFind(name)
	if fam == nil || fam.ID == genetlink.ControllerID {
		g.mu.Unlock()
		return fmt.Errorf("nltest: family %s: %w", name, syscall.ENOENT)
	}
	g.families = slices.DeleteFunc(g.families, func(x *genericFamily) bool { return x == fam })
	for _, grp := range fam.Groups {
		if grp.ID != 1 {
			delete(g.groups, grp.ID)
		}
	}
	g.mu.Unlock()
	for i := range fam.Groups {
		g.announce(genetlink.CmdDelMcastGrp, fam, i)
	}
	g.announce(genetlink.CmdDelFamily, fam, -1)
	return nil
}

// Broadcast sends msgs as one datagram to the multicast group called group
// of the family called family, as genlmsg_multicast does. It fails with
// ENOENT for an unknown family or group, and otherwise as
// Kernel.Broadcast does (ESRCH when nobody listens).
func (g *Generic) Broadcast(family, group string, msgs ...genetlink.Message) error {
	g.mu.Lock()
	fam := g.lockedFind(family)
	var grp genetlink.MulticastGroup
	ok := false
	if fam != nil {
		grp, ok = fam.Group(group)
	}
	g.mu.Unlock()
	if !ok {
		return fmt.Errorf("nltest: family %s has no group %q: %w", family, group, syscall.ENOENT)
	}
	return g.k.Broadcast(genetlink.Protocol, grp.ID, wrapGeneric(fam.ID, msgs)...)
}

func (g *Generic) lockedFind(name string) *genericFamily {
	for _, f := range g.families {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func (g *Generic) lockedFindID(id uint16) *genericFamily {
	i, ok := slices.BinarySearchFunc(g.families, id, func(x *genericFamily, id uint16) int { return int(x.ID) - int(id) })
	if !ok {
		return nil
	}
	return g.families[i]
}

// lockedAssignID picks a family's id as genl_register_family does: fixed
// ids for three names, and otherwise the next free one after the last
// assigned, wrapping around (idr_alloc_cyclic).
func (g *Generic) lockedAssignID(name string) (uint16, error) {
	switch name {
	case genetlink.ControllerName:
		return genetlink.ControllerID, nil
	case "VFS_DQUOT":
		return idVFSDquot, nil
	case "pmcraid":
		return idPMCRAID, nil
	}
	for n := 0; n <= maxGenericID-firstDynamicID; n++ {
		id := g.lastID + 1 + uint16(n)
		if id > maxGenericID {
			id -= maxGenericID - firstDynamicID + 1
		}
		if g.lockedFindID(id) == nil {
			g.lastID = id
			return id, nil
		}
	}
	return 0, syscall.ENOSPC
}

// lockedAssignGroups gives fam's groups consecutive ids, as
// genl_validate_assign_mc_groups does: the controller's is 0x10,
// VFS_DQUOT's and pmcraid's their family ids, NET_DM's 1, and the others
// the first run of free ids that fits them all.
func (g *Generic) lockedAssignGroups(fam *genericFamily, names []string) error {
	if len(names) == 0 {
		return nil
	}
	first := uint32(0)
	switch fam.Name {
	case genetlink.ControllerName, "VFS_DQUOT", "pmcraid":
		first = uint32(fam.ID)
	case "NET_DM":
		first = 1
	default:
		fits := func(first uint32) bool {
			for i := range names {
				if g.groups[first+uint32(i)] {
					return false
				}
			}
			return true
		}
		for first = 2; !fits(first); first++ {
		}
		if first+uint32(len(names)) > maxGenericGroups {
			return syscall.ENOMEM
		}
	}
	for i, n := range names {
		g.groups[first+uint32(i)] = true
		fam.Groups = append(fam.Groups, genetlink.MulticastGroup{ID: first + uint32(i), Name: n})
	}
	return nil
}

// input is NETLINK_GENERIC's handler (genl_rcv_msg).
func (g *Generic) input(r *Request) error {
	id := uint16(r.Message.Header.Type)
	g.mu.Lock()
	fam := g.lockedFindID(id)
	var f genetlink.Family
	var ops []GenericOperation
	if fam != nil {
		f, ops = cloneGenericFamily(fam.Family), fam.ops
	}
	g.mu.Unlock()
	if fam == nil {
		return syscall.ENOENT
	}
	var m genetlink.Message
	if err := m.UnmarshalBinary(r.Message.Data); err != nil {
		return syscall.EINVAL
	}
	i := slices.IndexFunc(ops, func(op GenericOperation) bool { return op.Command == m.Header.Command })
	if i < 0 || ops[i].Handler == nil {
		return syscall.EOPNOTSUPP
	}
	req := &GenericRequest{Request: r, Family: f, Message: m}
	want := genetlink.Do
	if req.Dumping() {
		want = genetlink.Dump
	}
	if ops[i].Flags&want == 0 {
		return syscall.EOPNOTSUPP
	}
	return ops[i].Handler(req)
}

func cloneGenericFamily(f genetlink.Family) genetlink.Family {
	f.Operations = slices.Clone(f.Operations)
	f.Groups = slices.Clone(f.Groups)
	return f
}
