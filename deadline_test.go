package netlink_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// TestReadDeadlineReachesEveryWaiter holds SetReadDeadline's promise: when
// the deadline passes, every call waiting for a reply or a datagram fails,
// the one reading the socket and those waiting for it alike.
func TestReadDeadlineReachesEveryWaiter(t *testing.T) {
	c := nltest.Dial(func([]netlink.Message) ([]netlink.Message, error) { return nil, nil }) // answers nothing
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	const callers = 4
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			if i%2 == 0 {
				_, err := c.Receive()
				errs <- err
				return
			}
			_, err := c.Execute(netlink.Message{Header: netlink.Header{Type: 0x10, Flags: netlink.Request}})
			errs <- err
		}()
	}
	timeout := time.After(5 * time.Second)
	for range callers {
		select {
		case err := <-errs:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("a waiting call returned %v, want an error matching os.ErrDeadlineExceeded", err)
			}
		case <-timeout:
			t.Fatal("a waiting call did not return within 5 s of a 100 ms deadline")
		}
	}
	// Clearing the deadline makes the Conn usable again.
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
}
