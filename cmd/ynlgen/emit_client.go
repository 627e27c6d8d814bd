package main

import "fmt"

func (m *model) emitClient(f *file) {
	f.use("fmt")
	f.use("io")
	f.use("iter")
	f.use("github.com/nlgo/netlink")
	f.use("github.com/nlgo/netlink/family")
	if m.raw {
		m.emitRawClient(f)
	} else {
		m.emitGenlClient(f)
	}
	m.emitDumpHelper(f)
	m.emitOps(f)
	m.emitNotifications(f)
	m.emitDescribe(f)
}

func (m *model) emitRawClient(f *file) {
	f.p(`// A Client runs the operations of %[1]s over a netlink.Conn of protocol
// ProtocolNumber. It is safe for concurrent use, as the Conn is.
type Client struct {
	c     *netlink.Conn
	flags netlink.HeaderFlags
}

// Dial opens a netlink socket of protocol ProtocolNumber with config (nil
// means defaults), as netlink.Dial does, and returns a Client on it.
func Dial(config *netlink.Config) (*Client, error) {
	c, err := netlink.Dial(ProtocolNumber, config)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// NewClient returns a Client on c, a Conn of protocol ProtocolNumber (or
// one of package nltest). Close closes c.
func NewClient(c *netlink.Conn) *Client { return &Client{c: c} }

// Conn returns the Conn the Client runs on.
func (c *Client) Conn() *netlink.Conn { return c.c }

// Close closes the Client's Conn.
func (c *Client) Close() error { return c.c.Close() }

// WithFlags returns a Client on the same Conn that adds flags to the
// header of every request it sends, as netlink.Create|netlink.Excl for a
// new object.
func (c *Client) WithFlags(flags netlink.HeaderFlags) *Client {
	return &Client{c: c.c, flags: c.flags | flags}
}

// execute sends the request of type typ with flags and hands each reply of
// type rep to fn, which returns false to stop.
func (c *Client) execute(typ uint16, data []byte, flags netlink.HeaderFlags, rep uint16, fn func([]byte) bool) error {
	m := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: flags | c.flags | netlink.Request}, Data: data}
	return c.c.ExecuteEach(m, func(r netlink.Message) bool {
		if uint16(r.Header.Type) != rep {
			return true
		}
		return fn(r.Data)
	})
}`, m.spec.Name)
}

func (m *model) emitGenlClient(f *file) {
	f.use("github.com/nlgo/netlink/genetlink")
	f.p(`// A Client runs the operations of the generic netlink family %[1]s over a
// genetlink.Conn. It is safe for concurrent use, as the Conn is.
type Client struct {
	c       *genetlink.Conn
	id      uint16
	version uint8
	flags   netlink.HeaderFlags
}

// Dial opens a generic netlink socket with config (nil means defaults), as
// genetlink.Dial does, and returns a Client of the family FamilyName on it.
func Dial(config *netlink.Config) (*Client, error) {
	c, err := genetlink.Dial(config)
	if err != nil {
		return nil, err
	}
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
	fam, err := c.GetFamily(FamilyName)
	if err != nil {
		return nil, err
	}
	return &Client{c: c, id: fam.ID, version: fam.Version}, nil
}

// Conn returns the Conn the Client runs on.
func (c *Client) Conn() *genetlink.Conn { return c.c }

// Close closes the Client's Conn.
func (c *Client) Close() error { return c.c.Close() }

// WithFlags returns a Client on the same Conn that adds flags to the
// header of every request it sends.
func (c *Client) WithFlags(flags netlink.HeaderFlags) *Client {
	d := *c
	d.flags |= flags
	return &d
}

// execute sends the request with command cmd and flags and hands each
// reply with command rep to fn, which returns false to stop.
func (c *Client) execute(cmd uint16, data []byte, flags netlink.HeaderFlags, rep uint16, fn func([]byte) bool) error {
	m := genetlink.Message{Header: genetlink.Header{Command: uint8(cmd), Version: c.version}, Data: data}
	return c.c.ExecuteEach(m, c.id, flags|c.flags, func(r genetlink.Message) bool {
		if uint16(r.Header.Command) != rep {
			return true
		}
		return fn(r.Data)
	})
}`, m.spec.Name)
}

