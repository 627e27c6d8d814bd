package nltest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

func TestRecord(t *testing.T) {
	k := newKernel(func(r *Request) error {
		return r.Reply(netlink.Message{Header: netlink.Header{Type: 21}, Data: []byte("pong")})
	})
	c := dial(t, k, famKernel, &netlink.Config{PID: 7})
	sub := dial(t, k, famKernel, &netlink.Config{PID: 8, Groups: 2})
	c.Execute(msg(20, netlink.Request, 1, "")) // not recorded: before Record
	k.Record()
	if _, err := c.Execute(msg(20, netlink.Request, 2, "ping")); err != nil {
		t.Fatal(err)
	}
	k.Broadcast(famKernel, 2, msg(22, 0, 0, ""))
	k.InjectRaw(sub, netlink.Source{PID: 9}, []byte{1, 2, 3})
	want := []Datagram{
		{From: 7, To: 0, Data: cat(hdr(20, 20, netlink.Request, 2, 7), []byte("ping"))},
		{From: 0, To: 7, Data: cat(hdr(20, 21, 0, 2, 7), []byte("pong"))},
		{From: 0, Group: 2, Data: hdr(16, 22, 0, 0, 0)},
		{From: 9, To: 8, Data: []byte{1, 2, 3}},
	}
	got := k.Datagrams()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	got[0].Data[0] = 0xff
	if k.Datagrams()[0].Data[0] == 0xff {
		t.Error("Datagrams returned the recorder's own bytes")
	}
}

func TestFormatAndDiff(t *testing.T) {
	a := []Datagram{
		{From: 7, Data: cat(hdr(20, 20, netlink.Request|netlink.Acknowledge, 2, 7), []byte("ping"))},
		{To: 7, Data: cat(hdr(36, netlink.Error, netlink.Capped, 2, 7), ne32(0), hdr(20, 20, 5, 2, 7))},
	}
	wantFormat := `port 7 -> kernel, 20 bytes
  {len=20 type=20 flags=request|acknowledge seq=2 pid=7}
    0000  70 69 6e 67
kernel -> port 7, 36 bytes
  {len=36 type=error flags=capped seq=2 pid=7}
    0000  00 00 00 00 14 00 00 00 14 00 05 00 02 00 00 00
    0010  07 00 00 00
`
	if ne16(1)[0] == 1 { // the hex above is little-endian
		if got := Format(a); got != wantFormat {
			t.Errorf("Format:\n%s\nwant:\n%s", got, wantFormat)
		}
	}
	if d := Diff(a, a); d != "" {
		t.Errorf("Diff of equal lists: %q", d)
	}
	b := []Datagram{a[0], {To: 7, Group: 3, Data: a[1].Data}}
	d := Diff(a, b)
	wantDiff := "-kernel -> port 7, 36 bytes\n+kernel -> port 7 + group 3, 36 bytes\n"
	if !contains(d, wantDiff) || !contains(d, " port 7 -> kernel, 20 bytes\n") {
		t.Errorf("Diff:\n%s\nwant it to contain:\n%s", d, wantDiff)
	}
	malformed := Datagram{From: 1, To: 2, Data: []byte{1, 2, 3}}
	if got, want := malformed.String(), "port 1 -> port 2, 3 bytes\n  malformed: netlink: message at offset 0: 3 bytes left, a header needs 16\n    0000  01 02 03\n"; got != want {
		t.Errorf("malformed datagram:\n%q\nwant:\n%q", got, want)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
