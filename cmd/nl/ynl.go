package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/mptcppm"
	"github.com/nlgo/netlink/family/netdev"
	"github.com/nlgo/netlink/family/nlctrl"
	"github.com/nlgo/netlink/family/rtaddr"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/family/rtroute"
	"github.com/nlgo/netlink/family/tcpmetrics"
)

// nl ynl: the families generated from the kernel's YAML specs, driven
// through their descriptors (family.Family) with requests read from JSON,
// in the manner of the kernel's tools/net/ynl/cli.py.

// describeFuncs are the Describe functions of the generated packages nl
// ynl drives, in the order it lists them.
var describeFuncs = []func() family.Family{
	rtlink.Describe, rtaddr.Describe, rtroute.Describe, nlctrl.Describe,
	netdev.Describe, ethtool.Describe, mptcppm.Describe, tcpmetrics.Describe,
}

// typedFamilies returns a new description of every family nl ynl drives.
func typedFamilies() []family.Family {
	fams := make([]family.Family, len(describeFuncs))
	for i, describe := range describeFuncs {
		fams[i] = describe()
	}
	return fams
}

// A ynlCommand is what nl ynl was asked to do.
type ynlCommand struct {
	family string              // FAMILY, or -family; "" lists the families
	action string              // "", "do", "dump" or "monitor"
	op     string              // the operation of do and dump
	groups []string            // the groups of monitor
	json   string              // -json: the request, a JSON object
	flags  netlink.HeaderFlags // -create, -excl, -replace, -append
}

// ynlHeaderFlags are the header flags nl ynl adds to a request, by the
// names of ynl's flags for them.
var ynlHeaderFlags = []struct {
	name string
	flag netlink.HeaderFlags
}{
	{"create", netlink.Create}, {"excl", netlink.Excl}, {"replace", netlink.Replace}, {"append", netlink.Append},
}

// setAction records the action of a -do, -dump or -subscribe flag.
func (c *ynlCommand) setAction(action, arg string) error {
	switch {
	case c.action != "" && (c.action != "monitor" || action != "monitor"):
		return fmt.Errorf("only one of -do, -dump and -subscribe")
	case action == "monitor":
		c.action, c.groups = action, append(c.groups, arg)
	default:
		c.action, c.op = action, arg
	}
	return nil
}

// parseYNL parses nl ynl's positional arguments, args, into c, whose
// -family, -do, -dump and -subscribe flags were already set.
func parseYNL(c *ynlCommand, args []string) error {
	if c.family == "" && len(args) > 0 {
		c.family, args = args[0], args[1:]
	}
	if c.action == "" && len(args) > 0 {
		c.action, args = args[0], args[1:]
		switch c.action {
		case "do", "dump":
			if len(args) != 1 {
				return usagef("ynl %s %s needs one operation, as in: nl ynl rt_link dump getlink", c.family, c.action)
			}
			c.op, args = args[0], nil
		case "monitor":
			if len(args) == 0 {
				return usagef("ynl %s monitor needs a multicast GROUP (nl ynl %[1]s lists them)", c.family)
			}
			c.groups, args = append(c.groups, args...), nil
		default:
			return usagef("ynl: unknown action %q: do, dump or monitor", c.action)
		}
	}
	switch {
	case len(args) > 0:
		return usagef("ynl: unexpected arguments %q", args)
	case c.family == "" && (c.action != "" || c.json != ""):
		return usagef("ynl needs a FAMILY, as in: nl ynl rt_link dump getlink")
	case c.json != "" && c.action != "do" && c.action != "dump":
		return usagef("ynl: -json is the request of a do or a dump")
	case c.flags != 0 && c.action != "do" && c.action != "dump":
		return usagef("ynl: -create, -excl, -replace and -append are flags of a do's or a dump's request")
	}
	return nil
}

// canonicalFamily reduces a family's name to what its spec file's name
// (rt_link), its name (rt-link) and its Go package's name (rtlink) have
// in common.
func canonicalFamily(s string) string {
	s = strings.ToLower(strings.TrimSuffix(s, ".yaml"))
	return strings.NewReplacer("-", "", "_", "").Replace(s)
}

// specFile is the name of the spec f was generated from.
func specFile(f family.Family) string {
	return strings.ReplaceAll(f.Name, "-", "_") + ".yaml"
}

