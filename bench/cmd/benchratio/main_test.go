package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name   string
		want   key
		wantOK bool
	}{
		{name: "BenchmarkDecode/impl=nlgo", want: key{"Decode", "nlgo"}, wantOK: true},
		{name: "BenchmarkConn/impl=floor/size=4k", want: key{"Conn/size=4k", "floor"}, wantOK: true},
		{name: "BenchmarkDecode/nlgo", want: key{"Decode/nlgo", ""}, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseName(tt.name)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(key{})); diff != "" {
				t.Errorf("parseName(%q) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestPrint(t *testing.T) {
	const raw = `goos: linux
BenchmarkDecode/impl=floor-2   	100	 100 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
BenchmarkDecode/impl=nlgo-2    	100	 150 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
BenchmarkDecode/impl=floor-2   	100	 300 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
BenchmarkDecode/impl=nlgo-2    	100	 450 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
BenchmarkDecode/impl=floor-2   	100	 200 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
BenchmarkDecode/impl=nlgo-2    	100	 350 ns/op	 10.0 MB/s	 8 B/op	 1 allocs/op
BenchmarkEncode/impl=nlgo-2    	100	 7.5 ns/op	 0 B/op	 0 allocs/op
PASS
`
	rs := newResults()
	if err := rs.read(strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rs.print(&b, "floor")
	want := `| workload | impl | ns/op | vs floor | B/op | allocs/op | runs |
|---|---|---:|---:|---:|---:|---:|
| Decode | floor | 200 | 1.00x | 0 | 0 | 3 |
| Decode | nlgo | 350 | 1.75x | 0 | 0 | 3 |
| Encode | nlgo | 7.50 | - | 0 | 0 | 1 |
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestPrintMetrics(t *testing.T) {
	const raw = `BenchmarkFanIn/impl=floor-2   	2	 400 ns/op	 0 drop%	 500000 msg/s	 320 B/op	 5 allocs/op
BenchmarkFanIn/impl=nlgo-2    	2	 500 ns/op	 1.5 drop%	 400000 msg/s	 280 B/op	 5 allocs/op
BenchmarkFanIn/impl=floor-2   	2	 600 ns/op	 0 drop%	 300000 msg/s	 320 B/op	 5 allocs/op
BenchmarkDecode/impl=floor-2  	100	 100 ns/op	 10.0 MB/s	 0 B/op	 0 allocs/op
`
	rs := newResults()
	if err := rs.read(strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rs.print(&b, "floor")
	want := `| workload | impl | ns/op | vs floor | B/op | allocs/op | drop% | msg/s | runs |
|---|---|---:|---:|---:|---:|---:|---:|---:|
| FanIn | floor | 500 | 1.00x | 320 | 5 | 0 | 400000 | 2 |
| FanIn | nlgo | 500 | 1.00x | 280 | 5 | 1.50 | 400000 | 1 |
| Decode | floor | 100 | 1.00x | 0 | 0 | - | - | 1 |
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}
