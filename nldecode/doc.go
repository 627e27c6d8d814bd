// Package nldecode decodes netlink messages for people: for traces, logs,
// captures and command-line tools, not for programs that act on the
// messages (they parse with netlink.AttributeDecoder).
//
// A Decoder turns a datagram of a protocol family into Messages: the
// message type named by family (RTM_NEWLINK, NLMSG_ERROR, a generic
// netlink family by its name), the header flags named as they hold for
// that type (a GET request's "dump", a NEW request's "create|excl", an
// acknowledgement's "capped|ack-tlvs"), the family header decoded field by
// field (ifinfomsg, ifaddrmsg, rtmsg, ndmsg, fib_rule_hdr, tcmsg, nhmsg,
// genlmsghdr ...), and the attributes as a tree, each with its name and
// its value as what it is: addresses as addresses, link-layer addresses
// as such, integers in the byte order the kernel uses, named values and
// flags by name, structs field by field. Attributes the tables do not
// describe are guessed from their bytes (nests, strings, integers). Acks
// carry their errno by name, the request the kernel echoed, decoded, the
// extended-ack TLVs, and the attribute the extended ack's offset points
// at.
//
// Messages print as indented text (Message.String) and encode to JSON.
// Package nltrace logs them on log/slog; cmd/nl's dump prints them.
//
// # What the decoder knows
//
// rtnetlink (NETLINK_ROUTE) in full for links (with the data of vlan,
// veth, vrf, macvlan, ipvlan, vxlan and bridge links), addresses, routes
// (metrics, next hops, via), neighbours, rules, traffic control, netconf,
// namespace ids and next hops, and the family headers of every other
// message type; generic netlink's controller, nlctrl, in full, and the
// genlmsghdr of every family, named once the decoder has seen the
// controller describe it or was told (AddFamily); for other families, the
// control messages. AddSchema adds the names of a family generated from
// the kernel's YAML specs (package family): a generic family's attributes
// decode as its spec describes them; rt-link's, rt-addr's and rt-route's
// take the spec's names ("num-tx-queues" for num_tx_queues) while the
// package's tables keep decoding what they know of their values. The tables hold the kernel's ABI written out, so the
// package builds and decodes the same on every platform; on Linux the
// tests check them against golang.org/x/sys/unix.
//
// Decoding allocates: it is for when a person will read the result. Every
// length from the wire is checked; no input makes it panic.
package nldecode
