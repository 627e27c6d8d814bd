// Package nlpcap writes and reads netlink captures in the classic pcap
// file format, which Wireshark and tshark open and decode.
//
// A Writer is a netlink.Tap: set it as Config.Tap and every datagram the
// Conn sends and receives becomes one record of the file, as an nlmon
// device would capture it, without root, a kernel module or a device:
//
//	f, err := os.Create("trace.pcap")
//	w, err := nlpcap.NewWriter(f, nil)
//	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Tap: w})
//	... // use c
//	err = w.Err() // the first error writing, if any
//
// One Writer may serve any number of Conns at once, of any families: each
// record carries its family.
//
// # Format
//
// The file has link type LINKTYPE_NETLINK (253) and nanosecond
// timestamps. Each record is one datagram after a 16-byte header, the
// layout of a Linux "cooked" capture (LINKTYPE_LINUX_SLL) that Wireshark's
// netlink dissector reads: the packet type (2 bytes, big-endian:
// PacketUser for what user space sent, PacketKernel for what the kernel
// sent), the hardware type ARPHRD_NETLINK (824, 2 bytes, big-endian;
// Wireshark decodes nothing without it), an address length of 0 and 8
// bytes of zero address, then the netlink protocol (2 bytes, big-endian:
// 0 route, 4 sock_diag, 12 netfilter, 16 generic ...). The datagram
// follows in the host's byte order, as it crossed the socket.
//
// # Generic netlink family names
//
// Generic netlink messages carry a family's id, which the kernel assigns;
// Wireshark names a family only after an nlctrl message in the same file
// told it the id (a reply to CTRL_CMD_GETFAMILY, or an announcement).
// A program that resolved its families before the capture started would
// leave them unnamed: WriteFamilies writes a CTRL_CMD_NEWFAMILY record
// for each, as the kernel would describe it, so that every generic
// message in the file is named. genetlink.Conn.CachedFamilies lists the
// families a Conn has resolved.
//
// A Reader reads such files back, and package nltest replays them.
package nlpcap
