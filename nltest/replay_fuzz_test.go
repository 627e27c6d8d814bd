package nltest

import (
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nlpcap"
)

// FuzzReplay serves a capture of any bytes: a request from user space
// and the kernel's answer. Neither building the Replay, nor matching the
// request sent again, nor rewriting the answer may panic. The seed corpus
// in testdata/fuzz holds a dump and an error exchange of a 6.18 kernel.
func FuzzReplay(f *testing.F) {
	f.Add([]byte{}, []byte{})
	req := []byte{20, 0, 0, 0, 18, 0, 1, 3, 7, 0, 0, 0, 9, 0, 0, 0, 1, 2, 3, 4}
	f.Add(req, []byte{36, 0, 0, 0, 2, 0, 0, 1, 7, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 18, 0, 1, 3, 7, 0, 0, 0, 9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, sent, answer []byte) {
		rp, err := ReplayRecords([]nlpcap.Record{
			{PacketType: nlpcap.PacketUser, Data: sent, Length: len(sent)},
			{PacketType: nlpcap.PacketKernel, Data: answer, Length: len(answer)},
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := rp.Dial(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for m, err := range netlink.Messages(sent) {
			if err != nil {
				break
			}
			// A reply that never comes would block Execute: send and
			// read what is queued.
			m.Header.Flags |= netlink.Request
			if _, err := c.Send(m); err != nil {
				t.Fatal(err)
			}
			break
		}
		_ = rewrite(answer, netlink.Header{Sequence: 7, PID: 9}, 1, 2)
	})
}
