package nltest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nlpcap"
)

// A Datagram is one datagram the Kernel carried, as its sender sent it.
type Datagram struct {
	// From is the sending port; 0 is the kernel.
	From uint32
	// To is the destination port; 0 is the kernel, or nobody when Group
	// is set.
	To uint32
	// Group is the destination multicast group; 0 for a unicast.
	Group uint32
	// Data is the datagram's bytes.
	Data []byte
}

// Record starts recording every datagram the Kernel carries, in both
// directions, discarding anything recorded before. Requests are recorded
// as sent, answers and dump parts as the kernel sends them, multicasts
// once per send, injected datagrams as injected; a datagram later dropped
// by an overrun or a BPF filter is still recorded.
func (k *Kernel) Record() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.recording = true
	k.recorded = nil
}

// Datagrams returns a copy of the datagrams recorded since Record.
// Format prints them, Diff compares two lists, and WritePcap writes them
// as a capture that Wireshark opens and NewReplay replays.
func (k *Kernel) Datagrams() []Datagram {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]Datagram, len(k.recorded))
	for i, d := range k.recorded {
		d.Data = slices.Clone(d.Data)
		out[i] = d
	}
	return out
}

// lockedRecord records a datagram if recording is on. b must not change
// afterwards.
func (k *Kernel) lockedRecord(from, to, group uint32, b []byte) {
	if k.recording {
		k.recorded = append(k.recorded, Datagram{From: from, To: to, Group: group, Data: b})
	}
}

// String formats d as its route and length, then each message's header
// decoded (netlink.Header.String) and its payload in hex, one line per 16
// bytes:
//
//	port 4294963200 -> kernel, 20 bytes
//	  {len=20 type=18 flags=request|dump seq=1 pid=4294963200}
//	    0000  00 00 00 00
func (d Datagram) String() string {
	var b strings.Builder
	d.format(&b)
	return b.String()
}

func (d Datagram) format(b *strings.Builder) {
	from := "kernel"
	if d.From != 0 {
		from = fmt.Sprintf("port %d", d.From)
	}
	var to string
	switch {
	case d.Group != 0 && d.To != 0:
		to = fmt.Sprintf("port %d + group %d", d.To, d.Group)
	case d.Group != 0:
		to = fmt.Sprintf("group %d", d.Group)
	case d.To != 0:
		to = fmt.Sprintf("port %d", d.To)
	default:
		to = "kernel"
	}
	fmt.Fprintf(b, "%s -> %s, %d bytes\n", from, to, len(d.Data))
	off := 0
	for m, err := range netlink.Messages(d.Data) {
		if err != nil {
			fmt.Fprintf(b, "  malformed: %v\n", err)
			hexLines(b, d.Data[off:])
			return
		}
		fmt.Fprintf(b, "  %v\n", m.Header)
		hexLines(b, m.Data)
		off += netlink.Align(int(m.Header.Length))
	}
}

// hexLines writes p in hex, 16 bytes a line, each led by its offset.
func hexLines(b *strings.Builder, p []byte) {
	for off := 0; off < len(p); off += 16 {
		fmt.Fprintf(b, "    %04x ", off)
		for _, c := range p[off:min(off+16, len(p))] {
			fmt.Fprintf(b, " %02x", c)
		}
		b.WriteByte('\n')
	}
}

// Format formats datagrams one after the other, as Datagram.String does.
func Format(ds []Datagram) string {
	var b strings.Builder
	for _, d := range ds {
		d.format(&b)
	}
	return b.String()
}

// Diff compares two lists of datagrams and returns "" when they are
// equal, and otherwise their formatted lines in the (-want +got) style:
// lines only in want start with '-', lines only in got with '+', and
// lines in both with ' '.
func Diff(want, got []Datagram) string {
	w, g := Format(want), Format(got)
	if w == g {
		return ""
	}
	return diffLines(lines(w), lines(g))
}

// lines splits s after each newline.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// diffLines is a line diff by longest common subsequence. Past a size
// where that would be costly, it lists want then got.
func diffLines(a, b []string) string {
	var out strings.Builder
	if len(a)*len(b) > 1<<22 {
		for _, l := range a {
			out.WriteString("-" + l)
		}
		for _, l := range b {
			out.WriteString("+" + l)
		}
		return out.String()
	}
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString(" " + a[i])
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("-" + a[i])
			i++
		default:
			out.WriteString("+" + b[j])
			j++
		}
	}
	return out.String()
}

// WritePcap writes datagrams recorded by a Kernel (Datagrams) to w as a
// capture of protocol family proto, in package nlpcap's format, which
// Wireshark opens and NewReplay replays: a datagram from port 0 as the
// kernel's, any other as user space's. The Kernel does not record
// families: for a recording of several, write each family's Conns with an
// nlpcap.Writer as their Tap instead.
func WritePcap(w io.Writer, proto int, ds []Datagram) error {
	pw, err := nlpcap.NewWriter(w, nil)
	if err != nil {
		return err
	}
	now := time.Now() // the Kernel records no times
	for _, d := range ds {
		pt := nlpcap.PacketUser
		if d.From == 0 {
			pt = nlpcap.PacketKernel
		}
		if err := pw.WriteRecord(nlpcap.Record{Time: now, PacketType: pt, Protocol: proto, Data: d.Data}); err != nil {
			return err
		}
	}
	return nil
}
