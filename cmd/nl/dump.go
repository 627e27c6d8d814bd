package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nldecode"
)

// dumpTimeout bounds the wait for a dump's replies: some families ignore
// requests they do not know instead of answering with an error.
const dumpTimeout = 5 * time.Second

// runDump sends a dump request of type t to family p and prints every reply.
func runDump(ctx context.Context, w io.Writer, o options, p protocol, t dumpType) error {
	c, err := o.dial(p.num)
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
	var dec nldecode.Decoder
	for i, m := range msgs {
		dm := decodeReply(&dec, p, t, m)
		if o.json {
			if err := enc.Encode(dm); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, dm)
	}
	if len(msgs) == 0 && !o.json {
		fmt.Fprintln(w, "no replies")
	}
	if err != nil {
		return fmt.Errorf("dump %s %s: %w (retry for a consistent result)", p.name, t.name, err)
	}
	return nil
}

// decodeReply decodes a reply to a dump of type t of family p: as package
// nldecode knows the family's messages, and otherwise as t's family
// header followed by attributes whose payloads are guessed.
func decodeReply(dec *nldecode.Decoder, p protocol, t dumpType, m netlink.Message) nldecode.Message {
	dm := dec.DecodeMessage(p.num, m)
	if m.Header.Type < netlink.MinType || dm.HeaderName != "" {
		return dm
	}
	g := nldecode.Guess(m, t.hdrLen)
	g.Type = dm.Type // a name, where the decoder has one
	return g
}
