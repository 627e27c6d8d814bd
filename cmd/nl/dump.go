package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nlgo/netlink"
)

// A dumpedMessage is one reply of a dump, decoded as far as nl can without
// knowing the family: the header, the family header in hex, and the
// attribute tree.
type dumpedMessage struct {
	Header       jsonHeader `json:"header"`
	Name         string     `json:"name,omitempty"`
	FamilyHeader string     `json:"family_header"`
	Attrs        []attrNode `json:"attrs,omitempty"`
	Rest         string     `json:"rest,omitempty"`  // the payload after the family header, in hex, when it is not attributes
	Error        string     `json:"error,omitempty"` // why it is not
}

// jsonHeader is a netlink.Header for encoding/json.
type jsonHeader struct {
	Length   uint32 `json:"len"`
	Type     uint16 `json:"type"`
	Flags    string `json:"flags"`
	Sequence uint32 `json:"seq"`
	PID      uint32 `json:"pid"`
}

// dumpTimeout bounds the wait for a dump's replies: some families ignore
// requests they do not know instead of answering with an error.
const dumpTimeout = 5 * time.Second

// runDump sends a dump request of type t to family p and prints every reply.
func runDump(ctx context.Context, w io.Writer, o options, p protocol, t dumpType) error {
	c, err := netlink.Dial(p.num, &netlink.Config{NetNS: o.netns})
	if err != nil {
		return fmt.Errorf("family %s: %w", p.name, err)
	}
	defer c.Close()
	// Best effort: ask the kernel to explain errors. Kernels before 4.12
	// do not have extended acknowledgements; the dump works without.
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)

	req := make([]byte, t.hdrLen)
	copy(req, t.hdr)
	ctx, cancel := context.WithTimeout(ctx, dumpTimeout)
	defer cancel()
	msgs, err := dump(ctx, c, t.typ, req)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("dump %s %s: no reply within %v: this family may not answer dump requests", p.name, t.name, dumpTimeout)
	case err != nil && !errors.Is(err, netlink.ErrDumpInterrupted):
		return fmt.Errorf("dump %s %s: %w", p.name, t.name, err)
	}
	enc := json.NewEncoder(w)
	for i, m := range msgs {
		dm := decodeMessage(p, t, m)
		if o.json {
			if err := enc.Encode(dm); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeMessage(w, m.Header, dm)
	}
	if len(msgs) == 0 && !o.json {
		fmt.Fprintln(w, "no replies")
	}
	if err != nil {
		return fmt.Errorf("dump %s %s: %w (retry for a consistent result)", p.name, t.name, err)
	}
	return nil
}

// decodeMessage decodes a reply to a dump of type t.
func decodeMessage(p protocol, t dumpType, m netlink.Message) dumpedMessage {
	h := m.Header
	dm := dumpedMessage{
		Header: jsonHeader{Length: h.Length, Type: uint16(h.Type), Flags: h.Flags.String(),
			Sequence: h.Sequence, PID: h.PID},
		Name: t.replyName(p, h.Type),
	}
	hdr, rest, err := familyHeader(m, t.hdrLen)
	if err != nil {
		dm.Rest, dm.Error = hex.EncodeToString(m.Data), err.Error()
		return dm
	}
	dm.FamilyHeader = hex.EncodeToString(hdr)
	var names []string
	if dm.Name != "" && h.Type >= netlink.MinType {
		names = t.attrs
	}
	if dm.Attrs, err = decodeTree(rest, names); err != nil {
		dm.Attrs, dm.Rest, dm.Error = nil, hex.EncodeToString(rest), err.Error()
	}
	return dm
}

// writeMessage prints a decoded message: its header on one line, then its
// family header and attributes indented below it.
func writeMessage(w io.Writer, h netlink.Header, dm dumpedMessage) {
	line := h.String()
	if dm.Name != "" {
		line += " " + dm.Name
	}
	fmt.Fprintln(w, line)
	if dm.FamilyHeader != "" {
		fmt.Fprintf(w, "  family header: %s\n", groupHex(dm.FamilyHeader))
	}
	writeTree(w, dm.Attrs, "  ")
	if dm.Error != "" {
		fmt.Fprintf(w, "  not attributes (%s): %d bytes", dm.Error, len(dm.Rest)/2)
		writeHex(w, dm.Rest, "    ")
	}
}
