package main

import "fmt"

func (m *model) emitClient(f *file) {
	if m.raw {
		f.use("fmt") // JoinGroup's error
	}
	f.use("io")
	f.use("iter")
	f.use("github.com/nlgo/netlink")
	f.use("github.com/nlgo/netlink/family")
	if m.raw {
		m.emitRawClient(f)
	} else {
		m.emitGenlClient(f)
	}
	m.emitOps(f)
	m.emitNotifications(f)
	m.emitDescribe(f)
}

func (m *model) emitRawClient(f *file) {
	f.p(`// A Client runs the operations of %[1]s over a netlink.Conn of protocol
// ProtocolNumber. It is safe for concurrent use, as the Conn is.
type Client struct {
	x family.Raw
}

// Dial opens a netlink socket of protocol ProtocolNumber with config (nil
// means defaults), as netlink.Dial does, and returns a Client on it. It
// turns on extended acknowledgements where the kernel has them, so that
// an error names the attribute the kernel rejected.
func Dial(config *netlink.Config) (*Client, error) {
	c, err := netlink.Dial(ProtocolNumber, config)
	if err != nil {
		return nil, err
	}
	_ = c.SetOption(netlink.ExtendedAcknowledge, true) // best effort: kernels before 4.12 lack it
	return NewClient(c), nil
}

// NewClient returns a Client on c, a Conn of protocol ProtocolNumber (or
// one of package nltest). Close closes c.
func NewClient(c *netlink.Conn) *Client {
	return &Client{x: family.Raw{Conn: c, Name: FamilyName, Requests: requests}}
}

// Conn returns the Conn the Client runs on.
func (c *Client) Conn() *netlink.Conn { return c.x.Conn }

// Close closes the Client's Conn.
func (c *Client) Close() error { return c.x.Conn.Close() }

// WithFlags returns a Client on the same Conn that adds flags to the
// header of every request it sends, as netlink.Create|netlink.Excl for a
// new object.
func (c *Client) WithFlags(flags netlink.HeaderFlags) *Client {
	d := *c
	d.x.Flags |= flags
	return &d
}`, m.spec.Name)
	m.emitRequests(f)
}

func (m *model) emitGenlClient(f *file) {
	f.use("github.com/nlgo/netlink/genetlink")
	f.p(`// A Client runs the operations of the generic netlink family %[1]s over a
// genetlink.Conn. It is safe for concurrent use, as the Conn is.
type Client struct {
	x family.Genl
}

// Dial opens a generic netlink socket with config (nil means defaults), as
// genetlink.Dial does, and returns a Client of the family FamilyName on it.
// It turns on extended acknowledgements where the kernel has them, so that
// an error names the attribute the kernel rejected.
func Dial(config *netlink.Config) (*Client, error) {
	c, err := genetlink.Dial(config)
	if err != nil {
		return nil, err
	}
	_ = c.SetOption(netlink.ExtendedAcknowledge, true) // best effort: kernels before 4.12 lack it
	cl, err := NewClient(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

// NewClient returns a Client on c, resolving the family FamilyName; a
// kernel without it is an error matching os.ErrNotExist. Close closes c.
func NewClient(c *genetlink.Conn) (*Client, error) {
	x, err := family.NewGenl(c, FamilyName)
	if err != nil {
		return nil, err
	}
	x.Requests = requests
	return &Client{x: x}, nil
}

// Conn returns the Conn the Client runs on.
func (c *Client) Conn() *genetlink.Conn { return c.x.Conn }

// Close closes the Client's Conn.
func (c *Client) Close() error { return c.x.Conn.Close() }

// WithFlags returns a Client on the same Conn that adds flags to the
// header of every request it sends.
func (c *Client) WithFlags(flags netlink.HeaderFlags) *Client {
	d := *c
	d.x.Flags |= flags
	return &d
}`, m.spec.Name)
	m.emitRequests(f)
}

// emitRequests writes requests, which the Client's errors name the
// attributes of a rejected request with.
func (m *model) emitRequests(f *file) {
	f.p(`
// requests returns the family's requests with their policies, for the
// errors the kernel locates in one (see netlink.OpError.Locate).
func requests() []family.Message { return Describe().Requests }`)
}

// hasDo and hasDump report whether an operation has a do and a dump.
func (o *opInfo) hasDo() bool   { return o.op.Do != nil }
func (o *opInfo) hasDump() bool { return o.op.Dump != nil }

