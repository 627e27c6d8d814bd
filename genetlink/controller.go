package genetlink

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nlgo/netlink"
)

// GetFamily returns the family called name. It answers from the cache
// when it can, and otherwise asks the controller (CTRL_CMD_GETFAMILY), as
// `genl ctrl get name` does; the kernel may load the family's module to
// answer. An unknown name is an error matching os.ErrNotExist (ENOENT).
// The Family is the caller's: changing it changes nothing else.
func (c *Conn) GetFamily(name string) (Family, error) {
	if c.cache != nil {
		if f, ok := c.cache.byName(name); ok {
			return f, nil
		}
	}
	return c.getFamily(AttrFamilyName, name, 0)
}

// FamilyByID returns the family with id, from the cache or the
// controller. An unknown id is an error matching os.ErrNotExist.
func (c *Conn) FamilyByID(id uint16) (Family, error) {
	if c.cache != nil {
		if f, ok := c.cache.byID(id); ok {
			return f, nil
		}
	}
	return c.getFamily(AttrFamilyID, "", id)
}

// getFamily asks the controller about one family, by name or by id, and
// caches the answer.
func (c *Conn) getFamily(by uint16, name string, id uint16) (Family, error) {
	var gen uint64
	if c.cache != nil {
		gen = c.cache.generation()
	}
	var e netlink.AttributeEncoder
	s := c.scratch.get()
	e.Reset(append(s.req[:0], CmdGetFamily, ControllerVersion, 0, 0))
	if by == AttrFamilyName {
		e.String(AttrFamilyName, name)
	} else {
		e.Uint16(AttrFamilyID, id)
	}
	req, err := e.Encode()
	if err != nil {
		c.scratch.put(s, s.req)
		return Family{}, err
	}
	var f Family
	var perr error
	n := 0
	err = c.exchange(req, ControllerID, 0, func(m Message) bool {
		if n++; n == 1 {
			f, perr = decodeFamily(&s.dec, m, name)
		}
		return true
	})
	c.scratch.put(s, req)
	switch {
	case err != nil:
		return Family{}, fmt.Errorf("genetlink: get family %s: %w", familyArg(by, name, id), err)
	case perr != nil:
		return Family{}, fmt.Errorf("genetlink: get family %s: %w", familyArg(by, name, id), perr)
	case n != 1:
		return Family{}, fmt.Errorf("genetlink: get family %s: %d replies, want 1", familyArg(by, name, id), n)
	case by == AttrFamilyName && f.Name != name || by == AttrFamilyID && f.ID != id:
		return Family{}, fmt.Errorf("genetlink: get family %s: the controller answered about %s (id %d)", familyArg(by, name, id), f.Name, f.ID)
	}
	if c.cache != nil {
		c.cache.put(f, gen)
	}
	return f, nil
}

// familyArg formats the family a request asks about.
func familyArg(by uint16, name string, id uint16) string {
	if by == AttrFamilyName {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("id %d", id)
}

// decodeFamily decodes a CTRL_CMD_NEWFAMILY reply. When the family's name
// is known equal to name, the Family's Name is name, which saves an
// allocation.
func decodeFamily(d *netlink.AttributeDecoder, m Message, name string) (Family, error) {
	if m.Header.Command != CmdNewFamily {
		return Family{}, fmt.Errorf("genetlink: controller command %d, want CTRL_CMD_NEWFAMILY (%d)", m.Header.Command, CmdNewFamily)
	}
	return parseFamilyWith(d, m.Data, name)
}

// ListFamilies returns every generic netlink family the kernel has, in the
// kernel's order (by id), dumped from the controller.
func (c *Conn) ListFamilies() ([]Family, error) {
	var fams []Family
	var perr error
	req := []byte{CmdGetFamily, ControllerVersion, 0, 0}
	s := c.scratch.get()
	defer c.scratch.put(s, s.req)
	d := &s.dec
	err := c.exchange(req, ControllerID, netlink.Dump, func(m Message) bool {
		f, err := decodeFamily(d, m, "")
		if err != nil {
			perr = err
			return false
		}
		fams = append(fams, f)
		return true
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return nil, fmt.Errorf("genetlink: list families: %w", err)
	}
	return fams, nil
}

// Policy returns the attribute policies of operation op of the family
// called family (CTRL_CMD_GETPOLICY with CTRL_ATTR_OP, Linux 5.10 and
// later): the operation's do and dump policy indexes, and every policy
// they lead to, nested ones included. An operation without any policy is
// an error matching ErrNoPolicy and syscall.ENODATA; an unknown family one
// matching os.ErrNotExist (ENOENT), as is an unknown operation.
func (c *Conn) Policy(family string, op uint32) (Policy, error) {
	var e netlink.AttributeEncoder
	s := c.scratch.get()
	e.Reset(append(s.req[:0], CmdGetPolicy, ControllerVersion, 0, 0))
	e.String(AttrFamilyName, family)
	e.Uint32(AttrOp, op)
	req, err := e.Encode()
	if err != nil {
		c.scratch.put(s, s.req)
		return Policy{}, err
	}
	var p Policy
	var id uint16
	var perr error
	err = c.exchange(req, ControllerID, netlink.Dump, func(m Message) bool {
		if perr == nil {
			perr = decodePolicyMessage(&p, m, &id)
		}
		return perr == nil
	})
	c.scratch.put(s, req)
	if err == nil {
		err = perr
	}
	if err == nil && len(p.Operations) > 1 {
		err = fmt.Errorf("genetlink: %d operation policies for one operation", len(p.Operations))
	}
	if errors.Is(err, errnoNoData) {
		return Policy{}, fmt.Errorf("genetlink: policy of family %q operation %d: %w: %w", family, op, ErrNoPolicy, err)
	}
	if err != nil {
		return Policy{}, fmt.Errorf("genetlink: policy of family %q operation %d: %w", family, op, err)
	}
	if len(p.Operations) == 1 {
		// Kernels name a dump-only operation 0 here (the command of its
		// absent do handler): it can only be the one asked about.
		p.Operations[0].Command = op
	}
	return p, nil
}

// decodePolicyMessage decodes one CTRL_CMD_GETPOLICY reply into p. *id is
// the family all replies must be about, learnt from the first when 0.
func decodePolicyMessage(p *Policy, m Message, id *uint16) error {
	if m.Header.Command != CmdGetPolicy {
		return fmt.Errorf("genetlink: controller command %d, want CTRL_CMD_GETPOLICY (%d)", m.Header.Command, CmdGetPolicy)
	}
	return decodePolicy(p, m.Data, id)
}

// cloneFamily returns a copy of f that shares nothing mutable with it.
func cloneFamily(f Family) Family {
	f.Operations = slices.Clone(f.Operations)
	f.Groups = slices.Clone(f.Groups)
	return f
}
