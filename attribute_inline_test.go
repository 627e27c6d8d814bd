package netlink

import (
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"testing"
)

// TestAttributeDecoderInlined holds what AttributeDecoder.Next's fast path
// is shaped for: the compiler inlines it into the loops that call it, which
// takes a quarter off decoding a link dump into generated structs. A change
// that pushes it over the inlining budget fails here, not only in a
// benchmark.
func TestAttributeDecoderInlined(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package with the compiler's inlining report")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the package with")
	}
	cmd := exec.Command(gotool, "build", "-gcflags=-m", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"(*AttributeDecoder).Next", "(*AttributeDecoder).Err"} {
		if !regexp.MustCompile(`can inline ` + regexp.QuoteMeta(fn) + `(\s|$)`).Match(out) {
			t.Errorf("the compiler does not inline %s", fn)
		}
	}
}
