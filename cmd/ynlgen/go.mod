module github.com/nlgo/netlink/cmd/ynlgen

go 1.26.0

require gopkg.in/yaml.v3 v3.0.1

replace github.com/nlgo/netlink => ../..
