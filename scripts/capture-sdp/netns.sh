#!/bin/sh
# Sets up the private network namespace the capture scripts run in (call it inside `unshare -n`): loopback plus a
# veth pair whose ends carry a private IPv4 and a ULA IPv6 address, so ICE gathers host candidates (v4 and v6) and
# nothing can leave the machine.
set -e
ip link set lo up
ip link add rtc0 type veth peer name rtc1
ip addr add 10.64.0.2/24 dev rtc0
ip addr add 10.64.0.3/24 dev rtc1
ip -6 addr add fd00:64::2/64 dev rtc0 nodad
ip -6 addr add fd00:64::3/64 dev rtc1 nodad
ip link set rtc0 up
ip link set rtc1 up
ip route add default dev rtc0 2>/dev/null || true
exec "$@"
