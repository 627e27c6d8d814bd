package nlpcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nldecode"
)

// capture writes recs with a Writer of opts and returns the file.
func capture(t *testing.T, opts *WriterOptions, recs ...Record) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if w.Records() != len(recs) {
		t.Errorf("Records() = %d, want %d", w.Records(), len(recs))
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	tests := []struct {
		name string
		opts *WriterOptions
		in   []Record
		want []Record
	}{
		{"none", nil, nil, nil},
		{
			name: "families, packet types, nanoseconds",
			in: []Record{
				{Time: at, PacketType: PacketUser, Protocol: 0, Data: []byte{1, 2, 3, 4}},
				{Time: at.Add(time.Nanosecond), PacketType: PacketKernel, Protocol: 16, Data: []byte{5}},
				{Time: at.Add(time.Second), PacketType: PacketUser, Protocol: 31, Data: []byte{}},
			},
			want: []Record{
				{Time: at, PacketType: PacketUser, Protocol: 0, Data: []byte{1, 2, 3, 4}, Length: 4},
				{Time: at.Add(time.Nanosecond), PacketType: PacketKernel, Protocol: 16, Data: []byte{5}, Length: 1},
				{Time: at.Add(time.Second), PacketType: PacketUser, Protocol: 31, Data: []byte{}, Length: 0},
			},
		},
		{
			name: "cut to the snapshot length, and cut before",
			opts: &WriterOptions{SnapLen: 3},
			in: []Record{
				{Time: at, PacketType: PacketKernel, Data: []byte{1, 2, 3, 4, 5}},
				{Time: at, PacketType: PacketKernel, Data: []byte{1, 2}, Length: 9000},
			},
			want: []Record{
				{Time: at, PacketType: PacketKernel, Data: []byte{1, 2, 3}, Length: 5},
				{Time: at, PacketType: PacketKernel, Data: []byte{1, 2}, Length: 9000},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := capture(t, tt.opts, tt.in...)
			got, err := ReadAll(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records read back (-want +got):\n%s", diff)
			}
			r, _ := NewReader(bytes.NewReader(file))
			snap := DefaultSnapLen
			if tt.opts != nil {
				snap = tt.opts.SnapLen
			}
			if r.SnapLen() != snap+HeaderLen {
				t.Errorf("SnapLen() = %d, want %d", r.SnapLen(), snap+HeaderLen)
			}
		})
	}
}

// The layout of the file, byte by byte, as the issue and Wireshark's
// netlink dissector want it.
func TestLayout(t *testing.T) {
	file := capture(t, nil, Record{Time: time.Unix(5, 6), PacketType: PacketKernel, Protocol: 16, Data: []byte{0xaa, 0xbb}})
	o := binary.NativeEndian
	want := []byte{}
	want = o.AppendUint32(want, 0xa1b23c4d) // nanosecond pcap
	want = o.AppendUint16(want, 2)
	want = o.AppendUint16(want, 4)
	want = append(want, make([]byte, 8)...)                       // thiszone, sigfigs
	want = o.AppendUint32(want, uint32(DefaultSnapLen+HeaderLen)) // snaplen
	want = o.AppendUint32(want, 253)                              // LINKTYPE_NETLINK
	want = o.AppendUint32(want, 5)                                // seconds
	want = o.AppendUint32(want, 6)                                // nanoseconds
	want = o.AppendUint32(want, 18)                               // captured
	want = o.AppendUint32(want, 18)                               // on the wire
	want = append(want, 0, 7, 0x03, 0x38, 0, 0)                   // PACKET_KERNEL, ARPHRD_NETLINK, no address
	want = append(want, make([]byte, 8)...)
	want = append(want, 0, 16, 0xaa, 0xbb) // NETLINK_GENERIC, the datagram
	if diff := cmp.Diff(want, file); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
}

