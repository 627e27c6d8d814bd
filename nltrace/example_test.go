package nltrace_test

import (
	"encoding/binary"
	"log"
	"log/slog"
	"os"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
	"github.com/nlgo/netlink/nltrace"
)

// A Tracer on a Conn logs each message it sends and receives, decoded:
// here a request to nltest's fake kernel that fails with an extended
// acknowledgement. On Linux the same Tap traces the real kernel.
func ExampleTracer() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // for a stable output
			}
			return a
		},
	}))
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		return &nltest.ExtError{Errno: syscall.ENODEV, Message: "no such device"}
	})
	c, err := k.Dial(0, &netlink.Config{PID: 100, Strict: true, Tap: nltrace.New(logger, nil)})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// RTM_NEWADDR: an ifaddrmsg (AF_INET, /24, interface 9), then
	// IFA_LOCAL; integers in native byte order, as the kernel reads them.
	e := netlink.NewAttributeEncoder()
	e.Reset(binary.NativeEndian.AppendUint32([]byte{2, 24, 0, 0}, 9))
	e.Bytes(2, []byte{192, 0, 2, 1})
	data, err := e.Encode()
	if err != nil {
		log.Fatal(err)
	}
	c.Execute(netlink.Message{
		Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge | netlink.Create, Sequence: 1},
		Data:   data,
	})
	// Output:
	// level=DEBUG msg="netlink sent" proto=route port=100 peer=0 type=RTM_NEWADDR flags=request|acknowledge|create seq=1 pid=100 len=32 ifaddrmsg.family=inet ifaddrmsg.prefixlen=24 ifaddrmsg.flags=0 ifaddrmsg.scope=global ifaddrmsg.index=9 attrs.local=192.0.2.1
	// level=DEBUG msg="netlink received" proto=route port=100 peer=0 type=NLMSG_ERROR flags=ack-tlvs seq=1 pid=100 len=72 ack.code=-19 ack.errno=ENODEV ack.msg="no such device" ack.request.type=RTM_NEWADDR ack.request.flags=request|acknowledge|create ack.request.seq=1 ack.request.pid=100 ack.request.len=32 ack.request.ifaddrmsg.family=inet ack.request.ifaddrmsg.prefixlen=24 ack.request.ifaddrmsg.flags=0 ack.request.ifaddrmsg.scope=global ack.request.ifaddrmsg.index=9 ack.request.attrs.local=192.0.2.1
}
