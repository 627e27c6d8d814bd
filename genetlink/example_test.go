package genetlink_test

import (
	"fmt"
	"log"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// exampleFake registers a family "example" on a fake kernel: command 1
// answers "hello, " and the request's string attribute; group "events".
func exampleFake() *nltest.Generic {
	g := nltest.NewGeneric(nltest.NewKernel())
	_, err := g.Register(nltest.GenericFamily{
		Name: "example", Version: 1,
		Operations: []nltest.GenericOperation{{
			Command: 1, Flags: genetlink.Do,
			DoPolicy: &nltest.GenericPolicy{MaxType: 1, Attributes: []genetlink.AttributePolicy{
				{Type: 1, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: 31},
			}},
			Handler: func(r *nltest.GenericRequest) error {
				d := netlink.NewAttributeDecoder(r.Message.Data)
				var name string
				for d.Next() {
					if d.Type() == 1 {
						name = d.String()
					}
				}
				e := netlink.NewAttributeEncoder()
				e.String(1, "hello, "+name)
				b, err := e.Encode()
				if err != nil {
					return err
				}
				return r.Reply(genetlink.Message{Header: genetlink.Header{Command: 1, Version: 1}, Data: b})
			},
		}},
		Groups: []string{"events"},
	})
	if err != nil {
		log.Fatal(err)
	}
	return g
}

// Resolve a family by name and run one of its commands.
func ExampleConn_Execute() {
	g := exampleFake()
	c, err := g.Dial(nil) // on a real kernel: genetlink.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	f, err := c.GetFamily("example")
	if err != nil {
		log.Fatal(err)
	}
	e := netlink.NewAttributeEncoder()
	e.String(1, "gopher")
	attrs, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}
	replies, err := c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: 1, Version: f.Version},
		Data:   attrs,
	}, f.ID, 0)
	if err != nil {
		log.Fatal(err)
	}
	d := netlink.NewAttributeDecoder(replies[0].Data)
	for d.Next() {
		fmt.Println(d.String())
	}
	fmt.Printf("family %s: id %#x, operations %v\n", f.Name, f.ID, f.Operations)
	// Output:
	// hello, gopher
	// family example: id 0x13, operations [{1 do|has-policy}]
}

// Join a family's multicast group by name and receive what it sends.
func ExampleConn_JoinGroup() {
	g := exampleFake()
	c, err := g.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if err := c.JoinGroup("example", "events"); err != nil {
		log.Fatal(err)
	}
	// The fake kernel's module multicasts an event.
	event := genetlink.Message{Header: genetlink.Header{Command: 2, Version: 1}, Data: []byte{8, 0, 1, 0, 42, 0, 0, 0}}
	if err := g.Broadcast("example", "events", event); err != nil {
		log.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	msgs, _, err := c.Receive()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("command %d, %d bytes of attributes\n", msgs[0].Header.Command, len(msgs[0].Data))
	// Output:
	// command 2, 8 bytes of attributes
}

// List the attribute policy of a family's operation.
func ExampleConn_Policy() {
	g := exampleFake()
	c, err := g.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	p, err := c.Policy("example", 1)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range p.Attributes(p.Operations[0].Do) {
		fmt.Printf("attribute %d: %v, at most %d bytes\n", a.Type, a.Kind, a.MaxLength)
	}
	// Output:
	// attribute 1: nul-string, at most 31 bytes
}

// Test code built on genetlink against a fake family: ServeFamily is the
// one-call setup.
func ExampleConn_testing() {
	c := nltest.ServeFamily(nltest.GenericFamily{
		Name:       "counter",
		Version:    1,
		Operations: []nltest.GenericOperation{{Command: 1, Flags: genetlink.Dump}},
	}, func(r *nltest.GenericRequest) error {
		var msgs []genetlink.Message
		for i := range 3 {
			msgs = append(msgs, genetlink.Message{Header: genetlink.Header{Command: 1, Version: 1}, Data: []byte{8, 0, 1, 0, byte(i), 0, 0, 0}})
		}
		return r.Dump(msgs)
	})
	defer c.Close()

	// The code under test:
	f, err := c.GetFamily("counter")
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	err = c.ExecuteEach(genetlink.Message{Header: genetlink.Header{Command: 1, Version: 1}}, f.ID, netlink.Dump,
		func(genetlink.Message) bool { n++; return true })
	fmt.Println(n, err)
	// Output:
	// 3 <nil>
}