func TestWriteDatagram(t *testing.T) {
	at := time.Unix(9, 0)
	tests := []struct {
		name string
		d    netlink.Datagram
		want Record
	}{
		{"sent", netlink.Datagram{Direction: netlink.Sent, Family: 0, Time: at, Bytes: []byte{1}, Length: 1},
			Record{Time: at, PacketType: PacketUser, Protocol: 0, Data: []byte{1}, Length: 1}},
		{"from the kernel", netlink.Datagram{Direction: netlink.Received, Family: 16, Time: at, Bytes: []byte{2}, Length: 1},
			Record{Time: at, PacketType: PacketKernel, Protocol: 16, Data: []byte{2}, Length: 1}},
		{"from another port", netlink.Datagram{Direction: netlink.Received, Family: 2, From: netlink.Source{PID: 77, Group: 1}, Time: at, Bytes: []byte{3}, Length: 1},
			Record{Time: at, PacketType: PacketUser, Protocol: 2, Data: []byte{3}, Length: 1}},
		{"over the Conn's size limit", netlink.Datagram{Direction: netlink.Received, Family: 0, Time: at, Bytes: []byte{4, 4}, Length: 70000},
			Record{Time: at, PacketType: PacketKernel, Protocol: 0, Data: []byte{4, 4}, Length: 70000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, nil)
			if err != nil {
				t.Fatal(err)
			}
			w.Observe(&tt.d)
			got, err := ReadAll(&b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Record{tt.want}, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

// failWriter fails every write after the first n.
type failWriter struct{ n int }

var errBroken = errors.New("broken")

func (f *failWriter) Write(b []byte) (int, error) {
	if f.n == 0 {
		return 0, errBroken
	}
	f.n--
	return len(b), nil
}

func TestWriterErrors(t *testing.T) {
	if _, err := NewWriter(&failWriter{}, nil); !errors.Is(err, errBroken) {
		t.Errorf("NewWriter on a broken writer: %v, want its error", err)
	}
	w, err := NewWriter(&failWriter{n: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &netlink.Datagram{Direction: netlink.Sent, Bytes: []byte{1}, Length: 1}
	w.Observe(d) // written
	w.Observe(d) // fails
	w.Observe(d) // dropped
	if !errors.Is(w.Err(), errBroken) || w.Records() != 1 {
		t.Errorf("after a failed write: Err() = %v, Records() = %d; want the error and 1 record", w.Err(), w.Records())
	}
	if err := w.WriteRecord(Record{Protocol: 70000}); !errors.Is(err, errBroken) {
		t.Errorf("WriteRecord after a failure: %v, want the first error", err)
	}
	w2, _ := NewWriter(io.Discard, nil)
	if err := w2.WriteRecord(Record{Protocol: 70000}); err == nil {
		t.Error("a protocol over 16 bits was written")
	}
}

// One Writer shared by goroutines writes every record whole.
func TestWriterConcurrent(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, nil)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			data := bytes.Repeat([]byte{byte(g)}, 10+g)
			for range each {
				w.Observe(&netlink.Datagram{Direction: netlink.Sent, Family: g, Time: time.Now(), Bytes: data, Length: len(data)})
			}
		})
	}
	wg.Wait()
	recs, err := ReadAll(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != writers*each {
		t.Fatalf("%d records, want %d", len(recs), writers*each)
	}
	for _, r := range recs {
		if len(r.Data) != 10+r.Protocol || !bytes.Equal(r.Data, bytes.Repeat([]byte{byte(r.Protocol)}, len(r.Data))) {
			t.Fatalf("record %+v mixes writers", r)
		}
	}
}

// A Writer as a Tap allocates nothing per datagram once its buffer has
// grown.
func TestWriterAllocs(t *testing.T) {
	w, err := NewWriter(io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &netlink.Datagram{Direction: netlink.Received, Time: time.Now(), Bytes: make([]byte, 1500), Length: 1500}
	w.Observe(d)
	if n := testing.AllocsPerRun(100, func() { w.Observe(d) }); n != 0 {
		t.Errorf("Observe allocates %v times a datagram, want 0", n)
	}
}

func TestReaderErrors(t *testing.T) {
	good := capture(t, nil, Record{PacketType: PacketUser, Data: []byte{1, 2, 3}})
	o := binary.NativeEndian
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		o.PutUint32(b[off:], v)
		return b
	}
	hatype := bytes.Clone(good)
	hatype[fileHeaderLen+recordHeaderLen+3] = 1
	tests := []struct {
		name string
		in   []byte
		eof  bool // wrapping io.ErrUnexpectedEOF
	}{
		{"empty", nil, false},
		{"short file header", good[:10], false},
		{"bad magic", patch(0, 0x12345678), false},
		{"not netlink", patch(20, 1), false},
		{"short record header", good[:fileHeaderLen+5], true},
		{"record too long", patch(fileHeaderLen+8, MaxRecordLen+1), false},
		{"record shorter than its netlink header", patch(fileHeaderLen+8, 15), false},
		{"original shorter than captured", patch(fileHeaderLen+12, 3), false},
		{"nanoseconds out of range", patch(fileHeaderLen+4, 1e9), false},
		{"record cut short", good[:len(good)-1], true},
		{"not ARPHRD_NETLINK", hatype, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadAll(bytes.NewReader(tt.in))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("ReadAll: %v, want an error matching ErrFormat", err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) != tt.eof {
				t.Errorf("ReadAll: %v: matching io.ErrUnexpectedEOF is %v, want %v", err, !tt.eof, tt.eof)
			}
		})
	}
}

// Files of tcpdump and other writers: microseconds, the other byte order.
func TestReaderForeign(t *testing.T) {
	for _, order := range []binary.AppendByteOrder{binary.BigEndian, binary.LittleEndian} {
		var b []byte
		b = order.AppendUint32(b, 0xa1b2c3d4)
		b = order.AppendUint16(b, 2)
		b = order.AppendUint16(b, 4)
		b = append(b, make([]byte, 8)...)
		b = order.AppendUint32(b, 65535)
		b = order.AppendUint32(b, 253)
		b = order.AppendUint32(b, 10)
		b = order.AppendUint32(b, 7) // microseconds
		b = order.AppendUint32(b, 17)
		b = order.AppendUint32(b, 17)
		b = append(b, 0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9)
		got, err := ReadAll(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		want := []Record{{Time: time.Unix(10, 7000), PacketType: 4, Protocol: 0, Data: []byte{9}, Length: 1}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v file (-want +got):\n%s", order, diff)
		}
	}
}

// The synthetic CTRL_CMD_NEWFAMILY describes a family as nlctrl would, so
// that a reader of the file learns its name.
func TestWriteFamilies(t *testing.T) {
	fams := []genetlink.Family{
		{ID: 0x1c, Name: "demo", Version: 2, MaxAttr: 3,
			Operations: []genetlink.Operation{{ID: 1, Flags: genetlink.Do | genetlink.Dump}},
			Groups:     []genetlink.MulticastGroup{{ID: 9, Name: "events"}}},
		{ID: 0x1d, Name: "bare"},
	}
	var b bytes.Buffer
	w, err := NewWriter(&b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFamilies(fams...); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadAll(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want one a family", len(recs))
	}
	var d nldecode.Decoder
	var got []string
	for _, r := range recs {
		if r.PacketType != PacketKernel || r.Protocol != genetlink.Protocol {
			t.Errorf("record %+v, want the kernel's on NETLINK_GENERIC", r)
		}
		got = append(got, nldecode.Text(d.Decode(r.Protocol, r.Data)))
	}
	want := []string{`nlctrl len=116 flags=0 seq=0 pid=0
  genlmsghdr: cmd=CTRL_CMD_NEWFAMILY version=2
  2 family_name: "demo"
  1 family_id: 28
  3 version: 2
  4 hdrsize: 0
  5 maxattr: 3
  6 ops:
    1:
      1 id: 1
      2 flags: do|dump
  7 mcast_groups:
    1:
      2 id: 9
      1 name: "events"
`, `nlctrl len=64 flags=0 seq=0 pid=0
  genlmsghdr: cmd=CTRL_CMD_NEWFAMILY version=2
  2 family_name: "bare"
  1 family_id: 29
  3 version: 0
  4 hdrsize: 0
  5 maxattr: 0
`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if name, ok := d.FamilyName(0x1c); !ok || name != "demo" {
		t.Errorf("the decoder did not learn the family: %q, %v", name, ok)
	}
}
