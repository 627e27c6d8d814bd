// Command ipc is the user-space client and server of the netlink tutorial
// this library's tests follow (seed 003, "netlink as IPC"): netlink between
// two processes, no kernel code in the exchange. The server binds a
// well-known port (the tutorial's 100) and answers every request; the
// client sends "Hello World!" to that port and prints the answer:
//
//	$ ipc -server                    # terminal 1
//	server listening on port 100, protocol 28
//	server received "Hello World!" from port 101 (seq 2094878313)
//	$ ipc -client -port 101          # terminal 2
//	Received message payload: How are you,downey!
//
// Messages between user-space ports need a protocol that allows them:
// NL_CFG_F_NONROOT_SEND lets unprivileged processes send to other ports.
// The tutorial registered its own protocol (28) from a kernel module; the
// nlgo_test module in internal/kmod does the same (see examples/hello to
// build and load it). Without any module, NETLINK_USERSOCK (protocol 2)
// exists for exactly this:
//
//	go run ./examples/ipc -server -proto 2
//	go run ./examples/ipc -client -proto 2
//
// The client is a Conn whose Config.Peer is the server's port: Execute
// sends the request there and accepts only the server's reply, one carrying
// the request's sequence number and coming, as the kernel reports it, from
// the server's port. Anyone else's message with that sequence number is set
// aside, not taken for the reply.
//
// go run ./internal/vmtest builds this program into its VM, where
// TestIntegrationKmodExamples runs it on the module's protocol and on
// NETLINK_USERSOCK.
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

// typeRequest is the message type of the exchange: any type from
// netlink.MinType up will do between user-space peers.
const typeRequest = netlink.MinType + 0x20

func main() {
	proto := flag.Int("proto", 28, "netlink protocol: the nlgo_test module's (see /sys/module/nlgo_test/parameters/proto), or 2 for NETLINK_USERSOCK")
	server := flag.Bool("server", false, "run the server")
	client := flag.Bool("client", false, "run the client")
	port := flag.Uint("port", 0, "port to bind (0: the kernel picks one; the server defaults to 100, as in the tutorial)")
	peer := flag.Uint("peer", 100, "client: the server's port")
	text := flag.String("msg", "Hello World!", "client: the request")
	reply := flag.String("reply", "How are you,downey!", "server: the answer")
	count := flag.Int("count", 0, "server: exit after answering this many requests (0: never)")
	flag.Parse()

	var err error
	switch {
	case *server == *client:
		fmt.Fprintln(os.Stderr, "ipc: give exactly one of -server and -client")
		flag.Usage()
		os.Exit(2)
	case *server:
		p := uint32(*port)
		if !isSet("port") {
			p = 100
		}
		err = serve(os.Stdout, *proto, p, *reply, *count)
	default:
		err = ask(os.Stdout, *proto, uint32(*port), uint32(*peer), *text)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ipc:", err)
		os.Exit(1)
	}
}

// isSet reports whether the flag was given on the command line.
func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// serve answers requests on port with reply, until count of them if
// count > 0.
func serve(out io.Writer, proto int, port uint32, reply string, count int) error {
	c, err := netlink.Dial(proto, &netlink.Config{PID: port})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(out, "server listening on port %d, protocol %d\n", c.PID(), proto)
	for n := 0; count <= 0 || n < count; {
		msgs, src, err := c.ReceiveFrom()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			fmt.Fprintf(out, "server received %q from port %d (seq %d)\n",
				bytes.TrimRight(m.Data, "\x00"), src.PID, m.Header.Sequence)
			// The answer goes to the port the kernel says the request came
			// from, with the request's sequence number: that is what makes
			// it the answer.
			answer := netlink.Message{
				Header: netlink.Header{Type: m.Header.Type, Sequence: m.Header.Sequence},
				Data:   append([]byte(reply), 0),
			}
			if _, err := c.SendTo(answer, netlink.Addr{PID: src.PID}); err != nil {
				return err
			}
			n++
		}
	}
	return nil
}

// ask sends text to the server at peer and prints its answer.
func ask(out io.Writer, proto int, port, peer uint32, text string) error {
	c, err := netlink.Dial(proto, &netlink.Config{PID: port, Peer: peer})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	replies, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: typeRequest, Flags: netlink.Request},
		Data:   append([]byte(text), 0),
	})
	if err != nil {
		return err
	}
	for _, m := range replies {
		fmt.Fprintf(out, "Received message payload: %s\n", bytes.TrimRight(m.Data, "\x00"))
	}
	return nil
}
