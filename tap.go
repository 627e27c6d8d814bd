package netlink

import (
	"strconv"
	"time"
)

// A Tap observes every datagram a Conn sends and receives, as it crosses
// the socket: sent datagrams after their headers are filled in, received
// ones before they are routed. Set it with Config.Tap; it works the same
// on a Dial'ed socket and on any other Socket, nltest's fake included.
//
// Observe is called on the goroutine that sends or reads, with no lock of
// the Conn held, and must not block for long: reads wait for it. d and
// d.Bytes belong to the Conn and are valid only until Observe returns
// (showing them allocates nothing); copy what it keeps. A Tap shared among
// Conns must be safe for concurrent use.
type Tap interface {
	Observe(d *Datagram)
}

// A Direction says which way a datagram went.
type Direction uint8

// Directions of a Datagram.
const (
	Sent     Direction = iota + 1 // written by the Conn
	Received                      // read by the Conn
)

// String returns "sent" or "received".
func (d Direction) String() string {
	switch d {
	case Sent:
		return "sent"
	case Received:
		return "received"
	}
	return "direction(" + strconv.Itoa(int(d)) + ")"
}

// A Datagram is one datagram a Tap observes.
type Datagram struct {
	Direction Direction
	// Family is the Conn's protocol family (NETLINK_ROUTE, ...).
	Family int
	// Port is the Conn's own port ID.
	Port uint32
	// To is where a sent datagram went; zero for a received one.
	To Addr
	// From is where a received datagram came from, its group included;
	// zero for a sent one.
	From Source
	// Time is when the datagram was sent or read.
	Time time.Time
	// Bytes is the datagram as it crossed the socket. For a received
	// datagram over the Conn's size limit it is the part that fitted, and
	// Length says how long it was.
	Bytes []byte
	// Length is the datagram's full length: len(Bytes) unless it was cut.
	Length int
}

// tapSent reports a sent datagram to the Conn's tap. The Datagram lives
// in the exchange of the call, so that the tap costs no allocation.
func (c *Conn) tapSent(x *exchange, b []byte, to Addr) {
	x.tapd = Datagram{Direction: Sent, Family: c.family, Port: c.s.PID(), To: to, Time: time.Now(), Bytes: b, Length: len(b)}
	c.tap.Observe(&x.tapd)
	x.tapd = Datagram{}
}

// tapReceived reports a received datagram of n bytes, of which b holds
// what fitted, to the Conn's tap.
func (c *Conn) tapReceived(x *exchange, b []byte, n int, from Source) {
	x.tapd = Datagram{Direction: Received, Family: c.family, Port: c.s.PID(), From: from, Time: time.Now(), Bytes: b, Length: n}
	c.tap.Observe(&x.tapd)
	x.tapd = Datagram{}
}
