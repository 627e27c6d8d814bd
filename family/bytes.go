package family

import (
	"encoding/hex"
	"fmt"
	"net"
	"strings"
)

// Bytes is the payload of a binary attribute. Its JSON form and String
// are hex, as the kernel's ynl tool prints binary values; it converts to
// and from []byte freely.
type Bytes []byte

// String returns b in hex.
func (b Bytes) String() string { return hex.EncodeToString(b) }

// MarshalText returns b in hex.
func (b Bytes) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, b), nil }

// UnmarshalText decodes hex, with or without a 0x prefix.
func (b *Bytes) UnmarshalText(t []byte) error {
	s := strings.TrimPrefix(strings.TrimPrefix(string(t), "0x"), "0X")
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("family: binary value %q: %w", t, err)
	}
	*b = v
	return nil
}

// HardwareAddr is a link-layer address (an attribute with display-hint
// mac). Its JSON form and String are as net.HardwareAddr prints one,
// "02:00:00:00:00:01", for any length; it converts to and from
// net.HardwareAddr freely.
type HardwareAddr []byte

// String returns a in the form of net.HardwareAddr.String.
func (a HardwareAddr) String() string { return net.HardwareAddr(a).String() }

// MarshalText returns a.String().
func (a HardwareAddr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes bytes in hex separated by colons or dashes, as
// "02:00:00:00:00:01", of any length; the empty text is no address.
func (a *HardwareAddr) UnmarshalText(t []byte) error {
	s := string(t)
	if s == "" {
		*a = nil
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '-' })
	v := make([]byte, 0, len(parts))
	for _, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return fmt.Errorf("family: hardware address %q: %q is not one byte in hex", s, p)
		}
		x, err := hex.DecodeString(fmt.Sprintf("%02s", p))
		if err != nil {
			return fmt.Errorf("family: hardware address %q: %w", s, err)
		}
		v = append(v, x[0])
	}
	*a = v
	return nil
}
