package nldecode

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary formats the first line of m's text: its type and header, as in
// "RTM_NEWLINK len=1368 flags=multi seq=1 pid=4242".
func (m Message) Summary() string {
	h := m.Header
	return m.Type + " len=" + strconv.FormatUint(uint64(h.Length), 10) + " flags=" + m.Flags +
		" seq=" + strconv.FormatUint(uint64(h.Sequence), 10) + " pid=" + strconv.FormatUint(uint64(h.PID), 10)
}

// String formats m as lines of text: the Summary, then the family header's
// fields, then one attribute a line with nests indented below, as in
//
//	RTM_NEWADDR len=76 flags=multi seq=1 pid=4242
//	  ifaddrmsg: family=inet prefixlen=8 flags=permanent scope=host index=1
//	  1 address: 127.0.0.1
//	  3 label: "lo"
//	  6 cacheinfo: prefered=4294967295 valid=4294967295 cstamp=377 tstamp=377
func (m Message) String() string {
	var b strings.Builder
	m.write(&b, "")
	return b.String()
}

func (m Message) write(b *strings.Builder, indent string) {
	b.WriteString(indent + m.Summary() + "\n")
	indent += "  "
	if m.HeaderName != "" {
		b.WriteString(indent + m.HeaderName + ":" + fieldsText(m.Fields) + "\n")
	}
	writeAttrs(b, m.Attrs, indent)
	if a := m.Ack; a != nil {
		line := indent + "code: " + strconv.Itoa(int(a.Code))
		if a.Errno != "" {
			line += " " + a.Errno
		}
		b.WriteString(line + "\n")
		if a.Request != nil {
			b.WriteString(indent + "request:\n")
			a.Request.write(b, indent+"  ")
		}
		writeAttrs(b, a.Attrs, indent)
		if a.Offending != "" {
			b.WriteString(indent + "offending attribute: " + a.Offending + "\n")
		}
		if a.Expected != "" {
			b.WriteString(indent + "kernel expects: " + a.Expected + "\n")
		}
	}
	if m.Error != "" {
		b.WriteString(indent + "malformed: " + m.Error + "\n")
	}
	if m.Hex != "" {
		writeHex(b, indent+"hex:", m.Hex, indent+"  ")
	}
}

// Text formats msgs one after the other, as Message.String does.
func Text(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		m.write(&b, "")
	}
	return b.String()
}

// fieldsText formats fields as " name=value name=value".
func fieldsText(fs Fields) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(" " + f.Name + "=" + valueText(f.Value))
	}
	return b.String()
}

// valueText formats a Field's or Attr's value.
func valueText(v any) string {
	switch v := v.(type) {
	case uint64:
		return strconv.FormatUint(v, 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// writeAttrs writes attrs one a line, nests indented below their parent.
func writeAttrs(b *strings.Builder, attrs []Attr, indent string) {
	for _, a := range attrs {
		label := indent + strconv.Itoa(int(a.Type))
		if a.Name != "" {
			label += " " + a.Name
		}
		if a.Flags != "" {
			label += " [" + a.Flags + "]"
		}
		label += ":"
		switch {
		case a.Kind == "string":
			b.WriteString(label + " " + strconv.Quote(valueText(a.Value)))
		case a.Kind == "flag" && a.Value != nil:
			b.WriteString(label + " flag")
		case a.Value != nil:
			b.WriteString(label + " " + valueText(a.Value))
		case a.Fields != nil:
			b.WriteString(label + fieldsText(a.Fields))
		case a.Hex != "" && a.Attrs == nil:
			writeHex(b, label+" "+strconv.Itoa(len(a.Hex)/2)+" bytes", a.Hex, indent+"  ")
			if a.Error != "" {
				b.WriteString(indent + "  (" + a.Error + ")\n")
			}
			continue
		case a.Kind == "bytes":
			b.WriteString(label + " 0 bytes")
		default:
			b.WriteString(label)
		}
		if a.Error != "" {
			b.WriteString(" (" + a.Error + ")")
		}
		b.WriteByte('\n')
		if a.Fields != nil && a.Hex != "" {
			writeHex(b, indent+"  more:", a.Hex, indent+"    ")
		}
		writeAttrs(b, a.Attrs, indent+"  ")
	}
}

// hexLineBytes is how many bytes one line of hex shows.
const hexLineBytes = 32

// writeHex ends the line that starts with label with h, grouped, when it
// is short, and otherwise continues it on lines of its own.
func writeHex(b *strings.Builder, label, h, indent string) {
	if len(h) <= 2*hexLineBytes {
		b.WriteString(label + " " + groupHex(h) + "\n")
		return
	}
	b.WriteString(label + "\n")
	for len(h) > 0 {
		line := h[:min(len(h), 2*hexLineBytes)]
		h = h[len(line):]
		b.WriteString(indent + groupHex(line) + "\n")
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
