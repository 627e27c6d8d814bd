package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nlgo/netlink"
)

// An attrNode is one attribute of a decoded attribute tree. Without a
// schema, nl guesses what each payload is: a nest when it carries the
// NLA_F_NESTED flag or parses cleanly as attributes, a string when it is
// printable text ending in a NUL, an integer when it is 1, 2, 4 or 8 bytes
// long, and raw bytes otherwise.
type attrNode struct {
	Type  uint16     `json:"type"`
	Name  string     `json:"name,omitempty"`
	Flags string     `json:"flags,omitempty"` // "nested", "net-byteorder"
	Kind  string     `json:"kind"`            // "nested", "string", "u8" ... "u64", "empty", "bytes"
	Value any        `json:"value,omitempty"` // the string or integer
	Hex   string     `json:"hex,omitempty"`   // the payload of integers and bytes
	Error string     `json:"error,omitempty"` // why a flagged nest did not parse
	Attrs []attrNode `json:"attrs,omitempty"`
}

// decodeTree decodes the attributes in b, naming the top-level ones from
// names (indexed by type; nil when unknown).
func decodeTree(b []byte, names []string) ([]attrNode, error) {
	return decodeLevel(b, names, 0)
}

func decodeLevel(b []byte, names []string, depth int) ([]attrNode, error) {
	var nodes []attrNode
	var d netlink.AttributeDecoder
	d.Reset(b)
	for d.Next() {
		n := attrNode{Type: d.Type(), Flags: typeFlags(d.TypeFlags())}
		if int(n.Type) < len(names) {
			n.Name = names[n.Type]
		}
		describe(&n, &d, depth)
		nodes = append(nodes, n)
	}
	return nodes, d.Err()
}

// describe fills in n from the decoder's current attribute.
func describe(n *attrNode, d *netlink.AttributeDecoder, depth int) {
	p := d.Data()
	canNest := depth < netlink.MaxNestingDepth
	if d.TypeFlags()&netlink.AttributeNested != 0 && canNest {
		attrs, err := decodeLevel(p, nil, depth+1)
		if err == nil {
			n.Kind, n.Attrs = "nested", attrs
			return
		}
		n.Kind, n.Hex, n.Error = "bytes", hex.EncodeToString(p), err.Error()
		return
	}
	if s, ok := text(p); ok {
		n.Kind, n.Value = "string", s
		return
	}
	if len(p) >= netlink.AttributeHeaderLen && canNest {
		if attrs, err := decodeLevel(p, nil, depth+1); err == nil && typed(attrs) {
			n.Kind, n.Attrs = "nested", attrs
			return
		}
	}
	n.Hex = hex.EncodeToString(p)
	switch len(p) {
	case 0:
		n.Kind = "empty"
	case 1:
		n.Kind, n.Value = "u8", uint64(d.Uint8())
	case 2: // Uint16 and wider honour the net-byteorder flag.
		n.Kind, n.Value = "u16", uint64(d.Uint16())
	case 4:
		n.Kind, n.Value = "u32", uint64(d.Uint32())
	case 8:
		n.Kind, n.Value = "u64", d.Uint64()
	default:
		n.Kind = "bytes"
	}
}

// text returns p as a string if it is printable UTF-8 text terminated by
// one NUL byte (NLA_NUL_STRING).
func text(p []byte) (string, bool) {
	if len(p) < 2 || p[len(p)-1] != 0 {
		return "", false
	}
	s := string(p[:len(p)-1])
	if !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != '\t' {
			return "", false
		}
	}
	return s, true
}

// typed reports whether no attribute has type 0, which kernels reserve
// (the *_UNSPEC types). It keeps short integers such as 0x00000004 from
// being taken for an empty attribute.
func typed(nodes []attrNode) bool {
	for _, n := range nodes {
		if n.Type == 0 {
			return false
		}
	}
	return len(nodes) > 0
}

func typeFlags(f uint16) string {
	var s []string
	if f&netlink.AttributeNested != 0 {
		s = append(s, "nested")
	}
	if f&netlink.AttributeNetByteOrder != 0 {
		s = append(s, "net-byteorder")
	}
	return strings.Join(s, "|")
}

// hexLineBytes is how many payload bytes one line of hex shows.
const hexLineBytes = 32

// writeTree prints nodes one per line, children indented under their nest:
//
//	3 ifname: "lo"
//	4 mtu: u32 65536 (00000100)
//	18 linkinfo:
//	  1: "veth"
func writeTree(w io.Writer, nodes []attrNode, indent string) {
	for _, n := range nodes {
		label := strconv.Itoa(int(n.Type))
		if n.Name != "" {
			label += " " + n.Name
		}
		if n.Flags != "" {
			label += " [" + n.Flags + "]"
		}
		switch n.Kind {
		case "nested":
			fmt.Fprintf(w, "%s%s:\n", indent, label)
			writeTree(w, n.Attrs, indent+"  ")
		case "string":
			fmt.Fprintf(w, "%s%s: %q\n", indent, label, n.Value)
		case "empty":
			fmt.Fprintf(w, "%s%s: empty\n", indent, label)
		case "bytes":
			fmt.Fprintf(w, "%s%s: %d bytes", indent, label, len(n.Hex)/2)
			if n.Error != "" {
				fmt.Fprintf(w, " (not nested: %s)", n.Error)
			}
			writeHex(w, n.Hex, indent+"  ")
		default:
			fmt.Fprintf(w, "%s%s: %s %d (%s)\n", indent, label, n.Kind, n.Value, groupHex(n.Hex))
		}
	}
}

// writeHex ends the current line with h, grouped, when it is short, and
// otherwise continues it on lines of its own.
func writeHex(w io.Writer, h, indent string) {
	if len(h) <= 2*hexLineBytes {
		fmt.Fprintf(w, " %s\n", groupHex(h))
		return
	}
	fmt.Fprintln(w)
	for len(h) > 0 {
		line := h[:min(len(h), 2*hexLineBytes)]
		h = h[len(line):]
		fmt.Fprintf(w, "%s%s\n", indent, groupHex(line))
	}
}

// groupHex puts a space after every 4 bytes of hex digits.
func groupHex(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(len(h), i+8)])
	}
	return b.String()
}
