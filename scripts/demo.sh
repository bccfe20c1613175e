#!/usr/bin/env bash
# The project's main command: build the programs, then run each server with its client and show
# what they say to each other. Every command is printed as you would type it, then its output.
# Servers listen on free ports (port 0) and announce them; nothing is left running or on disk.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 2>&1 # one transcript: messages appear in order with the output around them

echo "# building (cargo build --workspace) ..."
# Our programs go on PATH from wherever cargo put them: CARGO_TARGET_DIR, or a target-dir in a
# cargo config, moves them out of ./target, so we take the paths cargo reports for what it built.
built=$(cargo build --quiet --workspace --bins --examples --message-format=json-render-diagnostics)
while IFS= read -r dir; do PATH=$dir:$PATH; done < <(
    sed -n 's/.*"executable":"\([^"]*\)\/[^/"]*".*/\1/p' <<< "$built" | sort -u)
export PATH

server_pids=()
cleanup() {
    for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section() { printf '\n## %s\n' "$*"; }
say() { printf '# %s\n' "$*"; }

# Print a command as typed, then run it and show what it printed (stdout and stderr, in order).
# A failing command is part of the show, not the end of it.
try() {
    printf '$ %s\n' "$1"
    local output status=0
    output=$(eval "$1" 2>&1) || status=$?
    printf '%s\n' "$output"
    if ((status != 0)); then echo "(exit status $status)"; fi
}

# Start a server in the background, reading its output through file descriptor $server_log
# (no temp files), and wait for its first line, which names the port the OS chose ("listening on
# 127.0.0.1:PORT" from ours, "Serving HTTP on ... (http://127.0.0.1:PORT/) ..." from Python's).
start_server() {
    printf '$ %s &\n' "$*"
    exec {server_log}< <(exec "$@" 2>&1)
    server_pids+=("$!")
    server_pid=$!
    read -r -t 10 -u "$server_log" line || { echo "server did not start"; exit 1; }
    echo "$line"
    port=${line##*:}
    port=${port%%[!0-9]*}
}

# Show the next N lines of the server's log (what it printed about the last client).
server_says() {
    local count=$1
    while ((count-- > 0)) && read -r -t 10 -u "$server_log" line; do
        echo "    server: $line"
    done
}

section "Start small: the notebook's TCP cells in Rust (examples/minimal-*.rs, under 40 lines)"
say "The server binds, listens, and greets five clients, one at a time, as the notebook's does:"
start_server minimal-tcp-server 127.0.0.1 0
try "minimal-tcp-client 127.0.0.1 $port"
server_says 1
say "Four more, and it stops, like the notebook's cell:"
try "for n in 1 2 3 4; do minimal-tcp-client 127.0.0.1 $port; done"
server_says 4
wait "$server_pid" && echo "(minimal-tcp-server exited with status $?)"

section "TCP, grown up: tcp-server greets each client, then echoes what it sends"
start_server tcp-server --clients 4 127.0.0.1 0

say "A client that sends nothing (like the notebook's) just gets the greeting:"
try "tcp-client 127.0.0.1 $port < /dev/null"
server_says 2

say "--send: the text comes back after the greeting:"
try "tcp-client --send hello 127.0.0.1 $port"
server_says 2

say "Anything piped in is sent, then our writing half is shut down; the echo comes back whole:"
try "tcp-client 127.0.0.1 $port < tcp-client/Cargo.toml | tail -n 3"
server_says 2

say "The same server from netcat, if it is installed (-N: half-close at the end of input):"
if command -v nc > /dev/null && grep -qE '^[[:space:]]+-N' <(nc -h 2>&1); then
    try "printf 'hello from nc\n' | nc -N 127.0.0.1 $port"
else
    say "(nc with -N is not installed: apt-get install netcat-openbsd); using our client instead"
    try "tcp-client --send 'hello again' 127.0.0.1 $port"
fi
server_says 2

say "--clients 4: the server has served four clients and exits by itself:"
wait "$server_pid" && echo "(tcp-server exited with status $?)"

say "Nothing listens there now, so the connection is refused:"
try "tcp-client 127.0.0.1 $port"

section "TCP over IPv6 (::1)"
if grep -qs '^0\{31\}1 ' /proc/net/if_inet6; then # the loopback interface has ::1
    start_server tcp-server --clients 1 ::1 0
    try "tcp-client -6 --send 'hello over IPv6' ::1 $port"
    server_says 2
    wait "$server_pid"
else
    say "(this machine has no IPv6 loopback: skipping)"
fi

section "UDP: udp-server answers each datagram, udp-client sends and waits (a bounded time)"
start_server udp-server --count 4 127.0.0.1 0

say "One datagram, one reply (the notebook's message):"
try "udp-client --send \"Hi, I'm just sending you a message.\" 127.0.0.1 $port"
server_says 1

say "Piped lines: each line is one datagram, and each reply is printed in order:"
try "printf 'one\ntwo\nthree\n' | udp-client 127.0.0.1 $port"
server_says 3

say "--count 4: four datagrams answered, the server exits:"
wait "$server_pid" && echo "(udp-server exited with status $?)"

say "No server: the OS reports the port unreachable. Had the datagram been lost instead,"
say "udp-client would give up after --timeout (2 s) with: no reply from ADDR within 2 s"
try "udp-client --send hello 127.0.0.1 $port"

section "HTTP: http-get sends a correct GET and reads the whole response"
if command -v python3 > /dev/null; then
    say "Python's own web server serves the http-get folder (port 0: a free one):"
    PYTHONUNBUFFERED=1 start_server python3 -m http.server 0 --bind 127.0.0.1 --directory http-get

    say "The body alone goes to stdout, like curl -s:"
    try "http-get http://127.0.0.1:$port/Cargo.toml"
    server_says 1
    say "-i puts the status line and headers first, like curl -i:"
    try "http-get -i http://127.0.0.1:$port/Cargo.toml"
    server_says 1
    say "Not found: the body still goes to stdout, the status line to stderr, and the exit status is 0:"
    try "http-get http://127.0.0.1:$port/missing | head -n 3"
    server_says 2
    kill "$server_pid"
else
    say "(python3 is not installed, so there is no local web server to fetch from)"
fi
say "https needs TLS, which is not in Rust's standard library:"
try "http-get https://www.python.org/"

section "Done"
say "Try them by hand: cargo run -p tcp-server, then in another terminal cargo run -p tcp-client -- --send hi"
say "(and the same with udp-server and udp-client); every full program answers --help."
say "To see each system call and packet of an exchange, in order (as root): scripts/trace.sh tcp"