func (m *model) emitOps(f *file) {
	for _, o := range m.ops {
		if o.notify || o.set == nil {
			continue
		}
		t := o.set.goName
		rep := "0"
		if o.repValue >= 0 {
			rep = m.repConst(o)
		}
		req := m.reqConst(o)
		if o.hasDo() {
			f.p("")
			if o.doReply {
				f.p("// %s runs the do of %s: it sends req (nil is empty) as %s and", o.goName, o.op.Name, req)
				f.p("// returns the reply.")
				f.p("func (c *Client) %s(req *%s) (*%s, error) {", o.goName, t, t)
				f.p("if req == nil { req = new(%s) }", t)
				f.p("rep := new(%s)", t)
				f.p("if err := family.Do(&c.x, req, %s, rep, %s); err != nil { return nil, err }", req, rep)
				f.p("return rep, nil")
				f.p("}")
			} else {
				f.p("// %s runs the do of %s: it sends req (nil is empty) as %s and", o.goName, o.op.Name, req)
				f.p("// waits for the acknowledgement.")
				f.p("func (c *Client) %s(req *%s) error {", o.goName, t)
				f.p("if req == nil { req = new(%s) }", t)
				f.p("return family.Do(&c.x, req, %s, nil, 0)", req)
				f.p("}")
			}
		}
		if o.hasDump() {
			f.p("")
			f.p("// %sDump runs the dump of %s: it sends req (nil is empty) as %s and", o.goName, o.op.Name, req)
			f.p("// yields each entry. Every entry is decoded into the same value, valid")
			f.p("// until the next iteration: copy what must outlive it. Breaking out of")
			f.p("// the loop ends the dump.")
			f.p("func (c *Client) %sDump(req *%s) iter.Seq2[*%s, error] {", o.goName, t, t)
			f.p("if req == nil { req = new(%s) }", t)
			f.p("return family.Dump[%s](&c.x, req, %s, %s)", t, req, rep)
			f.p("}")
		}
	}
}

// notifyTypes lists the message types the family sends unasked, and what
// they decode as: notifications and events first, then, for netlink-raw,
// every type an operation uses (rtnetlink announces changes with the
// types of its requests and replies).
func (m *model) notifyTypes() []*opInfo {
	var out []*opInfo
	seen := map[int]bool{}
	add := func(o *opInfo, v int) {
		if v < 0 || seen[v] || o.set == nil {
			return
		}
		seen[v] = true
		out = append(out, &opInfo{op: o.op, goName: o.goName, set: o.set, repValue: v})
	}
	for _, o := range m.ops {
		if o.notify {
			add(o, o.repValue)
		}
	}
	if m.raw {
		for _, o := range m.ops {
			add(o, o.reqValue)
			add(o, o.repValue)
		}
	}
	return out
}

func (m *model) emitNotifications(f *file) {
	types := m.notifyTypes()
	f.p("")
	f.p("// decodeNotification decodes a message of type typ the family sends")
	f.p("// unasked; ok is false for a type it does not.")
	f.p("func decodeNotification(typ uint16, b []byte) (n family.Notification, ok bool, err error) {")
	if len(types) > 0 {
		f.p("switch typ {")
		for _, o := range types {
			f.p("case %d:", o.repValue)
			f.p("v := new(%s)", o.set.goName)
			f.p("return family.Notification{Name: %q, Type: typ, Message: v}, true, v.UnmarshalBinary(b)", o.op.Name)
		}
		f.p("}")
	}
	f.p("return family.Notification{}, false, nil")
	f.p("}")
	f.p("")
	if m.raw {
		f.p("// JoinGroup subscribes the Client's Conn to the multicast group called")
		f.p("// name in the spec (see the Group constants).")
		f.p("func (c *Client) JoinGroup(name string) error {")
		if len(m.groups) == 0 {
			f.p("return fmt.Errorf(\"%%s: no multicast group %%q\", FamilyName, name)")
			f.p("}")
		} else {
			f.p("var g uint32")
			f.p("switch name {")
			for _, g := range m.groups {
				f.p("case %q: g = %s", g.name, g.goName)
			}
			f.p("default: return fmt.Errorf(\"%%s: no multicast group %%q\", FamilyName, name)")
			f.p("}")
			f.p("return c.x.Conn.JoinGroup(g)")
			f.p("}")
		}
		f.p("")
		f.p("// Receive reads one datagram and returns the notifications in it, decoded;")
		f.p("// messages of types the family does not send unasked are left out.")
		f.p("func (c *Client) Receive() ([]family.Notification, error) {")
		f.p("msgs, err := c.x.Conn.Receive()")
		f.p("if err != nil { return nil, err }")
		f.p("var out []family.Notification")
		f.p("for _, m := range msgs {")
		f.p("n, ok, err := decodeNotification(uint16(m.Header.Type), m.Data)")
	} else {
		f.p("// JoinGroup subscribes the Client's Conn to the family's multicast group")
		f.p("// called name (see the Group constants).")
		f.p("func (c *Client) JoinGroup(name string) error { return c.x.Conn.JoinGroup(FamilyName, name) }")
		f.p("")
		f.p("// Receive reads one datagram and returns the family's notifications in it,")
		f.p("// decoded; other messages are left out.")
		f.p("func (c *Client) Receive() ([]family.Notification, error) {")
		f.p("msgs, nms, err := c.x.Conn.Receive()")
		f.p("if err != nil { return nil, err }")
		f.p("var out []family.Notification")
		f.p("for i, m := range msgs {")
		f.p("if uint16(nms[i].Header.Type) != c.x.ID { continue }")
		f.p("n, ok, err := decodeNotification(uint16(m.Header.Command), m.Data)")
	}
	f.p("if err != nil { return out, err }")
	f.p("if ok { out = append(out, n) }")
	f.p("}")
	f.p("return out, nil")
	f.p("}")
}

