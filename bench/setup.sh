#!/usr/bin/env bash
# setup.sh creates the network namespace the Conn benchmarks run in, and
# setup.sh -d removes it. It needs root.
#
# The namespace, nlgo-bench, holds what the request workloads dump:
#   - 1,001 links: lo, up, and 500 veth pairs, vethNa and vethNb, left down
#     so that they get no IPv6 link-local addresses;
#   - 5,001 IPv6 addresses: ::1 on lo and 2001:db8::1 to 2001:db8::1388 on
#     veth0a, added without duplicate address detection.
#
# It is idempotent: a namespace already holding exactly that is kept, one
# holding anything else is removed and made afresh.
#
# Environment:
#   NS  the namespace's name (default nlgo-bench; the benchmarks use
#       nlgo-bench, or $NLGO_BENCH_NS when it is set)
set -euo pipefail

ns=${NS:-${NLGO_BENCH_NS:-nlgo-bench}}
pairs=500
addrs=5000
want_links=$((2 * pairs + 1))
want_addrs=$((addrs + 1))

if [[ $(id -u) -ne 0 ]]; then
	echo "setup.sh: needs root (ip netns add, ip link add)" >&2
	exit 1
fi

exists() { ip netns list | grep -qx "$ns\( (id: [0-9]*)\)\?"; }

teardown() {
	if exists; then
		ip netns delete "$ns"
		echo "removed network namespace $ns"
	fi
}

if [[ ${1:-} == -d ]]; then
	teardown
	exit 0
elif [[ $# -gt 0 ]]; then
	echo "usage: setup.sh [-d]" >&2
	exit 2
fi

if exists; then
	links=$(ip -n "$ns" -o link show | wc -l)
	inet6=$(ip -n "$ns" -o -6 addr show | wc -l)
	if [[ $links -eq $want_links && $inet6 -eq $want_addrs ]]; then
		echo "network namespace $ns ready: $links links, $inet6 IPv6 addresses"
		exit 0
	fi
	echo "network namespace $ns has $links links and $inet6 IPv6 addresses," \
		"want $want_links and $want_addrs: making it afresh"
	teardown
fi

ip netns add "$ns"
trap 'echo "setup.sh: failed, removing $ns" >&2; ip netns delete "$ns" 2>/dev/null' ERR
ip -n "$ns" link set lo up
for ((i = 0; i < pairs; i++)); do
	echo "link add veth${i}a type veth peer name veth${i}b"
done | ip -n "$ns" -batch -
for ((i = 1; i <= addrs; i++)); do
	printf 'address add 2001:db8::%x/128 dev veth0a nodad\n' "$i"
done | ip -n "$ns" -6 -batch -
trap - ERR

links=$(ip -n "$ns" -o link show | wc -l)
inet6=$(ip -n "$ns" -o -6 addr show | wc -l)
if [[ $links -ne $want_links || $inet6 -ne $want_addrs ]]; then
	echo "setup.sh: $ns has $links links and $inet6 IPv6 addresses, want $want_links and $want_addrs" >&2
	exit 1
fi
echo "network namespace $ns ready: $links links, $inet6 IPv6 addresses"
