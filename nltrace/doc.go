// Package nltrace logs the netlink traffic of a Conn, decoded, on
// log/slog.
//
// A Tracer is a netlink.Tap: set it as Config.Tap and every datagram the
// Conn sends and receives becomes one log record per message, with the
// message type named by family (RTM_NEWLINK, NLMSG_ERROR, a generic
// netlink family by name), the flags as they hold for that type, the
// sequence number and port, the family header's fields, the attributes
// by name, and errors with their extended acknowledgement, as package
// nldecode decodes them:
//
//	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
//	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Tap: nltrace.New(logger, nil)})
//
// Records are logged at slog.LevelDebug unless Options say otherwise.
// When the logger does not log that level, Observe returns at once and
// allocates nothing: a Tracer may stay configured in production and be
// turned on by changing the handler's level.
//
// One Tracer may serve many Conns at once; it learns the names of the
// generic netlink families their traffic resolves.
package nltrace
