//go:build !linux

package netlink

import (
	"errors"
	"testing"
)

func TestDialNotSupported(t *testing.T) {
	for _, family := range []int{0, 16, -1} {
		c, err := Dial(family, nil)
		if err == nil {
			c.Close()
			t.Fatalf("Dial(%d) succeeded on a platform without netlink", family)
		}
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("Dial(%d): %v, want an error matching ErrNotSupported", family, err)
		}
		var oe *OpError
		if !errors.As(err, &oe) || oe.Op != "dial" {
			t.Errorf("Dial(%d): %v (%T), want an *OpError with Op dial", family, err, err)
		}
	}
	if _, err := OpenNetNS("x"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("OpenNetNS: %v, want an error matching ErrNotSupported", err)
	}
}
