// Command hello is the first example of the netlink tutorial this library's
// tests follow (seed 000, "kernel and user space, one way"): a program binds a
// netlink socket with its process id as the port (the tutorial's formula 1,
// nl_pid = getpid()), sends "Hello you!" to the kernel, and prints what the
// kernel module sends back:
//
//	Received message payload: Hello you!
//
// The tutorial's module echoed the first message it got; here the kernel
// side is the nlgo_test module in internal/kmod, whose ECHO message (type
// 0x10) returns its payload to the sender. Unlike the tutorial's raw C, the
// request carries NLM_F_REQUEST: modules that, like nlgo_test, hand their
// input to the kernel's netlink_rcv_skb ignore messages without it.
//
// Build and load the module, then run the example (no root needed: the
// module lets anyone talk to it):
//
//	make -C internal/kmod            # needs the headers of the running kernel
//	sudo insmod internal/kmod/nlgo_test.ko proto=17   # the tutorial's NETLINK_TEST; default 28
//	go run ./examples/hello -proto 17
//
// Without the module, the protocol does not exist and the program fails
// with EPROTONOSUPPORT. NETLINK_USERSOCK (protocol 2), which exists without
// any module, has no kernel side to answer: sending to the kernel there
// fails with ECONNREFUSED, so use examples/ipc, whose server is another
// process, for that protocol.
//
// go run ./internal/vmtest builds this program into its VM, where
// TestIntegrationKmodExamples runs it against the module.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nlgo/netlink"
)

// typeEcho is NLGO_MSG_ECHO of internal/kmod/nlgo_test.h.
const typeEcho netlink.HeaderType = 0x10

func main() {
	proto := flag.Int("proto", 28, "netlink protocol of the nlgo_test module (see /sys/module/nlgo_test/parameters/proto)")
	text := flag.String("msg", "Hello you!", "text to send")
	port := flag.Uint("port", uint(os.Getpid()), "port to bind; the default is the tutorial's nl_pid = getpid()")
	flag.Parse()
	if err := hello(os.Stdout, *proto, uint32(*port), *text); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

// hello sends text to the kernel and prints the reply.
func hello(out io.Writer, proto int, port uint32, text string) error {
	c, err := netlink.Dial(proto, &netlink.Config{PID: port})
	if err != nil {
		return err
	}
	defer c.Close()
	// A kernel that does not answer should not hang the program.
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	replies, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: typeEcho, Flags: netlink.Request},
		Data:   append([]byte(text), 0), // a C string, as strcpy left it
	})
	if err != nil {
		return err
	}
	for _, m := range replies {
		fmt.Fprintf(out, "Received message payload: %s\n", bytes.TrimRight(m.Data, "\x00"))
	}
	return nil
}
