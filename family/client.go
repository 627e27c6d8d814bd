package family

import (
	"errors"
	"fmt"
	"iter"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// A Codec is what a generated struct of an attribute set is to a client:
// it encodes itself as a request and decodes a reply into itself, reusing
// its memory.
type Codec interface {
	AppendBinary(b []byte) ([]byte, error)
	Decode(d *netlink.AttributeDecoder, b []byte) error
}

// An Executor runs requests of one family: it sends data as a request of
// type typ (a message type for netlink-raw, a command for generic
// netlink) with flags, and hands the payload of each reply of type rep to
// fn, until fn returns false. Raw and Genl are the two the generated
// clients embed.
type Executor interface {
	Execute(typ uint16, data []byte, flags netlink.HeaderFlags, rep uint16, fn func([]byte) bool) error
	// FamilyName names the family in errors.
	FamilyName() string
}

// Raw runs the requests of a netlink-raw family on a netlink.Conn.
type Raw struct {
	Conn *netlink.Conn
	// Flags are added to the header of every request.
	Flags netlink.HeaderFlags
	// Name is the family's name in its spec.
	Name string
	// Requests, when not nil, returns the family's requests (Describe's
	// Requests), so that an error the kernel locates in a request names
	// the attribute (netlink.OpError.Locate). Called on failures only.
	Requests func() []Message
}

// FamilyName returns r.Name.
func (r *Raw) FamilyName() string { return r.Name }

// Execute implements Executor.
func (r *Raw) Execute(typ uint16, data []byte, flags netlink.HeaderFlags, rep uint16, fn func([]byte) bool) error {
	m := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: flags | r.Flags | netlink.Request}, Data: data}
	err := r.Conn.ExecuteEach(m, func(m netlink.Message) bool {
		if uint16(m.Header.Type) != rep {
			return true
		}
		return fn(m.Data)
	})
	return locate(err, r.Requests, typ, 0)
}

// Genl runs the requests of a generic netlink family on a genetlink.Conn.
type Genl struct {
	Conn *genetlink.Conn
	// ID and Version are the family's, as the kernel has them.
	ID      uint16
	Version uint8
	// Flags are added to the header of every request.
	Flags netlink.HeaderFlags
	// Name is the family's name in its spec.
	Name string
	// Requests is Raw's.
	Requests func() []Message
}

// NewGenl resolves the family name on c and returns a Genl for it; a
// kernel without it is an error matching os.ErrNotExist.
func NewGenl(c *genetlink.Conn, name string) (Genl, error) {
	f, err := c.GetFamily(name)
	if err != nil {
		return Genl{}, err
	}
	return Genl{Conn: c, ID: f.ID, Version: f.Version, Name: name}, nil
}

// FamilyName returns g.Name.
func (g *Genl) FamilyName() string { return g.Name }

// Execute implements Executor.
func (g *Genl) Execute(cmd uint16, data []byte, flags netlink.HeaderFlags, rep uint16, fn func([]byte) bool) error {
	m := genetlink.Message{Header: genetlink.Header{Command: uint8(cmd), Version: g.Version}, Data: data}
	err := g.Conn.ExecuteEach(m, g.ID, flags|g.Flags, func(r genetlink.Message) bool {
		if uint16(r.Header.Command) != rep {
			return true
		}
		return fn(r.Data)
	})
	return locate(err, g.Requests, cmd, genetlink.HeaderLen)
}

// locate names the attribute a kernel error points at in the request of
// type typ, with the request's policy from requests; pre is what precedes
// the family header (the genlmsghdr).
func locate(err error, requests func() []Message, typ uint16, pre int) error {
	var oe *netlink.OpError
	if err == nil || requests == nil || !errors.As(err, &oe) || len(oe.Sent) == 0 {
		return err
	}
	for _, m := range requests() {
		if m.Type == typ {
			oe.Locate(pre+m.HeaderLen, m.Attributes)
			break
		}
	}
	return err
}

// Do runs a do on x: it sends req as a request of type reqType and, when
// rep is not nil, decodes the first reply of type repType into it;
// without a reply it asks for an acknowledgement, so that failures are
// reported.
func Do(x Executor, req Codec, reqType uint16, rep Codec, repType uint16) error {
	b, err := req.AppendBinary(nil)
	if err != nil {
		return err
	}
	if rep == nil {
		return x.Execute(reqType, b, netlink.Acknowledge, 0, func([]byte) bool { return true })
	}
	var d netlink.AttributeDecoder
	var derr error
	got := false
	err = x.Execute(reqType, b, 0, repType, func(p []byte) bool {
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
		return fmt.Errorf("%s: no reply of type %d", x.FamilyName(), repType)
	}
	return nil
}

// Dump runs a dump on x: it sends req as a dump request of type reqType
// and yields each reply of type repType, decoded into one value of type T
// that every entry reuses. Breaking out of the loop ends the dump.
func Dump[T any, P interface {
	*T
	Codec
}](x Executor, req Codec, reqType, repType uint16) iter.Seq2[*T, error] {
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
		err = x.Execute(reqType, b, netlink.Dump, repType, func(p []byte) bool {
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

// OpArgs asserts the types an Operation's Do or Dump is called with: the
// family's client C and the operation's request R (nil is an empty one).
func OpArgs[C, R any](name string, client, req any) (*C, *R, error) {
	c, ok := client.(*C)
	if !ok {
		return nil, nil, fmt.Errorf("%s: client is %T, not a %T", name, client, c)
	}
	if req == nil {
		return c, new(R), nil
	}
	r, ok := req.(*R)
	if !ok {
		return nil, nil, fmt.Errorf("%s: request is %T, not %T", name, req, r)
	}
	return c, r, nil
}
