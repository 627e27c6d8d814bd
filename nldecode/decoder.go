package nldecode

import (
	"encoding/hex"
	"strconv"
	"sync"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// A Decoder decodes netlink messages. It knows the generic netlink
// families it was told of (AddFamily) and those it saw described in the
// controller's messages it decoded (CTRL_CMD_NEWFAMILY, as replies to
// CTRL_CMD_GETFAMILY or announcements), so a trace of a program that
// resolves a family names that family's messages from then on.
//
// The zero Decoder is ready to use and knows nlctrl. A Decoder is safe for
// concurrent use.
type Decoder struct {
	mu      sync.Mutex
	names   map[uint16]string     // generic families by id
	schemas map[string]genlSchema // generic families' attributes by name (AddSchema)
	routes  map[routeKey]attrSet  // rtnetlink attributes by type, named by specs (AddSchema)
}

// AddFamily tells the decoder the name of the generic netlink family with
// id.
func (d *Decoder) AddFamily(id uint16, name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.names == nil {
		d.names = make(map[uint16]string)
	}
	d.names[id] = name
}

// AddFamilies tells the decoder the names of fams, as genetlink resolved
// them.
func (d *Decoder) AddFamilies(fams ...genetlink.Family) {
	for _, f := range fams {
		d.AddFamily(f.ID, f.Name)
	}
}

// FamilyName returns the name of the generic netlink family with id, if
// the decoder knows it.
func (d *Decoder) FamilyName(id uint16) (string, bool) {
	if id == genetlink.ControllerID {
		return genetlink.ControllerName, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	name, ok := d.names[id]
	return name, ok
}

func (d *Decoder) forget(id uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.names, id)
}

// Decode decodes the messages of a datagram of the netlink protocol
// family (NETLINK_ROUTE, ...). A malformed message ends the list with a
// Message whose Error says what is wrong and whose Hex holds the bytes
// from there on.
func (d *Decoder) Decode(family int, b []byte) []Message {
	var out []Message
	off := 0
	for m, err := range netlink.Messages(b) {
		if err != nil {
			out = append(out, Message{Type: "malformed", Error: err.Error(), Hex: hexOf(b[off:])})
			break
		}
		out = append(out, d.DecodeMessage(family, m))
		off += netlink.Align(int(m.Header.Length))
	}
	return out
}

// DecodeMessage decodes one message of the netlink protocol family.
// Types the decoder does not know keep their payload in Hex; see Guess.
func (d *Decoder) DecodeMessage(family int, m netlink.Message) Message {
	return d.decodeMessage(family, m, false)
}

// decodeMessage decodes m; echoed is set for the request an NLMSG_ERROR
// echoes, whose own acknowledgement payload, if it claims to be one, is
// not decoded again.
func (d *Decoder) decodeMessage(family int, nm netlink.Message, echoed bool) Message {
	m := Message{Header: nm.Header, Type: strconv.Itoa(int(nm.Header.Type)), Flags: nm.Header.Flags.Format(guessFlagContext(nm.Header))}
	if nm.Header.Type < netlink.MinType {
		m.Type = controlTypes[nm.Header.Type]
		if m.Type == "" {
			m.Type = strconv.Itoa(int(nm.Header.Type))
		}
		switch {
		case echoed:
		case nm.Header.Type == netlink.Error || nm.Header.Type == netlink.Done:
			d.decodeAck(&m, family, nm)
		case len(nm.Data) > 0:
			m.Hex = hexOf(nm.Data)
		}
		return m
	}
	switch family {
	case protoRoute:
		d.decodeRoute(&m, nm)
	case genetlink.Protocol:
		d.decodeGeneric(&m, nm)
	default:
		if name, ok := otherTypes[family][nm.Header.Type]; ok {
			m.Type = name
		}
		m.Hex = hexOf(nm.Data)
	}
	return m
}

// Guess decodes a message of a layout nobody described: hdrLen bytes of
// family header, kept in Hex, then attributes whose payloads are guessed
// from their bytes. A payload that is not attributes stays in Hex.
func Guess(m netlink.Message, hdrLen int) Message {
	out := Message{Header: m.Header, Type: strconv.Itoa(int(m.Header.Type)),
		Flags: m.Header.Flags.Format(guessFlagContext(m.Header))}
	if name, ok := controlTypes[m.Header.Type]; ok {
		out.Type = name
	}
	if len(m.Data) < hdrLen {
		out.Hex, out.Error = hexOf(m.Data), "payload of "+strconv.Itoa(len(m.Data))+" bytes is shorter than its "+strconv.Itoa(hdrLen)+"-byte header"
		return out
	}
	out.HeaderName = "header"
	out.Fields = Fields{{Name: "hex", Value: hex.EncodeToString(m.Data[:hdrLen])}}
	rest := m.Data[min(netlink.Align(hdrLen), len(m.Data)):]
	attrs, err := decodeAttrs(rest, nil, netlink.HeaderLen+netlink.Align(hdrLen), 0)
	if err != nil {
		out.Hex, out.Error = hex.EncodeToString(rest), err.Error()
		return out
	}
	out.Attrs = attrs
	return out
}

// Protocol numbers the decoder knows the messages of.
const protoRoute = 0 // NETLINK_ROUTE

// controlTypes name the control messages (NLMSG_*).
var controlTypes = map[netlink.HeaderType]string{
	netlink.Noop: "NLMSG_NOOP", netlink.Error: "NLMSG_ERROR", netlink.Done: "NLMSG_DONE",
	netlink.Overrun: "NLMSG_OVERRUN",
}

// otherTypes name the message types of some families whose payloads the
// decoder does not decode.
var otherTypes = map[int]map[netlink.HeaderType]string{
	4: {20: "SOCK_DIAG_BY_FAMILY", 21: "SOCK_DESTROY"}, // NETLINK_SOCK_DIAG
}

// protocolNames name the netlink protocol families (NETLINK_*).
var protocolNames = []string{"route", "unused", "usersock", "firewall", "sock_diag", "nflog",
	"xfrm", "selinux", "iscsi", "audit", "fib_lookup", "connector", "netfilter", "ip6_fw",
	"dnrtmsg", "kobject_uevent", "generic", "", "scsitransport", "ecryptfs", "rdma", "crypto", "smc"}

// ProtocolName names a netlink protocol family: "route" for
// NETLINK_ROUTE, "generic" for NETLINK_GENERIC, the number for families
// without a name (those of kernel modules).
func ProtocolName(family int) string {
	if family >= 0 && family < len(protocolNames) && protocolNames[family] != "" {
		return protocolNames[family]
	}
	return strconv.Itoa(family)
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
