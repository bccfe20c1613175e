#!/usr/bin/env bash
# See it happen: one exchange's system calls and packets, as one timeline.
#
#   scripts/trace.sh tcp|udp|http [--minimal] [--python]
#
#   tcp    tcp-server, and tcp-client --send hello
#   udp    udp-server, and udp-client --send hello
#   http   http-get, fetching a file from Python's web server
#   --minimal   the minimal programs (examples/minimal-*.rs) instead
#   --python    the notebook's own Python cells (tests/notebook) instead
#
# One strace follows both sides, reporting each system call they make; tcpdump captures the
# packets those calls cause, on loopback, on the exchange's port. The timeline shows, in time
# order, one event per line: `+T ms  WHO  EVENT`, WHO being client, server or wire. It keeps only
# the socket's own calls (socket, bind, listen, accept4, connect, poll, sendto, recvfrom,
# shutdown, close), from every thread. A call during which packets go by shows twice: where it
# starts, and where it returns. A `#` line under an event says what it teaches.
#
# Needs root, strace and tcpdump (Debian: apt-get install strace tcpdump); without them it says
# `skipped:` and exits 0. Whatever it starts, it stops, and its files go, on every exit path;
# KEEP_TRACE=1 keeps them (strace's and tcpdump's own output) and says where: `timeline FOLDER`
# tells that capture again.
source "$(dirname "$0")/lib/common.sh"

usage="usage: scripts/trace.sh tcp|udp|http [--minimal] [--python]"
exchange="" variant=full
for arg in "$@"; do
    case $arg in
        tcp | udp | http) exchange=$arg ;;
        --minimal) variant=minimal ;;
        --python) variant=python ;;
        -h | --help) echo "$usage"; exit 0 ;;
        *) echo "trace.sh: unknown argument $arg" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
[[ -n $exchange ]] || { echo "$usage" >&2; exit 2; }

skipped() { echo "skipped: $*"; exit 0; }
is_root || skipped "strace and tcpdump need root (try: sudo $0 $*)"
have strace || skipped "needs strace (Debian: apt-get install strace)"
have tcpdump || skipped "needs tcpdump (Debian: apt-get install tcpdump)"
if [[ $variant == python || $exchange == http ]] && ! have python3; then
    skipped "needs python3: the notebook's cells and the web server are Python"
fi

echo "# building (cargo build --workspace) ..."
build_to_path
make_work
at_exit '[[ -z ${KEEP_TRACE:-} ]] || { echo "kept $work"; work=""; }' # work="": it stays

# The two sides of each exchange: the server (which binds port 0 and says the port it got) and
# the client, which gets the port as PORT.
notebook="python3 -u tests/notebook"
mkdir "$work/www" && echo "Hello from the web server" > "$work/www/hello.txt"
web_server="python3 -u -m http.server 0 --bind 127.0.0.1 --directory $work/www"
case $exchange-$variant in
    tcp-full) server="tcp-server --clients 1 127.0.0.1 0" client="tcp-client --send hello 127.0.0.1 PORT" ;;
    tcp-minimal) server="minimal-tcp-server 127.0.0.1 0" client="minimal-tcp-client 127.0.0.1 PORT" ;;
    tcp-python) server="$notebook/tcp_server.py 127.0.0.1 0 1" client="$notebook/tcp_client.py 127.0.0.1 PORT" ;;
    udp-full) server="udp-server --count 1 127.0.0.1 0" client="udp-client --send hello 127.0.0.1 PORT" ;;
    udp-minimal) server="minimal-udp-server 127.0.0.1 0" client="minimal-udp-client 127.0.0.1 PORT" ;;
    udp-python) server="$notebook/udp_server.py 127.0.0.1 0" client="$notebook/udp_client.py 127.0.0.1 PORT" ;;
    http-full) server=$web_server client="http-get http://127.0.0.1:PORT/hello.txt" ;;
    http-minimal) server=$web_server client="minimal-http-get 127.0.0.1 PORT /hello.txt" ;;
    http-python) server=$web_server client="$notebook/http_get.py 127.0.0.1 PORT" ;;
esac

# strace: -f follows every process and thread; -ttt -T: when each call started and how long it
# took. (Not -yy, which names each socket: strace looks that up after it has stamped a call's
# start, so the call seems to return earlier than it did.) One strace follows both sides: it sees
# every call in the order it happens, and a call still waiting while the other side acts is cut
# in two, <unfinished ...> and <... resumed>, each half stamped when it happened.
calls=socket,bind,listen,accept,accept4,connect,poll,ppoll,sendto,recvfrom,sendmsg,recvmsg,shutdown,close
threads=clone,clone3,fork,vfork # to know which side each new thread or process is on
copies=fcntl,dup,dup2,dup3       # a socket's copy (try_clone) is the same socket under a new fd
# What strace runs: scripts/trace/both-sides.sh, which starts the server, then the client once
# trace.sh has written its command into $work/go.
echo "\$ strace -f -ttt -T -e trace=$calls -o $work/calls bash scripts/trace/both-sides.sh $work '$server' &"
# setsid: strace and all it runs form one process group, which is stopped as one at exit.
setsid strace -f -qq -ttt -T -e trace="$calls,$threads,$copies" -o "$work/calls" \
    bash scripts/trace/both-sides.sh "$work" "$server" &
strace_pid=$!
track --group "$strace_pid"
for _ in $(seq 200); do
    port=$(sed -nE 's/^(listening on|Serving HTTP on) .*[:t] ?([0-9]+)\b.*/\2/p' "$work/server.out" 2> /dev/null || true)
    [[ -n $port ]] && break
    sleep 0.05
done
[[ -n $port ]] || { echo "the server did not start:"; cat "$work/server.out"; exit 1; }
echo "$port" > "$work/port" # for the timeline, which tells the server's packets by it
head -n 1 "$work/server.out"

echo "\$ tcpdump -i lo -nn -tt -l -X port $port &"
tcpdump -i lo -nn -tt -l -X "port $port" > "$work/packets" 2> "$work/tcpdump.err" &
tcpdump_pid=$!
track "$tcpdump_pid"
for _ in $(seq 200); do grep -q "listening on" "$work/tcpdump.err" && break; sleep 0.05; done
grep -q "listening on" "$work/tcpdump.err" || { echo "tcpdump did not start:"; cat "$work/tcpdump.err"; exit 1; }

client=${client//PORT/$port}
echo "\$ $client"
echo "$client" > "$work/go.new" && mv "$work/go.new" "$work/go" # the client starts now
wait "$strace_pid" || true
sed 's/^/    /' "$work/client.out"
sleep 0.2 # the last packets (the final ACKs) get a moment to be captured
kill -INT "$tcpdump_pid" 2> /dev/null || true
wait 2> /dev/null || true

# ---- The timeline: calls and packets, merged in time order ----

# The timeline tool (scripts/tools/src/bin/timeline) reads the capture folder: strace's calls,
# tcpdump's packets, the two sides' pids and the port. It prints one line per event, the notes
# and what it all showed. TRACE_EVENTS=FILE also gets the same lines as data, one event a line
# in tab-separated fields: what the tests read.
echo
echo "# The timeline (+T: milliseconds since the first event; strace itself slows each call):"
timeline --variant "$variant" "$work" | tee "$work/timeline"
[[ -z ${TRACE_EVENTS:-} ]] || timeline --events "$work" > "$TRACE_EVENTS"
