//go:build linux

package netlink

import (
	"fmt"
	"testing"
)

// TestIntegrationExecuteSuccessAllocs holds the success path of Execute to
// the allocations it had before an error could keep the request: the
// request copy and the attribute paths are made on the error path only.
// Each case runs on a socket with extended acknowledgements on, as well as
// off, and asks for an acknowledgement too, so that the ack's parse, where
// the extended ack is read, is on the path measured.
func TestIntegrationExecuteSuccessAllocs(t *testing.T) {
	getLink := benchGetLinkRequest()
	getLinkAck := getLink
	getLinkAck.Header.Flags |= Acknowledge
	dump := Message{Header: Header{Type: 22 /* RTM_GETADDR */, Flags: Request | Dump}, Data: make([]byte, 8)}
	each := func(Message) bool { return true }
	tests := []struct {
		name string
		run  func(c *Conn) error
		want float64
	}{
		{name: "Execute", want: 2, run: func(c *Conn) error { return check(c.Execute(getLink)) }},
		{name: "Execute with an ack", want: 2, run: func(c *Conn) error { return check(c.Execute(getLinkAck)) }},
		{name: "Execute of a dump", want: 2, run: func(c *Conn) error { return check(c.Execute(dump)) }},
		{name: "ExecuteEach with an ack", want: 0, run: func(c *Conn) error { return c.ExecuteEach(getLinkAck, each) }},
		{name: "ExecuteEach of a dump", want: 0, run: func(c *Conn) error { return c.ExecuteEach(dump, each) }},
	}
	for _, extAck := range []bool{false, true} {
		c, err := Dial(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.SetOption(ExtendedAcknowledge, extAck); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/extack=%v", tt.name, extAck), func(t *testing.T) {
				if err := tt.run(c); err != nil {
					t.Fatal(err)
				}
				n := testing.AllocsPerRun(50, func() {
					if err := tt.run(c); err != nil {
						panic(err)
					}
				})
				if n != tt.want {
					t.Errorf("%v allocations per call, want %v", n, tt.want)
				}
			})
		}
	}
}

// check turns an Execute's result into its error, or an error for no
// replies.
func check(msgs []Message, err error) error {
	if err == nil && len(msgs) == 0 {
		return fmt.Errorf("no replies")
	}
	return err
}
