// Command listener is the multicast example of the netlink tutorial this
// library's tests follow (seed 000, "multicast between kernel and user
// space"): any number of listeners subscribe to a multicast group, one
// message is sent to the group, and every listener prints it:
//
//	Waiting for message from kernel
//	Received message payload: Greeting from kernel! (group 1, from port 0)
//
// In the tutorial the kernel module broadcast "Greeting from kernel!" to
// group 1 when it was loaded. Here the kernel side is the nlgo_test module
// in internal/kmod, which broadcasts whatever its BROADCAST request (type
// 0x14) asks, so the same program also plays the trigger. Build and load
// the module (see examples/hello), then, in three terminals:
//
//	go run ./examples/listener -proto 28 -group 1
//	go run ./examples/listener -proto 28 -group 1
//	go run ./examples/listener -proto 28 -group 1 -kernel 'Greeting from kernel!'
//
// By default a listener subscribes the tutorial's way, with the legacy bind
// mask (sockaddr_nl.nl_groups): bit n-1 for group n, so group 3 is the mask
// 4, not 3 (netlink.GroupMask). -join subscribes with NETLINK_ADD_MEMBERSHIP
// instead (Conn.JoinGroup), which is also how groups above 32, which have no
// mask bit, are joined (the module has 64). The module lets unprivileged
// users listen and send; most kernel families need CAP_NET_ADMIN for one or
// the other.
//
// User-space processes can multicast too, on protocols that let them:
// -send sends the text from this process instead of asking the kernel. That
// works on the module's protocol and, with no module at all, on
// NETLINK_USERSOCK (protocol 2), where anyone may send but only root (with
// CAP_NET_ADMIN) may listen; others fail with EPERM:
//
//	sudo go run ./examples/listener -proto 2 -group 3
//	go run ./examples/listener -proto 2 -group 3 -send 'Greeting from user space!'
//
// go run ./internal/vmtest builds this program into its VM, where
// TestIntegrationKmodExamples runs it against the module and on
// NETLINK_USERSOCK.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/nlgo/netlink"
)

// Message types of internal/kmod/nlgo_test.h.
const (
	typeBroadcast netlink.HeaderType = 0x14 // NLGO_MSG_BROADCAST
)

func main() {
	proto := flag.Int("proto", 28, "netlink protocol: the nlgo_test module's (see /sys/module/nlgo_test/parameters/proto), or 2 for NETLINK_USERSOCK")
	group := flag.Uint("group", 1, "multicast group, from 1")
	join := flag.Bool("join", false, "subscribe with JoinGroup instead of the legacy bind mask (always for groups above 32)")
	count := flag.Int("count", 0, "exit after this many messages (0: never)")
	kernel := flag.String("kernel", "", "instead of listening, ask the nlgo_test module to broadcast this text to the group")
	send := flag.String("send", "", "instead of listening, multicast this text to the group (1..32) from this process")
	flag.Parse()

	var err error
	switch {
	case *kernel != "":
		err = askKernel(*proto, uint32(*group), *kernel)
	case *send != "":
		err = sendGroup(*proto, uint32(*group), *send)
	default:
		err = listen(os.Stdout, *proto, uint32(*group), *join, *count)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "listener:", err)
		os.Exit(1)
	}
}

// listen subscribes to group and prints every message that arrives, until
// count messages if count > 0.
func listen(out io.Writer, proto int, group uint32, join bool, count int) error {
	cfg := &netlink.Config{}
	if !join {
		cfg.Groups = netlink.GroupMask(group) // 0 for groups above 32
	}
	c, err := netlink.Dial(proto, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if cfg.Groups == 0 {
		if err := c.JoinGroup(group); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "Waiting for message from kernel")
	for n := 0; count <= 0 || n < count; {
		msgs, src, err := c.ReceiveFrom()
		if errors.Is(err, netlink.ErrOverrun) {
			fmt.Fprintln(out, "Some messages were lost: the receive queue overflowed")
			continue
		}
		if err != nil {
			return err
		}
		for _, m := range msgs {
			fmt.Fprintf(out, "Received message payload: %s (group %d, from port %d)\n",
				bytes.TrimRight(m.Data, "\x00"), src.Group, src.PID)
			n++
		}
	}
	return nil
}

// askKernel has the nlgo_test module broadcast text to group, and waits
// for its acknowledgement.
func askKernel(proto int, group uint32, text string) error {
	c, err := netlink.Dial(proto, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	// struct nlgo_group_req: the group in native byte order, then the data.
	var req []byte
	req = binary.NativeEndian.AppendUint32(req, group)
	req = append(req, text...)
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: typeBroadcast, Flags: netlink.Request | netlink.Acknowledge},
		Data:   req,
	})
	return err
}

// sendGroup multicasts text to group from this process.
//
// The kernel delivers a message sent to groups to the port in the address
// too, here 0, the protocol's kernel socket: the message is no request (no
// NLM_F_REQUEST), so a module's input ignores it. NETLINK_USERSOCK has no
// kernel socket, so there the send reports ECONNREFUSED, for that unicast
// only, after the multicast has been delivered.
func sendGroup(proto int, group uint32, text string) error {
	if netlink.GroupMask(group) == 0 {
		return fmt.Errorf("group %d: user space can only send to groups 1..32, through the legacy mask", group)
	}
	c, err := netlink.Dial(proto, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.SendTo(netlink.Message{Header: netlink.Header{Type: typeBroadcast}, Data: []byte(text)},
		netlink.Addr{Groups: netlink.GroupMask(group)})
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil // no kernel socket; the group got the message
	}
	return err
}
