package nltest_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"syscall"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// rtnetlink constants the examples use (<linux/rtnetlink.h>).
const (
	rtmNewLink  = 16
	rtmGetLink  = 18
	iflaIfname  = 3
	rtnlGrpLink = 1
)

// listLinks is the code under test: a small client that dumps the links
// and returns their names.
func listLinks(c *netlink.Conn) ([]string, error) {
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: rtmGetLink, Flags: netlink.Request | netlink.Dump},
		Data:   make([]byte, 16), // struct ifinfomsg
	})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range msgs {
		d := netlink.NewAttributeDecoder(m.Data[16:])
		for d.Next() {
			if d.Type() == iflaIfname {
				names = append(names, d.String())
			}
		}
		if err := d.Err(); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// newLink encodes an RTM_NEWLINK message for link index with its name.
func newLink(index int32, name string) netlink.Message {
	ifi := make([]byte, 16)
	binary.NativeEndian.PutUint32(ifi[4:], uint32(index))
	e := netlink.NewAttributeEncoder()
	e.Reset(ifi)
	e.String(iflaIfname, name)
	data, _ := e.Encode()
	return netlink.Message{Header: netlink.Header{Type: rtmNewLink}, Data: data}
}

// Test a "list links" client against a fake rtnetlink: the Func checks
// the request and answers with a multipart reply.
func ExampleDial() {
	c := nltest.Dial(nltest.CheckRequest(
		func([]netlink.Message) ([]netlink.Message, error) {
			return nltest.Multipart([]netlink.Message{newLink(1, "lo"), newLink(2, "eth0")}), nil
		},
		netlink.Message{Header: netlink.Header{Type: rtmGetLink, Flags: netlink.Request | netlink.Dump}},
	))
	defer c.Close()

	names, err := listLinks(c)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(names)
	// Output:
	// [lo eth0]
}

// The same client against the fake kernel, whose handler dumps 300 links:
// they come in datagrams that fit the reader's 4096-byte buffer, the
// NLMSG_DONE alone in the last, as from a real kernel, and the Conn
// assembles them.
func ExampleRequest_Dump() {
	k := nltest.NewKernel()
	k.Register(0 /* NETLINK_ROUTE */, func(r *nltest.Request) error {
		if r.Message.Header.Type != rtmGetLink {
			return syscall.EOPNOTSUPP
		}
		var links []netlink.Message
		for i := range 300 {
			links = append(links, newLink(int32(i+1), fmt.Sprintf("veth%d", i)))
		}
		return r.Dump(links)
	})
	c, err := k.Dial(0, &netlink.Config{MaxMessageSize: 4096})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	k.Record()

	names, err := listLinks(c)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(names), names[0], names[299])
	fmt.Println(len(k.Datagrams())-1, "datagrams from the kernel")
	// Output:
	// 300 veth0 veth299
	// 5 datagrams from the kernel
}

// watchLinks is the code under test: a subscriber that reports the links
// announced on RTNLGRP_LINK.
func watchLinks(c *netlink.Conn, n int) ([]string, error) {
	if err := c.JoinGroup(rtnlGrpLink); err != nil {
		return nil, err
	}
	var names []string
	for len(names) < n {
		msgs, src, err := c.ReceiveFrom()
		if err != nil {
			return names, err
		}
		for _, m := range msgs {
			d := netlink.NewAttributeDecoder(m.Data[16:])
			for d.Next() {
				if d.Type() == iflaIfname {
					names = append(names, fmt.Sprintf("%s (group %d)", d.String(), src.Group))
				}
			}
		}
	}
	return names, nil
}

// Test a subscriber against a fake broadcaster: the test multicasts as
// the kernel, and injects an overrun, which the subscriber must survive.
func ExampleKernel_Broadcast() {
	k := nltest.NewKernel()
	k.Register(0 /* NETLINK_ROUTE */, nil)
	c, err := k.Dial(0, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		names, err := watchLinks(c, 1)
		fmt.Println(names, err)
		k.InjectOverrun(c)
		names, err = watchLinks(c, 1)
		fmt.Println(names, errors.Is(err, netlink.ErrOverrun))
	}()
	// Announce once the subscriber has joined: until then, Broadcast
	// finds nobody (ESRCH).
	for k.Broadcast(0, rtnlGrpLink, newLink(3, "wlan0")) != nil {
		time.Sleep(time.Millisecond)
	}
	<-done
	// Output:
	// [wlan0 (group 1)] <nil>
	// [] true
}

// A handler fails a request with an extended acknowledgement; with
// Config.Strict (NETLINK_EXT_ACK) the Conn's error carries its message
// and the offset of the offending attribute.
func ExampleExtError() {
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		return &nltest.ExtError{Errno: syscall.EINVAL, Message: "unknown attribute", Offset: 32}
	})
	c, err := k.Dial(0, &netlink.Config{Strict: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	req := newLink(1, "lo")
	req.Header.Flags = netlink.Request // without it, no kernel handler sees the message
	_, err = c.Execute(req)
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		fmt.Println(errors.Is(err, syscall.EINVAL), oe.Message, oe.Offset)
	}
	fmt.Println(err)
	// Output:
	// true unknown attribute 32
	// netlink: execute: invalid argument: unknown attribute (offset 32)
}

// The recorder shows every datagram with its header decoded and its
// payload in hex; Diff compares two recordings.
func ExampleFormat() {
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error { return nil })
	c, err := k.Dial(0, &netlink.Config{PID: 100})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	k.Record()
	c.Execute(netlink.Message{
		Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge, Sequence: 1},
		Data:   []byte{0xca, 0xfe},
	})
	got := k.Datagrams()
	fmt.Print(nltest.Format(got[:1]))
	fmt.Print(nltest.Diff(got[:1], got[:1]) == "")
	// Output:
	// port 100 -> kernel, 20 bytes
	//   {len=18 type=20 flags=request|acknowledge seq=1 pid=100}
	//     0000  ca fe
	// true
}
