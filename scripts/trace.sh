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
# KEEP_TRACE=1 keeps them (strace's and tcpdump's own output) and says where.
set -euo pipefail
cd "$(dirname "$0")/.."

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
[[ $(id -u) == 0 ]] || skipped "strace and tcpdump need root (try: sudo $0 $*)"
command -v strace > /dev/null || skipped "needs strace (Debian: apt-get install strace)"
command -v tcpdump > /dev/null || skipped "needs tcpdump (Debian: apt-get install tcpdump)"
if [[ $variant == python || $exchange == http ]] && ! command -v python3 > /dev/null; then
    skipped "needs python3: the notebook's cells and the web server are Python"
fi

echo "# building (cargo build --workspace) ..."
# Our programs go on PATH from wherever cargo put them: it reports the path of each one built.
built=$(cargo build --quiet --workspace --bins --examples --message-format=json-render-diagnostics)
while IFS= read -r dir; do PATH=$dir:$PATH; done < <(
    sed -n 's/.*"executable":"\([^"]*\)\/[^/"]*".*/\1/p' <<< "$built" | sort -u)
export PATH

work=$(mktemp -d)
pids=()
cleanup() {
    # Each as a process group: strace's is strace with all it traces (killing strace alone would
    # leave them running), tcpdump's is tcpdump alone.
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    [[ -n ${KEEP_TRACE:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
# What strace runs: the server; then, once tcpdump listens, the client; then the server is stopped
# if it has not finished by itself (ours do, after one client; the others serve on).
both_sides='
    work=$1
    $2 > "$work/server.out" 2>&1 &
    echo $! > "$work/server.pid"
    until [[ -s $work/go ]]; do sleep 0.05; done
    (echo $BASHPID > "$work/client.pid" && exec $(< "$work/go")) > "$work/client.out" 2>&1
    for _ in $(seq 40); do kill -0 $! 2> /dev/null || exit 0; sleep 0.05; done
    kill $! && wait'

echo "\$ strace -f -ttt -T -e trace=$calls -o calls bash -c 'server; client' &"
echo "\$ $server &"
# setsid: strace and all it runs form one process group, which cleanup can stop as one.
setsid strace -f -qq -ttt -T -e trace="$calls,$threads,$copies" -o "$work/calls" \
    bash -c "$both_sides" both-sides "$work" "$server" &
pids+=("$!")
strace_pid=$!
for _ in $(seq 200); do
    port=$(sed -nE 's/^(listening on|Serving HTTP on) .*[:t] ?([0-9]+)\b.*/\2/p' "$work/server.out" 2> /dev/null || true)
    [[ -n $port ]] && break
    sleep 0.05
done
[[ -n $port ]] || { echo "the server did not start:"; cat "$work/server.out"; exit 1; }
head -n 1 "$work/server.out"

echo "\$ tcpdump -i lo -nn -tt -l -X port $port &"
tcpdump -i lo -nn -tt -l -X "port $port" > "$work/packets" 2> "$work/tcpdump.err" &
pids+=("$!")
tcpdump_pid=$!
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

# Each call as two events, its start and its end (when it returned); each packet as one. Fields,
# tab separated: time, kind (start, end, packet), who, thread, call id, text, protocol.
events() {
    awk -v server="$(< "$work/server.pid")" -v client="$(< "$work/client.pid")" \
        -f <(calls_as_events) "$work/calls"
    awk -v port="$port" -f <(packets_as_events) "$work/packets"
}

calls_as_events() {
    cat << 'AWK'
# strace's lines, in the order it saw the calls: PID TIME NAME(ARGS) = RESULT <DURATION>, or a
# call cut in two: PID TIME NAME(ARGS <unfinished ...>, then PID TIME <... NAME resumed>ARGS) =
# RESULT <DURATION>. Which side a process or thread is on follows from the server's and client's
# pids and from the clone and fork calls that made the others. Only the calls on sockets of an
# IP family are kept, not those on files, pipes or the terminal.
BEGIN { side[server] = "server"; side[client] = "client" }
function last_index(text, part,   at, found) {
    found = 0
    while ((at = index(substr(text, found + 1), part)) > 0) found += at
    return found
}
function plain(text,   m, port, ip) {
    while (match(text, /\{sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\("[^"]*"\)\}/)) {
        m = substr(text, RSTART, RLENGTH)
        port = m; sub(/.*htons\(/, "", port); sub(/\).*/, "", port)
        ip = m; sub(/.*inet_addr\("/, "", ip); sub(/".*/, "", ip)
        text = substr(text, 1, RSTART - 1) ip ":" port substr(text, RSTART + RLENGTH)
    }
    while (match(text, /\{sa_family=AF_INET6, sin6_port=htons\([0-9]+\), [^}]*\}/)) {
        m = substr(text, RSTART, RLENGTH)
        port = m; sub(/.*htons\(/, "", port); sub(/\).*/, "", port)
        ip = m; sub(/.*AF_INET6, "/, "", ip); sub(/".*/, "", ip)
        text = substr(text, 1, RSTART - 1) "[" ip "]:" port substr(text, RSTART + RLENGTH)
    }
    return text
}
{
    pid = $1; time = $2 + 0
    line = substr($0, index($0, $2) + length($2) + 1)
    if (line ~ / <unfinished \.\.\.>$/) {  # the first half: remember it
        sub(/ <unfinished \.\.\.>$/, "", line)
        pending[pid] = line; pending_time[pid] = time
        next
    }
    if (line ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {  # the second half: join it to the first
        sub(/^<\.\.\. [a-z0-9_]+ resumed>/, "", line)
        call = pending[pid] line; start = pending_time[pid]; end = time
        delete pending[pid]
    } else if (line ~ / <[0-9.]+>$/) {
        call = line; start = time
        end = time + substr(line, last_index(line, " <") + 2) + 0
    } else next  # a signal, or the end of a process
    sub(/ <[0-9.]+>$/, "", call)
    gsub(/\)  += /, ") = ", call)  # strace pads short calls, to line their results up
    name = call; sub(/\(.*/, "", name)
    at = last_index(call, ") = ")
    args = substr(call, length(name) + 2, at - length(name) - 2)
    result = substr(call, at + 4)
    if (name ~ /^(clone|clone3|fork|vfork)$/) {  # a new thread or process, on its parent's side
        if (pid in side && result ~ /^[0-9]+/) side[result + 0] = side[pid]
        next
    }
    if (!(pid in side)) next
    who = side[pid]
    fd = args; sub(/,.*/, "", fd)
    if (name ~ /^(fcntl|dup[23]?)$/) {  # a copy of a socket's fd is that socket: follow it, unshown
        if ((who, fd + 0) in kind && result ~ /^[0-9]+$/ && (name != "fcntl" || args ~ /F_DUPFD/))
            kind[who, result + 0] = kind[who, fd + 0]
        next
    }
    if (name ~ /poll$/) { fd = args; sub(/^\[\{fd=/, "", fd); sub(/[^0-9].*/, "", fd) }
    if (name == "socket") {
        if (args !~ /^AF_INET/ || result !~ /^[0-9]+$/) next
        kind[who, result + 0] = (args ~ /SOCK_DGRAM/) ? "udp" : "tcp"
    } else if (!((who, fd + 0) in kind)) next
    protocol = (name == "socket") ? kind[who, result + 0] : kind[who, fd + 0]
    if (name ~ /^accept/ && result ~ /^[0-9]+$/) kind[who, result + 0] = "tcp"
    if (name == "close") delete kind[who, fd + 0]
    if (name ~ /poll$/ && result ~ /^0 \(Timeout\)$/) next  # a server's idle polling, not the story
    if (result ~ /^\? /) next  # interrupted as we stopped the server
    first = (name ~ /poll$/) ? "[{fd=" fd ", ...}]" : fd
    id = pid "." NR
    printf "%.6f\tstart\t%s\t%s\t%s\t%s(%s, ...)\t%s\n", start, who, pid, id, name, first, protocol
    printf "%.6f\tend\t%s\t%s\t%s\t%s(%s) = %s\t%s\n", end, who, pid, id, name, plain(args), result, protocol
}
AWK
}

packets_as_events() {
    cat << 'AWK'
# tcpdump -tt -nn -X: a summary line per packet, then its bytes in hex. The payload is the last
# `length` bytes; we show its first ones, so the greeting and the GET line can be read.
function hex_value(digit) { return index("0123456789abcdef", digit) - 1 }
function preview(hex, size,   text, i, byte, shown) {
    hex = substr(hex, length(hex) - 2 * size + 1)
    for (i = 1; i <= length(hex) && shown < 40; i += 2) {
        byte = hex_value(substr(hex, i, 1)) * 16 + hex_value(substr(hex, i + 1, 1))
        if (byte == 10) text = text "\\n"
        else if (byte == 13) text = text "\\r"
        else if (byte >= 32 && byte < 127) text = text sprintf("%c", byte)
        else text = text "."
        shown++
    }
    return "\"" text (size > 40 ? "...\"" : "\"")
}
function flush(   what, flags, size, direction) {
    if (summary == "") return
    size = summary; sub(/.*length /, "", size); size += 0
    direction = (source ~ "[.]" port "$") ? "server > client" : "client > server"
    if (summary ~ /: UDP, /) what = "UDP datagram " size " bytes " preview(hex, size)
    else {
        flags = summary; sub(/.*Flags \[/, "", flags); sub(/\].*/, "", flags)
        if (flags ~ /R/) what = "RST (reset)"
        else if (flags ~ /S/) what = (flags ~ /\./) ? "SYN-ACK" : "SYN"
        else if (flags ~ /F/) what = "FIN" (size > 0 ? " and data " size " bytes " preview(hex, size) : "")
        else if (size > 0) what = "data " size " bytes " preview(hex, size)
        else what = "ACK"
    }
    printf "%.6f\tpacket\twire\t-\t-\t%s  %s\n", time, direction, what
    summary = ""
}
/^[0-9]+\.[0-9]+ IP6? / { flush(); time = $1 + 0; source = $3; summary = $0; hex = ""; next }
/^[ \t]+0x[0-9a-f]+:/ {
    bytes = substr($0, index($0, ":") + 1, 42)
    gsub(/ /, "", bytes)
    hex = hex bytes
}
END { flush() }
AWK
}

timeline() {
    cat << 'AWK'
# Sorted events in, the timeline out. A call during which no packet went by is one line, at its
# start. A call during which packets went by shows twice: where it starts (no result yet), and
# where it returns, with how long that took. The `#` notes mark the lines that teach, and a few
# sentences at the end say what it all showed.
BEGIN { FS = "\t" }
{ n++; time[n] = $1; kind[n] = $2; who[n] = $3; tid[n] = $4; id[n] = $5; text[n] = $6; protocol[n] = $7 }
$2 == "end" { end_at[$5] = n }
$2 == "start" { start_at[$5] = n }
$2 == "packet" { packets[n] = 1 }
function ms(i) { return sprintf("+%.3f ms", (time[i] - time[1]) * 1000) }
function thread(i) {
    if (!((who[i], tid[i]) in number)) number[who[i], tid[i]] = ++threads[who[i]]
    return number[who[i], tid[i]] == 1 ? "" : "[thread " number[who[i], tid[i]] "] "
}
function show(i, line) { printf "%12s  %-6s  %s%s\n", ms(i), who[i], thread(i), line }
function note(key, line) {
    if (!(key in noted)) { noted[key] = 1; printf "%22s# %s\n", "", line }
}
function packet_between(from, to,   j) {
    for (j = from + 1; j < to; j++) if (j in packets) return 1
    return 0
}
function teach(i, line,   size) {
    calls[who[i]]++
    if (line ~ /^listen\(/) note("listen", "the backlog: how many connections the kernel completes before accept takes them (std: 128)")
    if (line ~ /^accept4?\(.* = [0-9]/) { note("accept", "the handshake (SYN, SYN-ACK, ACK) was done by the kernel before accept returned"); if (!accepted) accepted = end_at[id[i]] }
    if (line ~ /^connect\(/ && !connecting) connecting = start_at[id[i]]
    if (line ~ /^connect\(.*EINPROGRESS/) note("connect", "connect_timeout: a connect that does not wait (EINPROGRESS); poll then waits, at most the timeout")
    if (line ~ /^sendto\(.*MSG_NOSIGNAL/) note("nosignal", "MSG_NOSIGNAL: if the peer has gone, this send fails with an error instead of killing us (SIGPIPE)")
    if (line ~ /^shutdown\(.*SHUT_WR/) { note("shutdown", "shutdown(SHUT_WR) is the FIN: nothing more from this side, and it can still read"); if (!shut && who[i] == "client") shut = start_at[id[i]] }
    if (line ~ /^recvfrom\(.*= 0$/) note("eof", "a read of 0 bytes: the peer's FIN; the stream is over")
    if (line ~ /^recvfrom\(.*EAGAIN/) note("eagain", "EAGAIN: nothing waiting yet. udp-server writes its log out now, then waits for the next datagram")
    if (line ~ /^recvfrom\(.*\) = [1-9]/) {
        if (protocol[i] == "tcp") note("recv", "one recvfrom returns what has arrived so far, not \"the message\"")
        else note("datagram", "a datagram arrives whole, with its sender's address: one recvfrom, one datagram")
        reads[who[i]]++
        size = line; sub(/.*\) = /, "", size); read_bytes[who[i]] += size
        if (who[i] == "server" && !received) received = end_at[id[i]]
    }
}
function plural(count, word) { return count " " word (count == 1 ? "" : "s") }
function count(i, line,   size) {
    if (line ~ /RST/) note("rst", "RST: a side closed with data it had not read, so its kernel reset the connection")
    if (line ~ /  SYN$/) syn = syn ? syn : i
    if (line ~ /  SYN-ACK$/) synack = synack ? synack : i
    if (line ~ /^client > server  ACK$/ && synack && !handshake) handshake = i
    if (line ~ /^client > server  FIN/ && !client_fin) client_fin = i
    if (line ~ /bytes "/) {
        size = line; sub(/ bytes ".*/, "", size); sub(/.* /, "", size)
        direction = (line ~ /^client/) ? "up" : "down"
        bytes[direction] += size; data[direction]++
        if (line ~ /UDP datagram/ && direction == "up" && !datagram) datagram = i
        if (line ~ /"GET /) get_line = line
    }
}
END {
    for (i = 1; i <= n; i++) {
        if (kind[i] == "packet") { show(i, text[i]); count(i, text[i]); continue }
        if (kind[i] == "start") {
            if (packet_between(i, end_at[id[i]])) { show(i, text[i]); continue }
            show(i, text[end_at[id[i]]]); teach(i, text[end_at[id[i]]])
            skip[end_at[id[i]]] = 1
            continue
        }
        if (i in skip) continue
        show(i, text[i] sprintf("  (returned after %.3f ms)", (time[i] - time[start_at[id[i]]]) * 1000))
        teach(i, text[i])
    }
    print ""
    print "# What it showed:"
    if (syn) {
        printf "# The client's connect (at %s) sent the SYN; SYN, SYN-ACK and ACK took %.3f ms, and the\n", ms(connecting), (time[handshake] - time[syn]) * 1000
        printf "# server's accept4 returned at %s, after them: accept takes a connection the kernel has made.\n", ms(accepted)
        if (bytes["up"]) printf "# Then %s went to the server in %s, and ", plural(bytes["up"], "byte"), plural(data["up"], "data packet")
        else printf "# Then the client sent nothing, and "
        printf "%s came back in %s;\n", plural(bytes["down"] + 0, "byte"), plural(data["down"] + 0, "packet")
        printf "# the client read %s of them, in %s.", (read_bytes["client"] == bytes["down"]) ? "all" : read_bytes["client"] + 0, plural(reads["client"] + 0, "recvfrom call")
        if (shut) printf " Its shutdown (at %s) sent its FIN at %s.", ms(shut), ms(client_fin)
        printf "\n"
    } else if (datagram) {
        printf "# No handshake and no FIN: the client's sendto put one datagram on the wire at %s, and the\n", ms(datagram)
        printf "# server's recvfrom returned it whole, sender's address included, at %s. The reply went\n", ms(received)
        printf "# back the same way: %s one way, %s the other.\n", plural(bytes["up"] + 0, "byte"), plural(bytes["down"] + 0, "byte")
    }
    if (get_line != "") {
        request = substr(get_line, index(get_line, "\""))
        printf "# The request as sent: %s", request
        if (request ~ /\\r\\n/ && request ~ /Host: /) print ", lines ending in CRLF and a Host header, as HTTP/1.1 asks."
        else print ", with neither the Host header HTTP/1.1 requires nor CRLF line ends."
    }
    printf "# Socket calls: %d by the client, %d by the server. The same calls whatever the language:\n", calls["client"], calls["server"]
    others = (variant == "python") ? "without --python" : (variant == "minimal") ? "with --python" : "with --python or --minimal"
    print "# the interface is the operating system's, not Rust's or Python's (try " others ")."
}
AWK
}

echo
echo "# The timeline (+T: milliseconds since the first event; strace itself slows each call):"
tab=$(printf '\t')
events | sort -t "$tab" -k1,1g -s > "$work/events"
awk -v variant="$variant" -f <(timeline) "$work/events" | tee "$work/timeline"
