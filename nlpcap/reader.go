package nlpcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxRecordLen bounds the records a Reader accepts, whatever the file's
// header declares: 64 MiB.
const MaxRecordLen = 64 << 20

// A Reader reads the records of a netlink capture: the files a Writer
// writes, and those of tcpdump or Wireshark on an nlmon device, in either
// byte order and with micro- or nanosecond timestamps.
type Reader struct {
	r       io.Reader
	order   binary.ByteOrder
	nanos   bool
	snapLen int
	hdr     [recordHeaderLen]byte
	n       int // records read
}

// ErrFormat is wrapped by the errors of a Reader for a file that is not
// a netlink capture or is damaged.
var ErrFormat = errors.New("nlpcap: not a netlink capture")

// NewReader reads the file header from r and returns a Reader of the
// records after it. It fails with an error wrapping ErrFormat unless the
// file is a pcap file of link type LINKTYPE_NETLINK.
func NewReader(r io.Reader) (*Reader, error) {
	var h [fileHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: reading the file header: %v", ErrFormat, err)
	}
	pr := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == magicNanos:
		pr.order, pr.nanos = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == magicNanos:
		pr.order, pr.nanos = binary.BigEndian, true
	case binary.LittleEndian.Uint32(h[:]) == magicMicros:
		pr.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == magicMicros:
		pr.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: magic number %#08x", ErrFormat, binary.BigEndian.Uint32(h[:]))
	}
	if lt := pr.order.Uint32(h[20:]) & 0x0fffffff; lt != LinkTypeNetlink {
		return nil, fmt.Errorf("%w: link type %d, want %d (LINKTYPE_NETLINK)", ErrFormat, lt, LinkTypeNetlink)
	}
	pr.snapLen = int(min(pr.order.Uint32(h[16:]), MaxRecordLen))
	return pr, nil
}

// SnapLen returns the snapshot length the file declares, header
// included, capped at MaxRecordLen.
func (r *Reader) SnapLen() int { return r.snapLen }

// Next reads the next record. It returns io.EOF after the last one, and
// an error wrapping ErrFormat (and io.ErrUnexpectedEOF for a file cut
// short) for a damaged record. Record.Data is a new slice.
func (r *Reader) Next() (Record, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, r.errorf("header: %w", err)
	}
	o := r.order
	sec, frac := o.Uint32(r.hdr[0:]), o.Uint32(r.hdr[4:])
	incl, orig := o.Uint32(r.hdr[8:]), o.Uint32(r.hdr[12:])
	if !r.nanos {
		frac *= 1000
	}
	switch {
	case frac >= 1e9:
		return Record{}, r.errorf("fraction of a second %d out of range", frac)
	case incl > MaxRecordLen:
		return Record{}, r.errorf("%d bytes, more than %d", incl, MaxRecordLen)
	case incl < HeaderLen:
		return Record{}, r.errorf("%d bytes, too short for the %d-byte netlink header", incl, HeaderLen)
	case orig < incl:
		return Record{}, r.errorf("original length %d < captured length %d", orig, incl)
	}
	// Read as the bytes come, so that a damaged length cannot make the
	// Reader allocate more than the file holds.
	b, err := io.ReadAll(io.LimitReader(r.r, int64(incl)))
	if err == nil && len(b) < int(incl) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return Record{}, r.errorf("%d bytes: %w", incl, err)
	}
	if ht := binary.BigEndian.Uint16(b[2:]); ht != HardwareType {
		return Record{}, r.errorf("hardware type %d, want %d (ARPHRD_NETLINK)", ht, HardwareType)
	}
	r.n++
	return Record{
		Time:       time.Unix(int64(sec), int64(frac)),
		PacketType: binary.BigEndian.Uint16(b[0:]),
		Protocol:   int(binary.BigEndian.Uint16(b[14:])),
		Data:       b[HeaderLen:],
		Length:     int(orig) - HeaderLen,
	}, nil
}

// errorf makes the error of record r.n+1.
func (r *Reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: record %d: %w", ErrFormat, r.n+1, fmt.Errorf(format, args...))
}

// ReadAll reads every record of a capture.
func ReadAll(rd io.Reader) ([]Record, error) {
	r, err := NewReader(rd)
	if err != nil {
		return nil, err
	}
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}