func (m *model) emitDescribe(f *file) {
	f.p("")
	f.p("// Describe returns a new description of the family, for a generic client.")
	f.p("func Describe() family.Family {")
	f.p("p := newPolicies()")
	f.p("_ = p")
	f.p("return family.Family{")
	f.p("Name: FamilyName, Protocol: Protocol,")
	if m.raw {
		f.p("ProtocolNumber: ProtocolNumber,")
	} else {
		f.p("ProtocolNumber: genetlink.Protocol,")
	}
	if len(m.groups) > 0 {
		f.p("Groups: []string{")
		for _, g := range m.groups {
			f.p("%q,", g.name)
		}
		f.p("},")
	}
	f.p("Dial: func(config *netlink.Config) (io.Closer, error) {")
	f.p("c, err := Dial(config)")
	f.p("if err != nil { return nil, err }")
	f.p("return c, nil")
	f.p("},")
	f.p("WithFlags: func(client any, flags netlink.HeaderFlags) (any, error) {")
	f.p("c, _, err := family.OpArgs[Client, struct{}](FamilyName, client, nil)")
	f.p("if err != nil { return nil, err }")
	f.p("return c.WithFlags(flags), nil")
	f.p("},")
	f.p("Operations: []family.Operation{")
	for _, o := range m.ops {
		if o.notify || o.set == nil {
			continue
		}
		t := o.set.goName
		f.p("{Name: %q, NewRequest: func() any { return new(%s) },", o.op.Name, t)
		if o.hasDo() {
			f.p("Do: func(client, req any) (any, error) {")
			f.p("c, r, err := family.OpArgs[Client, %s](FamilyName, client, req)", t)
			f.p("if err != nil { return nil, err }")
			if o.doReply {
				f.p("rep, err := c.%s(r)", o.goName)
				f.p("if err != nil { return nil, err }")
				f.p("return rep, nil")
			} else {
				f.p("return nil, c.%s(r)", o.goName)
			}
			f.p("},")
		}
		if o.hasDump() {
			f.p("Dump: func(client, req any) iter.Seq2[any, error] {")
			f.p("c, r, err := family.OpArgs[Client, %s](FamilyName, client, req)", t)
			f.p("if err != nil { return family.Fail[any](err) }")
			f.p("return family.DumpAny(c.%sDump(r))", o.goName)
			f.p("},")
		}
		f.p("},")
	}
	f.p("},")
	f.p("Requests: []family.Message{")
	seen := map[int]bool{}
	for _, o := range m.ops {
		if o.notify || o.set == nil || o.reqValue < 0 || seen[o.reqValue] {
			continue
		}
		seen[o.reqValue] = true
		f.p("{Name: %q, Type: %d, HeaderLen: %s, Attributes: &p.%s},", o.op.Name, o.reqValue, headerLen(o.set), policyField(o.set))
	}
	f.p("},")
	f.p("Replies: []family.Message{")
	seen = map[int]bool{}
	for _, o := range m.ops {
		if o.set == nil || o.repValue < 0 || seen[o.repValue] {
			continue
		}
		seen[o.repValue] = true
		f.p("{Name: %q, Type: %d, HeaderLen: %s, Attributes: &p.%s},", o.op.Name, o.repValue, headerLen(o.set), policyField(o.set))
	}
	f.p("},")
	f.p("}")
	f.p("}")
}

func headerLen(s *setInfo) string {
	if s.header == nil {
		return "0"
	}
	return fmt.Sprintf("netlink.Align(%sLen)", s.header.goName)
}
