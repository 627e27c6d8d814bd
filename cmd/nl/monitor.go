package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/nlgo/netlink"
)

// monitorGroups are the rtnetlink multicast groups monitor joins.
var monitorGroups = []uint32{
	1,  // RTNLGRP_LINK
	5,  // RTNLGRP_IPV4_IFADDR
	9,  // RTNLGRP_IPV6_IFADDR
	7,  // RTNLGRP_IPV4_ROUTE
	11, // RTNLGRP_IPV6_ROUTE
}

// An event is one line of monitor's output.
type event struct {
	// Event is "new" or "del" for a change; "overrun" when events were
	// lost, followed by "sync" events giving the links and addresses as
	// they are now.
	Event string   `json:"event"`
	Kind  string   `json:"kind,omitempty"` // "link", "addr" or "route"
	Link  *Link    `json:"link,omitempty"`
	Addr  *Address `json:"addr,omitempty"`
	Route *Route   `json:"route,omitempty"`
}

func (e event) String() string {
	switch {
	case e.Link != nil:
		return e.Event + " link " + e.Link.String()
	case e.Addr != nil:
		return e.Event + " addr " + e.Addr.String()
	case e.Route != nil:
		return e.Event + " route " + e.Route.String()
	}
	return "overrun: events were lost (receive queue overrun); re-reading links and addresses"
}

// A monitor prints rtnetlink events.
type monitor struct {
	w      io.Writer
	json   bool
	count  int // events to print before stopping; 0 means no limit
	dialer     // for the Conn that dumps

	names map[int32]string // link names by index, for address and route events
	query *netlink.Conn    // for dumps, so that they never wait on events
}

// subscribe dials NETLINK_ROUTE with d and joins the monitor's groups.
// Unprivileged processes may join them.
func subscribe(d dialer) (*netlink.Conn, error) {
	c, err := d.dial(familyRoute)
	if err != nil {
		return nil, err
	}
	for _, g := range monitorGroups {
		if err := c.JoinGroup(g); err != nil {
			c.Close()
			return nil, fmt.Errorf("joining rtnetlink group %d: %w", g, err)
		}
	}
	return c, nil
}

// watch prints the events that arrive on c, a Conn from subscribe, until
// ctx is done or m.count events have been printed. After an overrun it
// prints the links and addresses afresh.
func (m *monitor) watch(ctx context.Context, c *netlink.Conn) error {
	q, err := m.dial(familyRoute)
	if err != nil {
		return err
	}
	defer q.Close()
	m.query = q
	if _, err := m.refreshLinks(ctx); err != nil {
		return err
	}
	seen := 0
	for {
		msgs, _, err := c.ReceiveContext(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, netlink.ErrOverrun):
			if err := m.resync(ctx); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		for _, msg := range msgs {
			ev, ok, err := m.decode(msg)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := m.emit(ev); err != nil {
				return err
			}
			if seen++; m.count > 0 && seen >= m.count {
				return nil
			}
		}
	}
}

// decode turns a notification into an event; ok is false for messages
// monitor does not show.
func (m *monitor) decode(msg netlink.Message) (ev event, ok bool, err error) {
	ev.Event = "new"
	switch t := msg.Header.Type; t {
	case rtmDelLink, rtmDelAddr, rtmDelRoute:
		ev.Event = "del"
	case rtmNewLink, rtmNewAddr, rtmNewRoute:
	default:
		return event{}, false, nil
	}
	switch msg.Header.Type {
	case rtmNewLink, rtmDelLink:
		l, err := parseLink(msg)
		if err != nil {
			return event{}, false, err
		}
		if ev.Event == "new" {
			m.names[l.Index] = l.Name
		} else {
			delete(m.names, l.Index)
		}
		ev.Kind, ev.Link = "link", &l
	case rtmNewAddr, rtmDelAddr:
		a, err := parseAddress(msg)
		if err != nil {
			return event{}, false, err
		}
		m.name(&a)
		ev.Kind, ev.Addr = "addr", &a
	case rtmNewRoute, rtmDelRoute:
		r, err := parseRoute(msg)
		if err != nil {
			return event{}, false, err
		}
		r.Dev = m.names[r.Index]
		ev.Kind, ev.Route = "route", &r
	}
	return ev, true, nil
}

// name sets an address's device name when its IFA_LABEL did not.
func (m *monitor) name(a *Address) {
	if a.Dev == "" {
		a.Dev = m.names[a.Index]
	}
}

// refreshLinks dumps the links and relearns their names.
func (m *monitor) refreshLinks(ctx context.Context) ([]Link, error) {
	links, err := listLinks(ctx, m.query)
	if err != nil {
		return nil, err
	}
	m.names = make(map[int32]string, len(links))
	for _, l := range links {
		m.names[l.Index] = l.Name
	}
	return links, nil
}

// resync reports lost events, then prints every link and address as it is
// now, so that a reader of the output can start afresh from them.
func (m *monitor) resync(ctx context.Context) error {
	if err := m.emit(event{Event: "overrun"}); err != nil {
		return err
	}
	links, err := m.refreshLinks(ctx)
	if err != nil {
		return err
	}
	addrs, err := listAddresses(ctx, m.query)
	if err != nil {
		return err
	}
	for _, l := range links {
		if err := m.emit(event{Event: "sync", Kind: "link", Link: &l}); err != nil {
			return err
		}
	}
	for _, a := range addrs {
		m.name(&a)
		if err := m.emit(event{Event: "sync", Kind: "addr", Addr: &a}); err != nil {
			return err
		}
	}
	return nil
}

// emit prints one event: a line of text, or one JSON object on a line.
func (m *monitor) emit(ev event) error {
	if m.json {
		return json.NewEncoder(m.w).Encode(ev)
	}
	_, err := fmt.Fprintln(m.w, ev)
	return err
}