func (m *model) emitDumpHelper(f *file) {
	f.p(`
// message is what the structs of attribute sets are to the Client.
type message interface {
	AppendBinary(b []byte) ([]byte, error)
	Decode(d *netlink.AttributeDecoder, b []byte) error
}

// do runs a do: it sends req and, when rep is not nil, decodes the first
// reply of type repType into it; without a reply it asks for an
// acknowledgement, so that failures are reported.
func (c *Client) do(req message, reqType uint16, rep message, repType uint16) error {
	b, err := req.AppendBinary(nil)
	if err != nil {
		return err
	}
	var flags netlink.HeaderFlags
	if rep == nil {
		return c.execute(reqType, b, netlink.Acknowledge, 0, func([]byte) bool { return true })
	}
	var d netlink.AttributeDecoder
	var derr error
	got := false
	err = c.execute(reqType, b, flags, repType, func(p []byte) bool {
		if !got {
			got, derr = true, rep.Decode(&d, p)
		}
		return true
	})
	switch {
	case err != nil:
		return err
	case derr != nil:
		return derr
	case !got:
		return fmt.Errorf("%%s: no reply of type %%d", FamilyName, repType)
	}
	return nil
}

// dump runs a dump, decoding every reply into one value of type T.
func dump[T any, P interface {
	*T
	message
}](c *Client, req message, reqType, repType uint16) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		b, err := req.AppendBinary(nil)
		if err != nil {
			yield(nil, err)
			return
		}
		rep := P(new(T))
		var d netlink.AttributeDecoder
		var derr error
		stopped := false
		err = c.execute(reqType, b, netlink.Dump, repType, func(p []byte) bool {
			if derr = rep.Decode(&d, p); derr != nil {
				return false
			}
			if !yield((*T)(rep), nil) {
				stopped = true
				return false
			}
			return true
		})
		switch {
		case stopped:
		case derr != nil:
			yield(nil, derr)
		case err != nil:
			yield(nil, err)
		}
	}
}

// opArgs asserts the types a family.Operation passes.
func opArgs[R any](client, req any) (*Client, *R, error) {
	c, ok := client.(*Client)
	if !ok {
		return nil, nil, fmt.Errorf("%%s: client is %%T, not a *Client of the family", FamilyName, client)
	}
	if req == nil {
		return c, new(R), nil
	}
	r, ok := req.(*R)
	if !ok {
		return nil, nil, fmt.Errorf("%%s: request is %%T, not %%T", FamilyName, req, r)
	}
	return c, r, nil
}`)
}

// reply returns the set of an operation's reply, when it has one.
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
				f.p("if err := c.do(req, %s, rep, %s); err != nil { return nil, err }", req, rep)
				f.p("return rep, nil")
				f.p("}")
			} else {
				f.p("// %s runs the do of %s: it sends req (nil is empty) as %s and", o.goName, o.op.Name, req)
				f.p("// waits for the acknowledgement.")
				f.p("func (c *Client) %s(req *%s) error {", o.goName, t)
				f.p("if req == nil { req = new(%s) }", t)
				f.p("return c.do(req, %s, nil, 0)", req)
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
			f.p("return dump[%s](c, req, %s, %s)", t, req, rep)
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
			f.p("return c.c.JoinGroup(g)")
			f.p("}")
		}
		f.p("")
		f.p("// Receive reads one datagram and returns the notifications in it, decoded;")
		f.p("// messages of types the family does not send unasked are left out.")
		f.p("func (c *Client) Receive() ([]family.Notification, error) {")
		f.p("msgs, err := c.c.Receive()")
		f.p("if err != nil { return nil, err }")
		f.p("var out []family.Notification")
		f.p("for _, m := range msgs {")
		f.p("n, ok, err := decodeNotification(uint16(m.Header.Type), m.Data)")
	} else {
		f.p("// JoinGroup subscribes the Client's Conn to the family's multicast group")
		f.p("// called name (see the Group constants).")
		f.p("func (c *Client) JoinGroup(name string) error { return c.c.JoinGroup(FamilyName, name) }")
		f.p("")
		f.p("// Receive reads one datagram and returns the family's notifications in it,")
		f.p("// decoded; other messages are left out.")
		f.p("func (c *Client) Receive() ([]family.Notification, error) {")
		f.p("msgs, nms, err := c.c.Receive()")
		f.p("if err != nil { return nil, err }")
		f.p("var out []family.Notification")
		f.p("for i, m := range msgs {")
		f.p("if uint16(nms[i].Header.Type) != c.id { continue }")
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
	f.p("Dial: func(config *netlink.Config) (io.Closer, error) {")
	f.p("c, err := Dial(config)")
	f.p("if err != nil { return nil, err }")
	f.p("return c, nil")
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
			f.p("c, r, err := opArgs[%s](client, req)", t)
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
			f.p("c, r, err := opArgs[%s](client, req)", t)
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
