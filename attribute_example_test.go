package netlink_test

import (
	"fmt"
	"log"

	"github.com/nlgo/netlink"
)

// An AttributeEncoder appends attributes to one buffer; Nested writes a
// nest's contents in place and fills in its length afterwards.
func ExampleAttributeEncoder() {
	// Attribute types of a made-up family.
	const (
		attrName  = 1
		attrMTU   = 2
		attrUp    = 3
		attrStats = 4 // nested
		attrRx    = 1 // in attrStats
		attrTx    = 2 // in attrStats
	)
	e := netlink.NewAttributeEncoder()
	e.String(attrName, "eth0")
	e.Uint32(attrMTU, 1500)
	e.Flag(attrUp, true)
	e.Nested(attrStats, func(e *netlink.AttributeEncoder) error {
		e.Uint64(attrRx, 1200)
		e.Uint64(attrTx, 3400)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}

	attrs, err := netlink.UnmarshalAttributes(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes, %d attributes\n", len(b), len(attrs))
	for _, a := range attrs {
		fmt.Printf("type %d, nested %t, %d-byte payload\n",
			a.Type&netlink.AttributeTypeMask, a.Type&netlink.AttributeNested != 0, len(a.Data))
	}
	// Output:
	// 52 bytes, 4 attributes
	// type 1, nested false, 5-byte payload
	// type 2, nested false, 4-byte payload
	// type 3, nested false, 0-byte payload
	// type 4, nested true, 24-byte payload
}

// An AttributeDecoder walks attributes like bufio.Scanner; Nested decodes a
// nest with a decoder the parent reuses, and errors surface once, in Err.
func ExampleAttributeDecoder() {
	// Attribute types of a made-up family.
	const (
		attrName  = 1
		attrMTU   = 2
		attrUp    = 3
		attrStats = 4 // nested
		attrRx    = 1 // in attrStats
		attrTx    = 2 // in attrStats
	)
	e := netlink.NewAttributeEncoder()
	e.String(attrName, "eth0")
	e.Uint32(attrMTU, 1500)
	e.Flag(attrUp, true)
	e.Nested(attrStats, func(e *netlink.AttributeEncoder) error {
		e.Uint64(attrRx, 1200)
		e.Uint64(attrTx, 3400)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}

	var (
		name   string
		mtu    uint32
		up     bool
		rx, tx uint64
	)
	d := netlink.NewAttributeDecoder(b)
	for d.Next() {
		switch d.Type() {
		case attrName:
			name = d.String()
		case attrMTU:
			mtu = d.Uint32()
		case attrUp:
			up = d.Flag()
		case attrStats:
			d.Nested(func(d *netlink.AttributeDecoder) error {
				for d.Next() {
					switch d.Type() {
					case attrRx:
						rx = d.Uint64()
					case attrTx:
						tx = d.Uint64()
					}
				}
				return nil
			})
		}
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: mtu %d, up %t, rx %d, tx %d\n", name, mtu, up, rx, tx)

	// Malformed input is an error naming the attribute and its offset.
	d.Reset(b[:len(b)-2])
	for d.Next() {
	}
	fmt.Println(d.Err())
	// Output:
	// eth0: mtu 1500, up true, rx 1200, tx 3400
	// netlink: attribute 4 at offset 24: length 28 runs past the end of the buffer, 26 bytes left
}
