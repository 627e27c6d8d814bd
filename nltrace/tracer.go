package nltrace

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nldecode"
)

// A Tracer logs each message of every datagram it observes. It is safe
// for concurrent use.
type Tracer struct {
	logger  *slog.Logger
	level   slog.Leveler
	decoder *nldecode.Decoder
}

var _ netlink.Tap = (*Tracer)(nil)

// Options configure a Tracer. The zero value gives the defaults.
type Options struct {
	// Level is the level of the records; nil means slog.LevelDebug.
	Level slog.Leveler
	// Decoder decodes the messages; nil means a new one. Give the
	// Decoder of other Tracers, or one told of families already resolved
	// (Decoder.AddFamilies), to share what it knows.
	Decoder *nldecode.Decoder
}

// New returns a Tracer logging on logger with opts (nil means defaults).
func New(logger *slog.Logger, opts *Options) *Tracer {
	t := &Tracer{logger: logger, level: slog.LevelDebug}
	if opts != nil {
		if opts.Level != nil {
			t.level = opts.Level
		}
		t.decoder = opts.Decoder
	}
	if t.decoder == nil {
		t.decoder = new(nldecode.Decoder)
	}
	return t
}

// Decoder returns the Decoder the Tracer decodes with.
func (t *Tracer) Decoder() *nldecode.Decoder { return t.decoder }

// Observe logs the messages of d, one record each: the message "netlink
// sent" or "netlink received", then the protocol family, the Conn's port,
// the peer (and group) and the decoded message. It returns without
// allocating when the logger does not log the Tracer's level.
func (t *Tracer) Observe(d *netlink.Datagram) {
	ctx := context.Background()
	level := t.level.Level()
	if !t.logger.Enabled(ctx, level) {
		return
	}
	msg := "netlink " + d.Direction.String()
	route := routeAttrs(d)
	msgs := t.decoder.Decode(d.Family, d.Bytes)
	for i, m := range msgs {
		attrs := append([]slog.Attr(nil), route...)
		if len(msgs) > 1 {
			attrs = append(attrs, slog.String("part", strconv.Itoa(i+1)+"/"+strconv.Itoa(len(msgs))))
		}
		attrs = append(attrs, MessageAttrs(m)...)
		t.logger.LogAttrs(ctx, level, msg, attrs...)
	}
}

// routeAttrs describe where d went or came from.
func routeAttrs(d *netlink.Datagram) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("proto", nldecode.ProtocolName(d.Family)),
		slog.Uint64("port", uint64(d.Port)),
	}
	switch d.Direction {
	case netlink.Sent:
		attrs = append(attrs, slog.Uint64("peer", uint64(d.To.PID)))
		if d.To.Groups != 0 {
			attrs = append(attrs, slog.String("groups", "0x"+strconv.FormatUint(uint64(d.To.Groups), 16)))
		}
	case netlink.Received:
		attrs = append(attrs, slog.Uint64("peer", uint64(d.From.PID)))
		if d.From.Group != 0 {
			attrs = append(attrs, slog.Uint64("group", uint64(d.From.Group)))
		}
		if d.From.HasNSID {
			attrs = append(attrs, slog.Int64("nsid", int64(d.From.NSID)))
		}
	}
	if d.Length > len(d.Bytes) {
		attrs = append(attrs, slog.Int("truncated_from", d.Length))
	}
	return attrs
}

// MessageAttrs returns a decoded message as log attributes: type, flags,
// seq, pid and len, then the family header as a group named after it,
// the attributes as a group "attrs" keyed by name (or type number), and
// for acknowledgements a group "ack".
func MessageAttrs(m nldecode.Message) []slog.Attr {
	h := m.Header
	attrs := []slog.Attr{
		slog.String("type", m.Type),
		slog.String("flags", m.Flags),
		slog.Uint64("seq", uint64(h.Sequence)),
		slog.Uint64("pid", uint64(h.PID)),
		slog.Uint64("len", uint64(h.Length)),
	}
	if m.HeaderName != "" {
		attrs = append(attrs, slog.Attr{Key: m.HeaderName, Value: fieldsValue(m.Fields)})
	}
	if len(m.Attrs) > 0 {
		attrs = append(attrs, slog.Attr{Key: "attrs", Value: attrsValue(m.Attrs)})
	}
	if m.Ack != nil {
		attrs = append(attrs, slog.Attr{Key: "ack", Value: ackValue(m.Ack)})
	}
	if m.Error != "" {
		attrs = append(attrs, slog.String("malformed", m.Error))
	}
	if m.Hex != "" {
		attrs = append(attrs, slog.String("hex", m.Hex))
	}
	return attrs
}

// ackValue is an Ack as a group: code, errno, the echoed request's
// summary and attributes, the extended ack, the offending attribute.
func ackValue(a *nldecode.Ack) slog.Value {
	attrs := []slog.Attr{slog.Int64("code", int64(a.Code))}
	if a.Errno != "" {
		attrs = append(attrs, slog.String("errno", a.Errno))
	}
	for _, x := range a.Attrs {
		attrs = append(attrs, slog.Attr{Key: attrKey(x), Value: attrValue(x)})
	}
	if a.Offending != "" {
		attrs = append(attrs, slog.String("offending", a.Offending))
	}
	if r := a.Request; r != nil {
		attrs = append(attrs, slog.Attr{Key: "request", Value: slog.GroupValue(MessageAttrs(*r)...)})
	}
	return slog.GroupValue(attrs...)
}

// fieldsValue is a struct's fields as a group.
func fieldsValue(fs nldecode.Fields) slog.Value {
	attrs := make([]slog.Attr, len(fs))
	for i, f := range fs {
		attrs[i] = slog.Any(f.Name, f.Value)
	}
	return slog.GroupValue(attrs...)
}

// attrsValue is a list of attributes as a group keyed by their names.
func attrsValue(list []nldecode.Attr) slog.Value {
	attrs := make([]slog.Attr, len(list))
	for i, a := range list {
		attrs[i] = slog.Attr{Key: attrKey(a), Value: attrValue(a)}
	}
	return slog.GroupValue(attrs...)
}

// attrKey is an attribute's name, or its type number when it has none.
func attrKey(a nldecode.Attr) string {
	if a.Name != "" {
		return a.Name
	}
	return strconv.Itoa(int(a.Type))
}

// attrValue is an attribute's value: a scalar, a group of fields or of
// nested attributes, or its bytes in hex.
func attrValue(a nldecode.Attr) slog.Value {
	var v slog.Value
	switch {
	case a.Value != nil:
		v = slog.AnyValue(a.Value)
	case a.Fields != nil:
		v = fieldsValue(a.Fields)
	case a.Attrs != nil || a.Kind == "nested" || a.Kind == "array":
		v = attrsValue(a.Attrs)
	default:
		v = slog.StringValue(a.Hex)
	}
	if a.Error != "" {
		return slog.GroupValue(slog.Attr{Key: "value", Value: v}, slog.String("hex", a.Hex), slog.String("malformed", a.Error))
	}
	return v
}
