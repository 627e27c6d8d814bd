package nltest_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltest"
)

// Record once, replay forever: a capture of a program's exchanges (here
// with a fake kernel standing in for the real one, which a capture on
// Linux records the same way) answers the same requests later, with
// sequence numbers and ports of the new Conn; a request it does not hold
// fails with a diff.
func ExampleReplay() {
	// Recording: an nlpcap.Writer as the Conn's Tap.
	var capture bytes.Buffer // a file in testdata in real use
	w, err := nlpcap.NewWriter(&capture, nil)
	if err != nil {
		log.Fatal(err)
	}
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		return r.Dump([]netlink.Message{{Header: netlink.Header{Type: 16}, Data: []byte("a link")}})
	})
	live, err := k.Dial(0, &netlink.Config{Tap: w})
	if err != nil {
		log.Fatal(err)
	}
	dump := netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request | netlink.Dump}} // RTM_GETLINK
	if _, err := live.Execute(dump); err != nil {
		log.Fatal(err)
	}
	live.Close()

	// Replaying.
	rp, err := nltest.NewReplay(&capture)
	if err != nil {
		log.Fatal(err)
	}
	c, err := rp.Dial(0, &netlink.Config{PID: 77})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dump.Header.Sequence = 5
	msgs, err := c.Execute(dump)
	fmt.Println(len(msgs), msgs[0].Header, string(msgs[0].Data), err)

	dump.Data = []byte{10} // not what was recorded
	_, err = c.Execute(dump)
	fmt.Println(err)
	// Output:
	// 1 {len=22 type=16 flags=multi seq=5 pid=77} a link <nil>
	// netlink: execute: nltest: replay: no recorded request of family 0 matches {len=17 type=18 flags=request|dump seq=5 pid=77}; the nearest recorded one (-want +got):
	// -RTM_GETLINK len=16 flags=request|dump seq=0 pid=0
	// +RTM_GETLINK len=17 flags=request|dump seq=0 pid=0
	// +  ifinfomsg: family=inet6
}
