module github.com/nlgo/netlink/cmd/ynlgen

go 1.26.0

require (
	github.com/nlgo/netlink v0.0.0-00010101000000-000000000000
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/nlgo/netlink => ../..
