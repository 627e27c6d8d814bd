//go:build linux

package netlink_test

import (
	"encoding/binary"
	"io"
	"log/slog"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltrace"
	"golang.org/x/sys/unix"
)

type noopTap struct{}

func (noopTap) Observe(*netlink.Datagram) {}

// BenchmarkTap is W1, one link from the host kernel (lo, with
// ExecuteEach), with each kind of tap: none, one that does nothing, a
// Tracer whose logger is off, a capture to io.Discard, and a Tracer
// logging text to io.Discard.
func BenchmarkTap(b *testing.B) {
	pcap, err := nlpcap.NewWriter(io.Discard, nil)
	if err != nil {
		b.Fatal(err)
	}
	taps := []struct {
		name string
		tap  netlink.Tap
	}{
		{"none", nil},
		{"noop", noopTap{}},
		{"tracer-off", nltrace.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)},
		{"pcap", pcap},
		{"tracer-on", nltrace.New(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)},
	}
	ifinfo := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(ifinfo[4:], 1)
	req := netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: ifinfo}
	for _, tt := range taps {
		b.Run(tt.name, func(b *testing.B) {
			c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Tap: tt.tap})
			if err != nil {
				b.Skip(err)
			}
			defer c.Close()
			fn := func(netlink.Message) bool { return true }
			b.ReportAllocs()
			for b.Loop() {
				if err := c.ExecuteEach(req, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
