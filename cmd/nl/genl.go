package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// Generic netlink, through package genetlink.
const (
	familyGeneric     = genetlink.Protocol                         // NETLINK_GENERIC
	genlIDCtrl        = netlink.HeaderType(genetlink.ControllerID) // GENL_ID_CTRL: the controller's message type
	genlHdrLen        = genetlink.HeaderLen                        // sizeof(struct genlmsghdr)
	ctrlAttrMcastGrps = int(genetlink.AttrMcastGroups)             // CTRL_ATTR_MCAST_GROUPS
)

// A Family is a generic netlink family as nl shows it.
type Family struct {
	Name       string      `json:"name"`
	ID         uint16      `json:"id"`
	Version    uint8       `json:"version"`
	HeaderSize uint32      `json:"header_size"`
	MaxAttr    uint32      `json:"max_attr"`
	Operations []Operation `json:"operations,omitempty"`
	Groups     []Group     `json:"groups,omitempty"`
}

// An Operation is one of a family's commands, with its flags.
type Operation struct {
	ID    uint32 `json:"id"`
	Flags string `json:"flags"`
}

// A Group is a generic netlink family's multicast group.
type Group struct {
	Name string `json:"name"`
	ID   uint32 `json:"id"`
}

// familyView turns a genetlink.Family into nl's view of it.
func familyView(f genetlink.Family) Family {
	v := Family{Name: f.Name, ID: f.ID, Version: f.Version, HeaderSize: f.HeaderSize, MaxAttr: f.MaxAttr}
	for _, op := range f.Operations {
		v.Operations = append(v.Operations, Operation{ID: op.ID, Flags: op.Flags.String()})
	}
	for _, g := range f.Groups {
		v.Groups = append(v.Groups, Group{Name: g.Name, ID: g.ID})
	}
	return v
}

// getFamilyHeader is the genlmsghdr of a CTRL_CMD_GETFAMILY request.
func getFamilyHeader() []byte {
	return []byte{genetlink.CmdGetFamily, genetlink.ControllerVersion, 0, 0}
}

// listFamilies lists the generic netlink families, sorted by id.
func listFamilies(c *genetlink.Conn) ([]Family, error) {
	fams, err := c.ListFamilies()
	if err != nil {
		return nil, err
	}
	views := make([]Family, len(fams))
	for i, f := range fams {
		views[i] = familyView(f)
	}
	slices.SortFunc(views, func(a, b Family) int { return int(a.ID) - int(b.ID) })
	return views, nil
}

// A genlReport is what `nl genl FAMILY` shows: the family, and the policy
// of each of its operations that has one.
type genlReport struct {
	Family   Family          `json:"family"`
	Policies []opPolicyView  `json:"policies,omitempty"`
	policies []opPolicyModel // the same, for the tables
}

// opPolicyView is one operation's policy for encoding/json.
type opPolicyView struct {
	Operation uint32                          `json:"operation"`
	Do        int64                           `json:"do"`
	Dump      int64                           `json:"dump"`
	Policies  map[uint32][]attributePolicyRow `json:"policies"`
}

// opPolicyModel is one operation's policy as genetlink decoded it.
type opPolicyModel struct {
	op     uint32
	policy genetlink.Policy
}

// attributePolicyRow is one attribute of a policy, formatted.
type attributePolicyRow struct {
	Type   uint16 `json:"type"`
	Kind   string `json:"kind"`
	Limits string `json:"limits,omitempty"`
}

// collectGenl resolves the family called name and the policy of each of
// its operations that has one.
func collectGenl(c *genetlink.Conn, name string) (genlReport, error) {
	f, err := c.GetFamily(name)
	if errors.Is(err, os.ErrNotExist) {
		return genlReport{}, fmt.Errorf("no generic netlink family %q (genl ctrl list lists them): %w", name, err)
	}
	if err != nil {
		return genlReport{}, err
	}
	r := genlReport{Family: familyView(f)}
	for _, op := range f.Operations {
		if op.Flags&genetlink.HasPolicy == 0 {
			continue
		}
		p, err := c.Policy(f.Name, op.ID)
		if err != nil {
			return genlReport{}, err
		}
		r.policies = append(r.policies, opPolicyModel{op: op.ID, policy: p})
		v := opPolicyView{Operation: op.ID, Do: genetlink.NoPolicy, Dump: genetlink.NoPolicy, Policies: map[uint32][]attributePolicyRow{}}
		if len(p.Operations) == 1 {
			v.Do, v.Dump = p.Operations[0].Do, p.Operations[0].Dump
		}
		for idx, attrs := range p.Policies {
			v.Policies[idx] = policyRows(attrs)
		}
		r.Policies = append(r.Policies, v)
	}
	return r, nil
}

