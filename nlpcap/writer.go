package nlpcap

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sync"
	"time"

	"github.com/nlgo/netlink"
)

// File format constants.
const (
	// LinkTypeNetlink is the pcap link type of netlink captures
	// (LINKTYPE_NETLINK).
	LinkTypeNetlink = 253
	// HardwareType is ARPHRD_NETLINK, the hardware type of every record's
	// header.
	HardwareType = 824
	// HeaderLen is the length of the header before each datagram.
	HeaderLen = 16
	// DefaultSnapLen is the snapshot length a Writer declares unless
	// WriterOptions say otherwise: the largest datagram a Conn reads by
	// default (netlink.DefaultMaxMessageSize).
	DefaultSnapLen = netlink.DefaultMaxMessageSize
)

// Packet types: who sent a datagram, as nlmon marks them.
const (
	PacketUser   uint16 = 6 // PACKET_USER: sent by a user-space socket
	PacketKernel uint16 = 7 // PACKET_KERNEL: sent by the kernel
)

// pcap file magic numbers.
const (
	magicMicros = 0xa1b2c3d4
	magicNanos  = 0xa1b23c4d
)

// fileHeaderLen and recordHeaderLen are the sizes of pcap's headers.
const (
	fileHeaderLen   = 24
	recordHeaderLen = 16
)

// A Record is one datagram of a capture.
type Record struct {
	// Time is when the datagram was sent or read.
	Time time.Time
	// PacketType says who sent the datagram: PacketUser or PacketKernel.
	PacketType uint16
	// Protocol is the netlink protocol family (NETLINK_ROUTE, ...).
	Protocol int
	// Data is the datagram as captured: its first Length bytes at most.
	Data []byte
	// Length is the datagram's full length.
	Length int
}

// WriterOptions configure a Writer. The zero value gives the defaults.
type WriterOptions struct {
	// SnapLen is the longest datagram a record holds whole; longer ones
	// are cut, their full length recorded. 0 means DefaultSnapLen. Make it
	// at least the largest Config.MaxMessageSize of the Conns the Writer
	// serves, so that nothing is cut.
	SnapLen int
}

// A Writer writes a capture. It is safe for concurrent use: each record
// goes to the underlying writer in one Write call, whole.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	snapLen int
	buf     []byte // reused for each record
	err     error
	records int
}

var _ netlink.Tap = (*Writer)(nil)

// NewWriter writes the file header to w and returns a Writer of records
// after it, with opts (nil means defaults).
func NewWriter(w io.Writer, opts *WriterOptions) (*Writer, error) {
	snap := DefaultSnapLen
	if opts != nil && opts.SnapLen > 0 {
		snap = opts.SnapLen
	}
	if snap > math.MaxInt32-HeaderLen {
		return nil, errors.New("nlpcap: snapshot length too large")
	}
	pw := &Writer{w: w, snapLen: snap}
	h := make([]byte, fileHeaderLen)
	o := binary.NativeEndian
	o.PutUint32(h[0:], magicNanos)
	o.PutUint16(h[4:], 2) // version 2.4
	o.PutUint16(h[6:], 4)
	// thiszone and sigfigs stay zero.
	o.PutUint32(h[16:], uint32(snap+HeaderLen))
	o.PutUint32(h[20:], LinkTypeNetlink)
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return pw, nil
}

// Observe writes d as a record, for use as a netlink.Tap. It never fails:
// the first error writing is kept for Err, and later records are dropped.
func (w *Writer) Observe(d *netlink.Datagram) {
	_ = w.WriteDatagram(d)
}

// WriteDatagram writes d as a record: PacketUser when the Conn sent it or
// it came from another user-space port, PacketKernel when the kernel
// (port 0) sent it.
func (w *Writer) WriteDatagram(d *netlink.Datagram) error {
	pt := PacketUser
	if d.Direction == netlink.Received && d.From.PID == 0 {
		pt = PacketKernel
	}
	return w.write(d.Time, pt, d.Family, d.Bytes, d.Length)
}

// WriteRecord writes r; a zero Length means len(r.Data).
func (w *Writer) WriteRecord(r Record) error {
	n := r.Length
	if n == 0 {
		n = len(r.Data)
	}
	return w.write(r.Time, r.PacketType, r.Protocol, r.Data, n)
}

// write writes one record of the datagram b, length n in full.
func (w *Writer) write(t time.Time, pt uint16, proto int, b []byte, n int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if proto < 0 || proto > math.MaxUint16 {
		return errors.New("nlpcap: protocol out of range")
	}
	b = b[:min(len(b), w.snapLen)]
	n = max(n, len(b))
	buf := w.buf[:0]
	buf = binary.NativeEndian.AppendUint32(buf, uint32(t.Unix()))
	buf = binary.NativeEndian.AppendUint32(buf, uint32(t.Nanosecond()))
	buf = binary.NativeEndian.AppendUint32(buf, uint32(HeaderLen+len(b)))
	buf = binary.NativeEndian.AppendUint32(buf, uint32(min(int64(HeaderLen)+int64(n), math.MaxUint32)))
	buf = binary.BigEndian.AppendUint16(buf, pt)
	buf = binary.BigEndian.AppendUint16(buf, HardwareType)
	buf = append(buf, make([]byte, 10)...) // address length 0, 8 bytes of address
	buf = binary.BigEndian.AppendUint16(buf, uint16(proto))
	buf = append(buf, b...)
	w.buf = buf
	if _, err := w.w.Write(buf); err != nil {
		w.err = err
		return err
	}
	w.records++
	return nil
}

// Err returns the first error writing a record, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Records returns how many records were written.
func (w *Writer) Records() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.records
}
