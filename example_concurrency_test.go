package netlink_test

import (
	"fmt"
	"log"
	"sort"
	"sync"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// One Conn carries requests from several goroutines and a stream of
// notifications at once: each Execute gets its own reply, and the
// notification that each request causes reaches Receive, never an Execute.
func ExampleConn_concurrent() {
	const proto, group = 31, 1
	k := nltest.NewKernel()
	// A kernel side that answers each request by echoing its payload, and
	// tells the group about it.
	k.Register(proto, func(r *nltest.Request) error {
		note := netlink.Message{Header: netlink.Header{Type: 0x21}, Data: r.Message.Data}
		if err := k.Broadcast(proto, group, note); err != nil {
			return err
		}
		return r.Reply(netlink.Message{Header: netlink.Header{Type: 0x20}, Data: r.Message.Data})
	}, nltest.Groups(1))
	c, err := k.Dial(proto, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(group); err != nil {
		log.Fatal(err)
	}

	var wg sync.WaitGroup
	replies := make([]string, 3)
	for i, name := range []string{"eth0", "eth1", "eth2"} {
		wg.Go(func() {
			msgs, err := c.Execute(netlink.Message{Header: netlink.Header{Type: 0x10, Flags: netlink.Request}, Data: []byte(name)})
			if err != nil {
				log.Fatal(err)
			}
			replies[i] = string(msgs[0].Data)
		})
	}
	var notes []string
	for range 3 {
		msgs, src, err := c.ReceiveFrom()
		if err != nil {
			log.Fatal(err)
		}
		notes = append(notes, fmt.Sprintf("%s from group %d", msgs[0].Data, src.Group))
	}
	wg.Wait()
	sort.Strings(notes)
	fmt.Println("replies:", replies)
	fmt.Println("notifications:", notes)
	// Output:
	// replies: [eth0 eth1 eth2]
	// notifications: [eth0 from group 1 eth1 from group 1 eth2 from group 1]
}