// runGenl prints a generic netlink family's operations and policies.
func runGenl(w io.Writer, o options, name string) error {
	nc, err := o.dial(familyGeneric)
	if err != nil {
		return err
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	r, err := collectGenl(c, name)
	if err != nil {
		return err
	}
	return writeGenl(w, r, o.json)
}

// writeGenl prints r as tables, or as one JSON object.
func writeGenl(w io.Writer, r genlReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	f := r.Family
	fmt.Fprintf(w, "family %s: id %d, version %d, header %d bytes, max attribute %d\n", f.Name, f.ID, f.Version, f.HeaderSize, f.MaxAttr)
	groups := make([]string, len(f.Groups))
	for i, g := range f.Groups {
		groups[i] = fmt.Sprintf("%s=%d", g.Name, g.ID)
	}
	fmt.Fprintf(w, "multicast groups: %s\n\n", orDash(strings.Join(groups, " ")))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tFLAGS\tDO POLICY\tDUMP POLICY")
	for _, op := range f.Operations {
		do, dump := "-", "-"
		if i := slices.IndexFunc(r.policies, func(p opPolicyModel) bool { return p.op == op.ID }); i >= 0 && len(r.policies[i].policy.Operations) == 1 {
			do, dump = policyIndex(r.policies[i].policy.Operations[0].Do), policyIndex(r.policies[i].policy.Operations[0].Dump)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", op.ID, op.Flags, do, dump)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range r.policies {
		fmt.Fprintf(w, "\noperation %d:\n", p.op)
		idxs := make([]uint32, 0, len(p.policy.Policies))
		for idx := range p.policy.Policies {
			idxs = append(idxs, idx)
		}
		slices.Sort(idxs)
		for _, idx := range idxs {
			fmt.Fprintf(w, "  policy %d:\n", idx)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "    ATTRIBUTE\tTYPE\tLIMITS")
			for _, row := range policyRows(p.policy.Policies[idx]) {
				fmt.Fprintf(tw, "    %d\t%s\t%s\n", row.Type, row.Kind, orDash(row.Limits))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func policyIndex(i int64) string {
	if i == genetlink.NoPolicy {
		return "-"
	}
	return fmt.Sprint(i)
}

// policyRows formats the attributes of a policy.
func policyRows(attrs []genetlink.AttributePolicy) []attributePolicyRow {
	rows := make([]attributePolicyRow, len(attrs))
	for i, a := range attrs {
		rows[i] = attributePolicyRow{Type: a.Type, Kind: a.Kind.String(), Limits: policyLimits(a)}
	}
	return rows
}

// policyLimits formats the limits of an attribute's policy, as in
// "range [0, 65535]" or "length [2, 8]".
func policyLimits(a genetlink.AttributePolicy) string {
	var ls []string
	if a.Has&genetlink.HasSignedRange != 0 {
		ls = append(ls, fmt.Sprintf("range [%d, %d]", a.MinSigned, a.MaxSigned))
	}
	if a.Has&genetlink.HasUnsignedRange != 0 {
		ls = append(ls, fmt.Sprintf("range [%d, %d]", a.MinUnsigned, a.MaxUnsigned))
	}
	if a.Has&genetlink.HasMask != 0 {
		ls = append(ls, fmt.Sprintf("mask %#x", a.Mask))
	}
	switch a.Has & (genetlink.HasMinLength | genetlink.HasMaxLength) {
	case genetlink.HasMinLength | genetlink.HasMaxLength:
		ls = append(ls, fmt.Sprintf("length [%d, %d]", a.MinLength, a.MaxLength))
	case genetlink.HasMinLength:
		ls = append(ls, fmt.Sprintf("length at least %d", a.MinLength))
	case genetlink.HasMaxLength:
		ls = append(ls, fmt.Sprintf("length at most %d", a.MaxLength))
	}
	if a.Has&genetlink.HasBitfield32Mask != 0 {
		ls = append(ls, fmt.Sprintf("bits %#x", a.Bitfield32Mask))
	}
	if a.Has&genetlink.HasNestedPolicy != 0 {
		ls = append(ls, fmt.Sprintf("policy %d, max type %d", a.NestedPolicy, a.NestedMaxType))
	}
	if len(a.Unknown) > 0 {
		ls = append(ls, fmt.Sprintf("%d unknown", len(a.Unknown)))
	}
	return strings.Join(ls, ", ")
}
