package bench

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests, or, when the test binary is run again with
// idleChildEnv set, the measuring process of idle_test.go instead.
func TestMain(m *testing.M) {
	if impl := os.Getenv(idleChildEnv); impl != "" {
		if err := idleChild(impl); err != nil {
			fmt.Fprintln(os.Stderr, "idle Conns:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
