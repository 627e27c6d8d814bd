package testenv

import (
	"strings"
	"testing"
)

func TestParseRelease(t *testing.T) {
	for _, tt := range []struct {
		release      string
		major, minor int
	}{
		{"5.10.0-46-amd64", 5, 10},
		{"6.12.95+deb12-amd64", 6, 12},
		{"6.18.44-fc-v1045", 6, 18},
	} {
		ma, mi, err := ParseRelease(tt.release)
		if err != nil || ma != tt.major || mi != tt.minor {
			t.Errorf("ParseRelease(%q) = %d, %d, %v; want %d, %d", tt.release, ma, mi, err, tt.major, tt.minor)
		}
	}
	if _, _, err := ParseRelease("linux"); err == nil {
		t.Error(`ParseRelease("linux") accepted`)
	}
}

// Every feature has a name and a release, the names are distinct and
// carry no "(Linux", which ends a name in the marker lines, and Features
// lists them oldest first.
func TestFeatures(t *testing.T) {
	fs := Features()
	if len(fs) != int(maxFeature)-1 {
		t.Fatalf("Features() has %d features, want %d", len(fs), maxFeature-1)
	}
	names := map[string]bool{}
	for i, f := range fs {
		ma, _ := f.Since()
		if ma == 0 || f.String() == "" || strings.HasPrefix(f.String(), "Feature(") || strings.Contains(f.String(), "(Linux") {
			t.Errorf("feature %d: name %q, since %d", int(f), f, ma)
		}
		if names[f.String()] {
			t.Errorf("two features named %q", f)
		}
		names[f.String()] = true
		if i > 0 && f.before(fs[i-1]) {
			t.Errorf("%v listed after %v, a later release", f, fs[i-1])
		}
	}
}