// findFamily returns the family called name.
func findFamily(fams []family.Family, name string) (family.Family, error) {
	var known []string
	for _, f := range fams {
		if canonicalFamily(f.Name) == canonicalFamily(name) {
			return f, nil
		}
		known = append(known, f.Name)
	}
	return family.Family{}, usagef("ynl: unknown family %q (known: %s; nl ynl lists them)", name, strings.Join(known, ", "))
}

// opModes names what an operation can do: "do", "dump" or "do, dump".
func opModes(op family.Operation) string {
	var m []string
	if op.Do != nil {
		m = append(m, "do")
	}
	if op.Dump != nil {
		m = append(m, "dump")
	}
	return strings.Join(m, ", ")
}

// findOperation returns f's operation called name, which must have a do
// or a dump as action says.
func findOperation(f family.Family, action, name string) (family.Operation, error) {
	canon := func(s string) string { return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s)) }
	var known []string
	for _, op := range f.Operations {
		known = append(known, op.Name+" ("+opModes(op)+")")
		if canon(op.Name) != canon(name) {
			continue
		}
		if action == "do" && op.Do == nil || action == "dump" && op.Dump == nil {
			return op, usagef("ynl: %s's %s has no %s, only %s", f.Name, op.Name, action, opModes(op))
		}
		return op, nil
	}
	return family.Operation{}, usagef("ynl: family %s has no operation %q; its operations: %s", f.Name, name, strings.Join(known, ", "))
}

// newRequest returns op's request, read from text, a JSON object ("" is
// an empty request). A field the request does not have is a usage error
// naming the fields it has.
func newRequest(op family.Operation, text string) (any, error) {
	req := op.NewRequest()
	if text == "" {
		return req, nil
	}
	if err := checkFields(req, []byte(text)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(text), req); err != nil {
		return nil, usagef("ynl: -json for %s: %v", op.Name, err)
	}
	return req, nil
}

// resolve checks what c asks of f before anything is sent: the groups of
// a monitor, or the operation of a do or a dump, which it returns with
// the request.
func (c ynlCommand) resolve(f family.Family) (op family.Operation, req any, err error) {
	if c.action == "monitor" {
		for _, g := range c.groups {
			if !slices.Contains(f.Groups, g) {
				return op, nil, usagef("ynl: family %s has no multicast group %q; its groups: %s", f.Name, g, orDash(strings.Join(f.Groups, ", ")))
			}
		}
		return op, nil, nil
	}
	if op, err = findOperation(f, c.action, c.op); err != nil {
		return op, nil, err
	}
	req, err = newRequest(op, c.json)
	return op, req, err
}

// runYNL runs nl ynl: lists the families, describes one, or runs one of
// its operations or monitors its groups, with Clients dialled by o.
func runYNL(ctx context.Context, w io.Writer, o options, fams []family.Family) error {
	c := o.ynl
	if c.family == "" {
		return writeFamilies(w, fams, o.json)
	}
	f, err := findFamily(fams, c.family)
	if err != nil {
		return err
	}
	if c.action == "" {
		return writeFamily(w, f, o.json)
	}
	op, req, err := c.resolve(f)
	if err != nil {
		return err
	}
	client, err := f.Dial(o.config())
	if err != nil {
		return fmt.Errorf("family %s: %w", f.Name, err)
	}
	// Ending ctx closes the Client, which ends a read it is blocked in.
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer func() {
		if stop() {
			client.Close()
		}
	}()
	var opClient any = client
	if c.flags != 0 {
		if opClient, err = f.WithFlags(client, c.flags); err != nil {
			return err
		}
	}
	switch c.action {
	case "do":
		err = ynlDo(w, op, opClient, req, o.json)
	case "dump":
		err = ynlDump(w, op, opClient, req)
	default:
		err = ynlMonitor(w, f, client, c.groups, o.count)
	}
	if ctx.Err() != nil && (err == nil || errors.Is(err, net.ErrClosed)) {
		if c.action == "monitor" {
			return nil
		}
		return ctx.Err()
	}
	if err != nil {
		what := op.Name
		if c.action == "monitor" {
			what = strings.Join(c.groups, " ")
		}
		return fmt.Errorf("%s %s %s: %w", f.Name, c.action, what, err)
	}
	return nil
}

