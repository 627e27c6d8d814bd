package netlink_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/nlgo/netlink"
)

// Ask the kernel for one link, as `ip link show dev lo` does: an
// RTM_GETLINK request for interface index 1, answered by one RTM_NEWLINK.
func ExampleConn_Execute() {
	c, err := netlink.Dial(0 /* NETLINK_ROUTE */, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ifinfo := make([]byte, 16) // struct ifinfomsg
	binary.NativeEndian.PutUint32(ifinfo[4:8], 1)
	replies, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: 18 /* RTM_GETLINK */, Flags: netlink.Request},
		Data:   ifinfo,
	})
	if err != nil {
		log.Fatal(err)
	}
	var d netlink.AttributeDecoder
	d.Reset(replies[0].Data[16:])
	for d.Next() {
		if d.Type() == 3 /* IFLA_IFNAME */ {
			fmt.Println(d.String())
		}
	}
	if err := d.Err(); err != nil {
		log.Fatal(err)
	}
}

// A dump reads a whole table through NLMSG_DONE in one call.
func ExampleConn_Execute_dump() {
	c, err := netlink.Dial(0 /* NETLINK_ROUTE */, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	links, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: 18 /* RTM_GETLINK */, Flags: netlink.Request | netlink.Dump},
		Data:   make([]byte, 16),
	})
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		log.Print("links changed during the dump; the result may be inconsistent")
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(links), "links")
}

// Kernel errors wrap the errno, so errors.Is works with both unix and os
// errors, and carry the kernel's extended acknowledgement.
func ExampleOpError() {
	ack := netlink.Message{
		Header: netlink.Header{Type: netlink.Error, Flags: netlink.Capped},
		Data:   binary.NativeEndian.AppendUint32(nil, uint32(0xfffffffe)), // -ENOENT
	}
	// The kernel echoes the request's header after the code.
	ack.Data = append(ack.Data, make([]byte, netlink.HeaderLen)...)
	err := netlink.CheckMessage(ack)
	fmt.Println(errors.Is(err, os.ErrNotExist))
	fmt.Println(err)
	// Output:
	// true
	// netlink: receive: no such file or directory
}

// Multicast group n is bit n-1 of the legacy bind mask: group 3 is mask 4,
// not 3. JoinGroup takes the group number itself, for any group.
func ExampleGroupMask() {
	fmt.Println(netlink.GroupMask(1), netlink.GroupMask(3), netlink.GroupMask(33))
	fmt.Println(netlink.MaskGroups(0b101))
	// Output:
	// 1 4 0
	// [1 3]
}

// Walk a received datagram without allocating: each message's Data
// aliases the buffer.
func ExampleMessages() {
	var b []byte
	for i := 1; i <= 2; i++ {
		b, _ = netlink.Message{
			Header: netlink.Header{Type: 16, Flags: netlink.Multi, Sequence: 7},
			Data:   []byte{byte(i)},
		}.AppendBinary(b)
	}
	for m, err := range netlink.Messages(b) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Header, m.Data)
	}
	// Output:
	// {len=17 type=16 flags=multi seq=7 pid=0} [1]
	// {len=17 type=16 flags=multi seq=7 pid=0} [2]
}

// Subscribe to a multicast group and print what arrives.
func ExampleConn_JoinGroup() {
	c, err := netlink.Dial(0 /* NETLINK_ROUTE */, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(1 /* RTNLGRP_LINK */); err != nil {
		log.Fatal(err)
	}
	for {
		msgs, src, err := c.ReceiveFrom()
		if errors.Is(err, netlink.ErrOverrun) {
			log.Print("events were lost; dump again to resynchronise")
			continue
		} else if err != nil {
			log.Fatal(err)
		}
		for _, m := range msgs {
			fmt.Println("group", src.Group, m.Header)
		}
	}
}
