#!/usr/bin/env bash
# Two hosts for real: each pair across a network link, not over loopback.
#
# Makes two network namespaces, "host a" and "host b", joined by a virtual ethernet cable, with
# addresses from the ranges reserved for documentation (192.0.2.0/24 and 2001:db8::/64), so no
# traffic can leave this machine. Servers run on host a, clients on host b, over IPv4 and IPv6.
# Then the two lessons loopback hides: a server bound to 127.0.0.1 cannot be reached from another
# host, and traffic to an address nobody owns is dropped in silence, so only a timeout ends it.
#
# Needs root and `ip` (iproute2); without them it says `skipped:` and exits 0. It exits 1 if any
# check fails, and removes everything it made on every exit path.
source "$(dirname "$0")/lib/common.sh"
exec 2>&1

is_root || { echo "skipped: network namespaces need root (try: sudo $0)"; exit 0; }
have ip || { echo "skipped: needs the ip command (Debian: apt-get install iproute2)"; exit 0; }

echo "# building (cargo build --workspace) ..."
build_to_path

host_a=sbe-a-$$
host_b=sbe-b-$$
at_exit 'ip netns del "$host_a" 2> /dev/null' # deleting a namespace deletes its end of the cable
at_exit 'ip netns del "$host_b" 2> /dev/null'

if ! ip netns add "$host_a" || ! ip netns add "$host_b"; then
    echo "skipped: this machine does not let us create network namespaces"
    exit 0
fi
ip link add eth-a netns "$host_a" type veth peer name eth-b netns "$host_b"
ip -n "$host_a" addr add 192.0.2.1/24 dev eth-a
ip -n "$host_b" addr add 192.0.2.2/24 dev eth-b
ip -n "$host_a" -6 addr add 2001:db8::1/64 dev eth-a nodad # nodad: usable at once
ip -n "$host_b" -6 addr add 2001:db8::2/64 dev eth-b nodad
for host in "$host_a" "$host_b"; do
    ip -n "$host" link set lo up
done
ip -n "$host_a" link set eth-a up
ip -n "$host_b" link set eth-b up

# on_host_a COMMAND...: start a server on host a, shown as typed there, and wait for its first
# line (our servers: "listening on ADDR").
on_host_a() {
    start_server --show "[host a]\$ $* &" ip netns exec "$host_a" "$@" ||
        { echo "FAILED: the server did not start"; exit 1; }
}

# check a|b STATUS TEXT COMMAND: run COMMAND (a shell line) on host a or b, show it and its
# output, and check its exit status and that its output contains TEXT.
failures=0
check() {
    local host=$1 want_status=$2 want_text=$3 namespace=$host_b
    [[ $host == a ]] && namespace=$host_a
    show_via "[host $host]\$" ip netns exec "$namespace" -- "$4"
    if [[ $status == "$want_status" && $out == *"$want_text"* ]]; then
        echo "    ok"
    else
        echo "    FAILED: wanted exit status $want_status and output with: $want_text"
        failures=$((failures + 1))
    fi
}

greeting=$'Thanks for connecting\nhello'

section "TCP across the link"
on_host_a tcp-server --clients 3 0.0.0.0 9000
check b 0 "$greeting" "tcp-client --send hello 192.0.2.1 9000"
say "stdin is tcp-client/Cargo.toml: it comes back whole"
check b 0 'edition = "2024"' "tcp-client 192.0.2.1 9000 < tcp-client/Cargo.toml"
say "0.0.0.0 is every IPv4 address of host a, and no IPv6 one:"
check b 1 "Connection refused" "tcp-client -6 --send hello 2001:db8::1 9000"
check b 0 "$greeting" "tcp-client --send hello 192.0.2.1 9000"
on_host_a tcp-server --clients 1 2001:db8::1 9000
check b 0 "$greeting" "tcp-client -6 --send hello 2001:db8::1 9000"

section "UDP across the link"
on_host_a udp-server --count 1 0.0.0.0 15000
check b 0 "Here is my reply for 192.0.2.2." "udp-client --send hello 192.0.2.1 15000"
on_host_a udp-server --count 1 2001:db8::1 15000
check b 0 "Here is my reply for 2001:db8::2." "udp-client --send hello 2001:db8::1 15000"

section "HTTP across the link"
if have python3; then
    on_host_a python3 -u -m http.server 8000 --bind :: --directory http-get
    check b 0 'name = "http-get"' "http-get http://192.0.2.1:8000/Cargo.toml"
    check b 0 'name = "http-get"' "http-get http://[2001:db8::1]:8000/Cargo.toml"
else
    say "(python3 is not installed: no web server for host a, so no http-get check)"
fi

section "Lesson 1: a server bound to 127.0.0.1 is reachable only from its own host"
on_host_a tcp-server --clients 1 127.0.0.1 9100
check b 1 "Connection refused" "tcp-client --send hello 192.0.2.1 9100"
check a 0 "$greeting" "tcp-client --send hello 127.0.0.1 9100"
say "On two real machines, bind the server to 0.0.0.0 (or ::), or to the address others use."

section "Lesson 2: traffic to an address nobody owns is dropped in silence"
say "192.0.2.99 is on the link, but no host answers for it. UDP just waits; the timeout ends it:"
check b 1 "no reply from 192.0.2.99:15000 within 1 s" "udp-client --timeout 1 --send hello 192.0.2.99 15000"
say "A TCP connect there gets no answer either, not even a refusal; the connect timeout ends it:"
check b 1 "cannot connect to 192.0.2.99 port 9000: connection timed out" "tcp-client --timeout 1 --send hello 192.0.2.99 9000"
check b 1 "timed out" "http-get --timeout 1 http://[2001:db8::99]:8000/"

section "Result"
if ((failures > 0)); then
    echo "$failures check(s) FAILED"
    exit 1
fi
echo "all checks passed across the link"
