package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// A summary is what nl shows when run without a command.
type summary struct {
	Links    []Link   `json:"links"`
	Families []Family `json:"families"`
}

// collectSummary asks the kernel for its links, their addresses and the
// generic netlink families, over Conns dialled by d.
func collectSummary(ctx context.Context, d dialer) (summary, error) {
	var s summary
	rc, err := d.dial(familyRoute)
	if err != nil {
		return s, err
	}
	defer rc.Close()
	links, err := listLinks(ctx, rc)
	if err != nil {
		return s, err
	}
	addrs, err := listAddresses(ctx, rc)
	if err != nil {
		return s, err
	}
	s.Links = attachAddresses(links, addrs)

	nc, err := d.dial(familyGeneric)
	if err != nil {
		return s, err
	}
	gc := genetlink.NewConn(nc)
	defer gc.Close()
	if s.Families, err = listFamilies(gc); err != nil {
		return s, fmt.Errorf("listing generic netlink families: %w", err)
	}
	return s, nil
}

// listLinks dumps the links (RTM_GETLINK).
func listLinks(ctx context.Context, c *netlink.Conn) ([]Link, error) {
	msgs, err := dump(ctx, c, rtmGetLink, make([]byte, ifinfomsgLen))
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	links := make([]Link, 0, len(msgs))
	for _, m := range msgs {
		if m.Header.Type != rtmNewLink {
			continue
		}
		l, err := parseLink(m)
		if err != nil {
			return nil, fmt.Errorf("listing links: %w", err)
		}
		links = append(links, l)
	}
	return links, nil
}

// listAddresses dumps the IPv4 and IPv6 addresses (RTM_GETADDR).
func listAddresses(ctx context.Context, c *netlink.Conn) ([]Address, error) {
	msgs, err := dump(ctx, c, rtmGetAddr, make([]byte, ifaddrmsgLen))
	if err != nil {
		return nil, fmt.Errorf("listing addresses: %w", err)
	}
	addrs := make([]Address, 0, len(msgs))
	for _, m := range msgs {
		if m.Header.Type != rtmNewAddr {
			continue
		}
		a, err := parseAddress(m)
		if err != nil {
			return nil, fmt.Errorf("listing addresses: %w", err)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// attachAddresses adds each address to the link it belongs to, in the
// order the kernel listed them.
func attachAddresses(links []Link, addrs []Address) []Link {
	byIndex := make(map[int32]int, len(links))
	for i, l := range links {
		byIndex[l.Index] = i
	}
	for _, a := range addrs {
		if i, ok := byIndex[a.Index]; ok {
			links[i].Addrs = append(links[i].Addrs, a.Prefix)
		}
	}
	return links
}

// dump sends a dump request of type typ with the family header hdr and
// returns every reply. It retries, a few times, a dump the kernel reports
// as interrupted by a change (NLM_F_DUMP_INTR). It gives up when ctx is
// done.
func dump(ctx context.Context, c *netlink.Conn, typ netlink.HeaderType, hdr []byte) ([]netlink.Message, error) {
	req := netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Dump},
		Data:   hdr,
	}
	var msgs []netlink.Message
	var err error
	for range 3 {
		msgs, err = c.ExecuteContext(ctx, req)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return msgs, err
}

// writeSummary prints s as two tables, or as one JSON object.
func writeSummary(w io.Writer, s summary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tLINK\tSTATE\tMTU\tMAC\tKIND\tADDRESSES")
	for _, l := range s.Links {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", l.Index, l.Name, l.OperState, l.MTU,
			orDash(l.MAC), orDash(l.Kind), orDash(joinPrefixes(l.Addrs)))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "ID\tGENERIC NETLINK FAMILY\tVERSION\tMULTICAST GROUPS")
	for _, f := range s.Families {
		groups := make([]string, len(f.Groups))
		for i, g := range f.Groups {
			groups[i] = fmt.Sprintf("%s=%d", g.Name, g.ID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", f.ID, f.Name, f.Version, orDash(strings.Join(groups, " ")))
	}
	return tw.Flush()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
