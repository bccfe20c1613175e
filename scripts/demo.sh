#!/usr/bin/env bash
# The project's main command: build the programs, then run each server with its client and show
# what they say to each other. Every command is printed as you would type it, then its output.
# Servers listen on free ports (port 0) and announce them; nothing is left running or on disk.
source "$(dirname "$0")/lib/common.sh"
exec 2>&1 # one transcript: messages appear in order with the output around them

echo "# building (cargo build --workspace) ..."
build_to_path

section "Start small: the notebook's cells in Rust (examples/minimal-*.rs, under 40 lines)"
say "The TCP server binds, listens, and greets five clients, one at a time, as the notebook's does:"
start_server minimal-tcp-server 127.0.0.1 0
show "minimal-tcp-client 127.0.0.1 $port"
server_says "$server_log" 1
say "Four more, and it stops, like the notebook's cell:"
show "for n in 1 2 3 4; do minimal-tcp-client 127.0.0.1 $port; done"
server_says "$server_log" 4
wait "$pid" && echo "(minimal-tcp-server exited with status $?)"

say "The UDP pair: the client sends the notebook's message, in its Spanish, and waits 2 s at most:"
start_server minimal-udp-server 127.0.0.1 0
show "minimal-udp-client 127.0.0.1 $port"
server_says "$server_log" 1
kill "$pid"

if have python3; then
    say "The notebook's GET, done right (Host, CRLF, all read), from Python's web server:"
    PYTHONUNBUFFERED=1 start_server python3 -m http.server 0 --bind 127.0.0.1 --directory http-get
    show "minimal-http-get 127.0.0.1 $port | sed -n 1p"
    server_says "$server_log" 1
    kill "$pid"
fi

section "TCP, grown up: tcp-server greets each client, then echoes what it sends"
start_server tcp-server --clients 4 127.0.0.1 0

say "A client that sends nothing (like the notebook's) just gets the greeting:"
show "tcp-client 127.0.0.1 $port < /dev/null"
server_says "$server_log" 2

say "--send: the text comes back after the greeting:"
show "tcp-client --send hello 127.0.0.1 $port"
server_says "$server_log" 2

say "Anything piped in is sent, then our writing half is shut down; the echo comes back whole:"
show "tcp-client 127.0.0.1 $port < tcp-client/Cargo.toml | tail -n 3"
server_says "$server_log" 2

say "The same server from netcat, if it is installed (-N: half-close at the end of input):"
if have nc && have_nc_half_close; then
    show "printf 'hello from nc\n' | nc -N 127.0.0.1 $port"
else
    say "(nc with -N is not installed: apt-get install netcat-openbsd); using our client instead"
    show "tcp-client --send 'hello again' 127.0.0.1 $port"
fi
server_says "$server_log" 2

say "--clients 4: the server has served four clients and exits by itself:"
wait "$pid" && echo "(tcp-server exited with status $?)"

say "Nothing listens there now, so the connection is refused:"
show "tcp-client 127.0.0.1 $port"

section "TCP over IPv6 (::1)"
if grep -qs '^0\{31\}1 ' /proc/net/if_inet6; then # the loopback interface has ::1
    start_server tcp-server --clients 1 ::1 0
    show "tcp-client -6 --send 'hello over IPv6' ::1 $port"
    server_says "$server_log" 2
    wait "$pid"
else
    say "(this machine has no IPv6 loopback: skipping)"
fi

section "UDP: udp-server answers each datagram, udp-client sends and waits (a bounded time)"
start_server udp-server --count 4 127.0.0.1 0

say "One datagram, one reply (the notebook's message, in English, as the full programs speak):"
show "udp-client --send \"Hi, I'm just sending you a message.\" 127.0.0.1 $port"
server_says "$server_log" 1

say "Piped lines: each line is one datagram, and each reply is printed in order:"
show "printf 'one\ntwo\nthree\n' | udp-client 127.0.0.1 $port"
server_says "$server_log" 3

say "--count 4: four datagrams answered, the server exits:"
wait "$pid" && echo "(udp-server exited with status $?)"

say "No server: the OS reports the port unreachable. Had the datagram been lost instead,"
say "udp-client would give up after --timeout (2 s) with: no reply from ADDR within 2 s"
show "udp-client --send hello 127.0.0.1 $port"

section "HTTP: http-get sends a correct GET and reads the whole response"
if have python3; then
    say "Python's own web server serves the http-get folder (port 0: a free one):"
    PYTHONUNBUFFERED=1 start_server python3 -m http.server 0 --bind 127.0.0.1 --directory http-get

    say "The body alone goes to stdout, like curl -s:"
    show "http-get http://127.0.0.1:$port/Cargo.toml"
    server_says "$server_log" 1
    say "-i puts the status line and headers first, like curl -i:"
    show "http-get -i http://127.0.0.1:$port/Cargo.toml"
    server_says "$server_log" 1
    say "Not found: the body still goes to stdout, the status line to stderr, and the exit status is 0:"
    show "http-get http://127.0.0.1:$port/missing | head -n 3"
    server_says "$server_log" 2
    kill "$pid"
else
    say "(python3 is not installed, so there is no local web server to fetch from)"
fi
say "https needs TLS, which is not in Rust's standard library:"
show "http-get https://www.python.org/"

section "Done"
say "Try them by hand: cargo run -p tcp-server, then in another terminal cargo run -p tcp-client -- --send hi"
say "(and the same with udp-server and udp-client); every full program answers --help."
say "Next, the notebook's mistakes happening, and ours not making them: scripts/pitfalls.sh"
say "Then do it yourself: scripts/exercise.sh lists the exercises, each checked by a tester."
say "To see each system call and packet of an exchange, in order (as root): scripts/trace.sh tcp"