// ynlDo runs op's do and prints its reply, indented, or on one line when
// compact; an operation without a reply prints nothing.
func ynlDo(w io.Writer, op family.Operation, client, req any, compact bool) error {
	rep, err := op.Do(client, req)
	if err != nil || rep == nil {
		return err
	}
	enc := json.NewEncoder(w)
	if !compact {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(rep)
}

// ynlDump runs op's dump and prints each entry as a JSON object on a line
// of its own (JSON Lines).
func ynlDump(w io.Writer, op family.Operation, client, req any) error {
	enc := json.NewEncoder(w)
	for rep, err := range op.Dump(client, req) {
		if err != nil {
			return err
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return nil
}

// A notifier is a generated Client's side for notifications.
type notifier interface {
	JoinGroup(name string) error
	Receive() ([]family.Notification, error)
}

// A ynlNotification is one line of nl ynl FAMILY monitor, shaped as ynl
// shows a notification: its name and its message.
type ynlNotification struct {
	Name string `json:"name"`
	Msg  any    `json:"msg"`
}

// ynlMonitor joins groups on client and prints the notifications that
// arrive, one JSON object per line, until count of them (0: no limit)
// or an error, as the Client closing when nl is interrupted.
func ynlMonitor(w io.Writer, f family.Family, client any, groups []string, count int) error {
	n, ok := client.(notifier)
	if !ok {
		return fmt.Errorf("the client of %s (%T) receives no notifications", f.Name, client)
	}
	for _, g := range groups {
		if err := n.JoinGroup(g); err != nil {
			return fmt.Errorf("joining %s: %w", g, err)
		}
	}
	enc := json.NewEncoder(w)
	for seen := 0; ; {
		ntfs, err := n.Receive()
		if err != nil {
			return err
		}
		for _, ntf := range ntfs {
			if err := enc.Encode(ynlNotification{Name: ntf.Name, Msg: ntf.Message}); err != nil {
				return err
			}
			if seen++; count > 0 && seen >= count {
				return nil
			}
		}
	}
}

// A typedFamilyView is a generated family as nl ynl lists it.
type typedFamilyView struct {
	Name       string   `json:"name"`
	Spec       string   `json:"spec"`
	Package    string   `json:"package"`
	Protocol   string   `json:"protocol"`
	Operations []opView `json:"operations"`
	Groups     []string `json:"groups"`
}

// An opView is an operation as nl ynl lists it.
type opView struct {
	Name string `json:"name"`
	Do   bool   `json:"do"`
	Dump bool   `json:"dump"`
}

func viewOf(f family.Family) typedFamilyView {
	v := typedFamilyView{Name: f.Name, Spec: specFile(f), Package: "family/" + canonicalFamily(f.Name),
		Protocol: f.Protocol, Operations: []opView{}, Groups: f.Groups}
	if v.Groups == nil {
		v.Groups = []string{}
	}
	for _, op := range f.Operations {
		v.Operations = append(v.Operations, opView{Name: op.Name, Do: op.Do != nil, Dump: op.Dump != nil})
	}
	return v
}

// writeFamilies lists fams: a table, or a JSON array.
func writeFamilies(w io.Writer, fams []family.Family, asJSON bool) error {
	views := make([]typedFamilyView, len(fams))
	for i, f := range fams {
		views[i] = viewOf(f)
	}
	if asJSON {
		return json.NewEncoder(w).Encode(views)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tSPEC\tPACKAGE\tPROTOCOL\tOPERATIONS\tGROUPS")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", v.Name, v.Spec, v.Package, v.Protocol, len(v.Operations), orDash(strings.Join(v.Groups, " ")))
	}
	return tw.Flush()
}

// writeFamily prints f's operations and multicast groups: a table, or a
// JSON object.
func writeFamily(w io.Writer, f family.Family, asJSON bool) error {
	v := viewOf(f)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintf(w, "family %s: spec %s, package %s, protocol %s\n", v.Name, v.Spec, v.Package, v.Protocol)
	fmt.Fprintf(w, "multicast groups: %s\n\n", orDash(strings.Join(v.Groups, " ")))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tDO\tDUMP")
	mark := func(b bool) string {
		if b {
			return "yes"
		}
		return "-"
	}
	for _, op := range v.Operations {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", op.Name, mark(op.Do), mark(op.Dump))
	}
	return tw.Flush()
}
