#!/usr/bin/env bash
# The main job: a P4 bridge in Open vSwitch forwarding real traffic.
#
# Starts a private Open vSwitch (ovs-p4-sandbox) with the P4Runtime server
# ovs-p4rtd, creates a P4 bridge that runs examples/router/router.p4, plugs
# two hosts into it (network namespaces joined by veth pairs), installs the
# routes over P4Runtime (ovs-p4ctl load-entries, add-entry), and pings from
# one host to the other through the P4 pipeline. Everything is removed at
# the end. Needs root (namespaces) and `make venv ovs schema` (make demo
# does it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export PATH="$repo/.venv/bin:$PATH"

dir=$(mktemp -d /tmp/ovsp4-demo.XXXXXX)
h1=ovsp4-demo-h1
h2=ovsp4-demo-h2
cleanup() {
    ovs-p4-sandbox stop "$dir" >/dev/null 2>&1 || true
    ip netns del "$h1" 2>/dev/null || true
    ip netns del "$h2" 2>/dev/null || true
    ip link del demo-h1 2>/dev/null || true
    ip link del demo-h2 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Start Open vSwitch with the p4 datapath, and ovs-p4rtd (state in $dir)"
# ovs-p4rtd on a free local port (ovs-p4ctl finds it in the exports).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
eval "$(ovs-p4-sandbox start "$dir" --with-p4rtd --p4rtd-listen "127.0.0.1:$port")"

step "Create the P4 bridge demo0 running examples/router/router.p4"
ovs-p4ctl add-br demo0 --program examples/router/router.p4 --device-id 1

step "Two hosts in network namespaces, on P4 ports 1 and 2"
host() {  # host NS PORT IP MAC GATEWAY
    ip netns add "$1"
    ip link add "$2" type veth peer name eth0 netns "$1"
    ip -n "$1" link set eth0 address "$4"
    ip -n "$1" addr add "$3/24" dev eth0
    ip -n "$1" link set eth0 up
    ip -n "$1" link set lo up
    ip link set "$2" up
    # router.p4 answers no ARP: a static neighbour for the gateway.
    ip -n "$1" neigh replace "$5" lladdr 08:00:00:00:00:01 dev eth0 nud permanent
    ip -n "$1" route replace default via "$5" dev eth0
}
host "$h1" demo-h1 10.0.1.1 08:00:00:00:01:11 10.0.1.254
host "$h2" demo-h2 10.0.2.2 08:00:00:00:02:22 10.0.2.254
ovs-p4ctl add-port demo0 demo-h1 --port-id 1
ovs-p4ctl add-port demo0 demo-h2 --port-id 2

step "What an OVS admin sees"
ovs-vsctl show

step "No routes yet: h1 cannot reach h2"
if ip netns exec "$h1" ping -n -c 2 -W 1 10.0.2.2; then
    echo "demo: unexpected: forwarded without routes" >&2
    exit 1
fi

step "Install the routes over P4Runtime (examples/router/entries.json) and ping again"
ovs-p4ctl load-entries demo0 examples/router/entries.json
ip netns exec "$h1" ping -n -c 5 -i 0.2 10.0.2.2

step "One more route by hand, and the table"
ovs-p4ctl add-entry demo0 RouterIngress.routes hdr.ipv4.dstAddr=10.0.3.0/24 \
    action='RouterIngress.forward(dmac=08:00:00:00:03:33, port=3)'
ovs-p4ctl dump-entries demo0

step "The P4 bridge"
ovs-p4ctl show

step "Demo done: a P4 bridge forwarded real traffic"
