package netlink_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// An extended ack's offset located in the request: a fake kernel rejects
// the attribute at offset 32, inside a nest, which Locate names with the
// request's policy. The attributes follow a family header of 4 bytes.
func ExampleOpError_Locate() {
	c := nltest.Dial(func([]netlink.Message) ([]netlink.Message, error) {
		return nil, &nltest.ExtError{Errno: syscall.ERANGE, Message: "value out of range", Offset: 32}
	})
	defer c.Close()
	c.SetOption(netlink.ExtendedAcknowledge, true)

	policy := &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1: {Name: "EX_NAME", Kind: netlink.KindNulString},
		2: {Name: "EX_LIMITS", Kind: netlink.KindNested, Nested: &netlink.Policy{Attributes: []netlink.AttributePolicy{
			1: {Name: "EX_LIMIT_MAX", Kind: netlink.KindU32},
		}}},
	}}
	e := netlink.NewAttributeEncoder()
	e.Reset([]byte{1, 0, 0, 0})                           // the family header
	e.String(1, "ab")                                     // offset 20
	e.Nested(2, func(e *netlink.AttributeEncoder) error { // offset 28
		e.Uint32(1, 1000) // offset 32
		return nil
	})
	data, _ := e.Encode()

	_, err := c.Execute(netlink.Message{Header: netlink.Header{Type: 0x20, Flags: netlink.Acknowledge}, Data: data})
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		oe.Locate(4, policy)
		fmt.Println(oe.Path)
		fmt.Println(err)
	}
	// Output:
	// EX_LIMITS.EX_LIMIT_MAX
	// netlink: execute: numerical result out of range: value out of range: attribute EX_LIMITS.EX_LIMIT_MAX (2.1) at offset 32
}
