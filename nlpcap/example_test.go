package nlpcap_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nldecode"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltest"
)

// A Writer as a Conn's Tap captures every datagram, here of an exchange
// with nltest's fake kernel; on Linux the same code captures the real
// kernel's. The file opens in Wireshark (tshark -r FILE -V).
func ExampleWriter() {
	var file bytes.Buffer // an *os.File in real use
	w, err := nlpcap.NewWriter(&file, nil)
	if err != nil {
		log.Fatal(err)
	}
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error { return nil }) // acknowledges
	c, err := k.Dial(0, &netlink.Config{Tap: w})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Execute(netlink.Message{
		Header: netlink.Header{Type: 18, Flags: netlink.Request | netlink.Acknowledge, Sequence: 1}, // RTM_GETLINK
		Data:   make([]byte, 16),
	})

	recs, err := nlpcap.ReadAll(&file)
	if err != nil {
		log.Fatal(err)
	}
	var d nldecode.Decoder
	for _, r := range recs {
		for _, m := range d.Decode(r.Protocol, r.Data) {
			fmt.Printf("packet type %d, protocol %d: %s\n", r.PacketType, r.Protocol, m.Summary())
		}
	}
	// Output:
	// packet type 6, protocol 0: RTM_GETLINK len=32 flags=request|acknowledge seq=1 pid=4294963200
	// packet type 7, protocol 0: NLMSG_ERROR len=36 flags=capped seq=1 pid=4294963200
}

// Families resolved before the capture started are written first, so
// that Wireshark names their messages.
func ExampleWriter_WriteFamilies() {
	var file bytes.Buffer
	w, err := nlpcap.NewWriter(&file, nil)
	if err != nil {
		log.Fatal(err)
	}
	// In real use: w.WriteFamilies(conn.CachedFamilies()...)
	err = w.WriteFamilies(genetlink.Family{ID: 0x15, Name: "ethtool", Version: 1})
	if err != nil {
		log.Fatal(err)
	}
	recs, err := nlpcap.ReadAll(&file)
	if err != nil {
		log.Fatal(err)
	}
	var d nldecode.Decoder
	fmt.Print(nldecode.Text(d.Decode(recs[0].Protocol, recs[0].Data)))
	name, _ := d.FamilyName(0x15)
	fmt.Println("learnt:", name)
	// Output:
	// nlctrl len=64 flags=0 seq=0 pid=0
	//   genlmsghdr: cmd=CTRL_CMD_NEWFAMILY version=2
	//   2 family_name: "ethtool"
	//   1 family_id: 21
	//   3 version: 1
	//   4 hdrsize: 0
	//   5 maxattr: 0
	// learnt: ethtool
}
