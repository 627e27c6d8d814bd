//go:build !linux

package main

import (
	"context"
	"strings"
	"testing"
)

// On platforms without netlink, every command fails at run time with a
// clear message and exit status 1.
func TestRunNotSupported(t *testing.T) {
	for _, args := range [][]string{nil, {"monitor"}, {"dump", "route", "getlink"}} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), args, &stdout, &stderr); code != 1 {
			t.Errorf("run(%q) = %d, want 1", args, code)
		}
		if !strings.HasPrefix(stderr.String(), "nl: not supported on this platform") {
			t.Errorf("run(%q) printed %q, want the not-supported message", args, &stderr)
		}
	}
}
