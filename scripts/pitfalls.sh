#!/usr/bin/env bash
# See the notebook's mistakes happen: each one set up, the notebook's own cell (tests/notebook)
# run into it, then ours in the same situation, not making it.
#
#   scripts/pitfalls.sh [NAME...]    no NAME: all ten, in this order
#
#   recv         one recv(4096) reads a TCP reply
#   recvfrom     recvfrom(4096) reads a datagram
#   no-timeout   a UDP client that waits for its reply forever
#   no-host      'GET / HTTP/1.1\n\n\n': no Host header, no CRLF
#   ascii        data.decode('ascii') in the UDP server
#   backlog      a server that stops after five clients, with more waiting
#   gethostname  a server bound to socket.gethostname()
#   reuse        a server restarted at once on its port
#   reset        a server that closes without reading what the client sent
#   impostor     a UDP client that takes a datagram from anyone as the reply
#
# Each section prints the commands as you would type them, then what they printed, with a `#`
# line on what happened, and ends with `ok:` when the mistake happened to the notebook's code
# and not to ours, `FAILED:` otherwise, or `skipped:` and why (no-host needs nginx, gethostname
# root, reset nc). For recv, recvfrom and no-timeout it also edits one line of our minimal
# program, builds the copy with rustc, and shows the mistake come back. The stand-in peers it
# needs are beside it, in scripts/pitfalls/. Exit status: 0 when no section failed. Whatever it
# starts, it stops, by PID, and its files go, on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 2>&1

all=(recv recvfrom no-timeout no-host ascii backlog gethostname reuse reset impostor)
usage="usage: scripts/pitfalls.sh [${all[*]}]..."
chosen=()
for arg in "$@"; do
    case " ${all[*]} " in
        *" $arg "*) chosen+=("$arg") ;;
        *)
            [[ $arg == -h || $arg == --help ]] && { echo "$usage"; exit 0; }
            echo "pitfalls.sh: no such mistake: $arg" >&2
            echo "$usage" >&2
            exit 2
            ;;
    esac
done
((${#chosen[@]})) || chosen=("${all[@]}")
command -v python3 > /dev/null || { echo "skipped: every section runs the notebook's Python"; exit 0; }

echo "# building (cargo build --workspace) ..."
# Our programs go on PATH from wherever cargo put them: it reports the path of each one built.
built=$(cargo build --quiet --workspace --bins --examples --message-format=json-render-diagnostics)
while IFS= read -r dir; do PATH=$dir:$PATH; done < <(
    sed -n 's/.*"executable":"\([^"]*\)\/[^/"]*".*/\1/p' <<< "$built" | sort -u)
export PATH PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8 # the notebook prints "Conexión"

work=$(mktemp -d)
# python3 as itself: a shim in front of it (pyenv's is a shell script) would be the process we
# pause with SIGSTOP, while the server it started goes on.
mkdir "$work/bin" && ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$work/bin/python3"
PATH=$work/bin:$PATH
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2> /dev/null || true; done # paused ones too
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

notebook="python3 tests/notebook"
say() { printf '# %s\n' "$*"; }

# Print a command as typed, run it, and print what it printed (stdout and stderr, in order).
# What it printed stays in $out, its exit status in $status.
show() {
    printf '$ %s\n' "$1"
    status=0
    out=$(eval "$1" 2>&1) || status=$?
    [[ -z $out ]] || printf '%s\n' "$out"
    ((status == 0)) || echo "(exit status $status)"
}

# Start a server in the background and read its first line, which says where it listens
# ("listening on 127.0.0.1:PORT"): its port goes in $port, its PID in $pid, and its output
# stays readable on the file descriptor in $log.
start() {
    printf '$ %s &\n' "$*"
    exec {log}< <(exec "$@" 2>&1)
    pid=$!
    pids+=("$pid")
    local line
    read -r -t 10 -u "$log" line || { failed "it did not start"; return 1; }
    echo "$line"
    port=${line##*:}
    port=${port%%[!0-9]*}
}

# The next lines a server printed, up to COUNT of them (none after 5 s of silence), kept in
# $said. A line too long to read is shown by its start and its length.
server_says() {
    local fd=$1 count=$2 line
    said=""
    while ((count-- > 0)) && read -r -t 5 -u "$fd" line; do
        ((${#line} <= 100)) || line="${line:0:40}... (a line of ${#line} characters)"
        echo "    server: $line"
        said+="$line"$'\n'
    done
}

# Count the connections from this machine to PORT that are established, from /proc/net/tcp: the
# remote address ends in :PORT in hex, and the state is 01, ESTABLISHED (or 04 or 05, if it has
# closed its sending half since). A server that has not accepted them yet has them waiting in
# its listen backlog all the same.
connected_to() {
    awk -v port="$(printf ':%04X' "$1")" '$3 ~ port"$" && $4 ~ /^0[145]$/' /proc/net/tcp | wc -l
}
# Wait until COUNT connections to PORT are established, or 10 s.
until_connected() {
    local _
    for _ in $(seq 100); do
        (($(connected_to "$1") >= $2)) && return
        sleep 0.1
    done
    failed "only $(connected_to "$1") of $2 clients connected"
}

# A port of our own, outside the kernel's ephemeral range, for what must know its port ahead
# (nginx; a server restarted on the same port), or where nothing may listen. A lock makes it
# ours alone: cargo test and scripts/bench.sh take the same locks. It lasts until we exit. It
# must be free even for a bind without SO_REUSEADDR (no connection of a last run in TIME_WAIT).
reserve_port() {
    local low high lock_dir=${TMPDIR:-/tmp}/sockets-by-example-ports
    read -r low high < /proc/sys/net/ipv4/ip_local_port_range
    mkdir -p "$lock_dir" && chmod 1777 "$lock_dir" 2> /dev/null || true
    for ((reserved = 21000 + RANDOM % 4000; reserved < low; reserved++)); do
        [[ -e $lock_dir/$reserved ]] || : > "$lock_dir/$reserved"
        exec {port_lock}< "$lock_dir/$reserved"
        flock -n "$port_lock" && python3 -c "if 1:
            import socket
            for kind in socket.SOCK_STREAM, socket.SOCK_DGRAM:
                socket.socket(socket.AF_INET, kind).bind(('127.0.0.1', $reserved))" 2> /dev/null &&
            return
        exec {port_lock}<&-
    done
    failed "no port left to reserve below $low"
}

# One line of one of our minimal programs, edited, and the copy built with rustc into $edited:
# `break_ours FILE OLD NEW` shows the edit as diff does, then the build.
break_ours() {
    local file=$1 old=$2 new=$3 source
    source=$(< "$file")
    if [[ $source != *"$old"* ]]; then
        failed "the line to edit is no longer in $file: $old"
        return 1
    fi
    edited=$work/$(basename "$file" .rs)-edited
    printf '%s\n' "${source/"$old"/"$new"}" > "$edited.rs"
    say "Break ours the same way: edit one line of $file, and build the copy."
    printf '$ diff %s %s\n' "$file" "$edited.rs"
    diff "$file" "$edited.rs" || true # diff's status is 1: the files differ, as they should
    show "rustc --edition 2024 -O -A warnings -o $edited $edited.rs"
}

# ---- Verdicts: each check that fails is said, and fails the section ----
problems=()
failed() { problems+=("$*"); }
# `expect CONDITION WHAT`: WHAT is what should have happened, said if it did not.
expect() { eval "$1" || failed "$2"; }
verdicts=()
finish() {
    local name=$1 problem
    if ((${#problems[@]})); then
        for problem in "${problems[@]}"; do printf 'FAILED: %s: %s\n' "$name" "$problem"; done
        verdicts+=("FAILED: $name")
    else
        printf 'ok: %s: the mistake happened to the notebook'"'"'s code, not to ours\n' "$name"
        verdicts+=("ok: $name")
    fi
    problems=()
}
skip() {
    echo "skipped: $1: $2"
    verdicts+=("skipped: $1: $2")
    skipped_section=true
}
# Stop the servers a section started (and close what it opened), so the next starts clean.
stop_servers() {
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    pids=()
}
# Wait up to 5 s for a server to exit by itself, as it should after its clients.
exited() {
    local _
    for _ in $(seq 50); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    failed "the server (PID $1) did not exit after its clients"
}

# ---- The ten mistakes ----

pitfall_recv() {
    say "A server that sends 6000 bytes in two writes of 3000, half a second apart:"
    start python3 scripts/pitfalls/tcp_pieces.py 3000,3000 0.5
    show "$notebook/tcp_client.py 127.0.0.1 $port | wc -c"
    say "$((out - 5)) bytes of 6000 (and print's newline and 'lol'): its one recv(4096) returned"
    say "what had arrived, the first write, and it closed. The second write was never read."
    expect '((out < 6005))' "the notebook's client should have printed less than the 6000 bytes"
    show "minimal-tcp-client 127.0.0.1 $port | wc -c"
    say "Ours reads until the server closes (read returns 0): all 6000."
    expect '[[ $out == 6000 ]]' "ours should have printed all 6000 bytes"

    say "A server that sends 10,000 bytes in one write:"
    start python3 scripts/pitfalls/tcp_pieces.py 10000
    show "$notebook/tcp_client.py 127.0.0.1 $port | tail -n 2"
    say "recv(4096) gives 4096 bytes at the most: 81 lines of 50 bytes, and 46 of the 82nd. The"
    say "line is cut where the buffer ended, and the rest of the reply is lost."
    expect '[[ $out == "line 0082: "*"lol" && ${#out} == 50 ]]' "the notebook's client should cut line 82"
    show "minimal-tcp-client 127.0.0.1 $port | wc -c"
    expect '[[ $out == 10000 ]]' "ours should have printed all 10000 bytes"

    say "A web server whose head and page arrive in two writes (the notebook's GET to python.org):"
    start python3 scripts/pitfalls/tcp_pieces.py --http 2000 0.5
    show "$notebook/http_get.py 127.0.0.1 $port"
    say "Only the head: the page came in a second read, which the notebook never makes."
    expect '[[ $out == *"Content-Length: 2000"* && $out != *"line 0040"* ]]' "the notebook should lose the page"
    show "minimal-http-get 127.0.0.1 $port | tail -n 1"
    expect '[[ $out == "line 0040: "* ]]' "ours should have printed the page to its last line"

    break_ours tcp-client/examples/minimal-tcp-client.rs \
        'io::copy(&mut stream, &mut io::stdout())' 'io::copy(&mut io::Read::take(&stream, 4096), &mut io::stdout())' || return
    start python3 scripts/pitfalls/tcp_pieces.py 10000
    show "$edited 127.0.0.1 $port | wc -c"
    say "take(4096) stops at 4096 bytes, as one recv(4096) must: the rest is lost, the mistake is back."
    expect '[[ $out == 4096 ]]' "the edited copy should have printed 4096 bytes"
}

pitfall_recvfrom() {
    local datagram
    datagram=$(printf 'x%.0s' {1..5000})
    say "The notebook's UDP server, and one datagram of 5000 bytes:"
    start $notebook/udp_server.py 127.0.0.1 0
    local server_log=$log
    show "udp-client --timeout 1 --send \"\$(printf 'x%.0s' {1..5000})\" 127.0.0.1 $port"
    server_says "$server_log" 1
    say "4096 characters: recvfrom(4096) filled its buffer, and the kernel dropped the other 904"
    say "bytes of the datagram. Python raised nothing: they are silently gone."
    expect '[[ $said == *"(a line of 4096 characters)"* ]]' "the notebook's server should have printed 4096 of 5000 bytes"
    start minimal-udp-server 127.0.0.1 0
    server_log=$log
    show "udp-client --timeout 1 --send \"\$(printf 'x%.0s' {1..5000})\" 127.0.0.1 $port"
    server_says "$server_log" 1
    say "Ours printed all 5000: its buffer, 65,535 bytes, fits any datagram."
    expect '[[ $said == *"(a line of 5000 characters)"* ]]' "ours should have printed all 5000 bytes"

    break_ours udp-server/examples/minimal-udp-server.rs 'vec![0; 65_535]' 'vec![0; 4096]' || return
    start "$edited" 127.0.0.1 0
    server_log=$log
    show "udp-client --timeout 1 --send \"\$(printf 'x%.0s' {1..5000})\" 127.0.0.1 $port"
    server_says "$server_log" 1
    say "The edited copy printed 4096, and recv_from returned no error either: the mistake is back."
    expect '[[ $said == *"(a line of 4096 characters)"* ]]' "the edited copy should have printed 4096 bytes"
}

pitfall_no_timeout() {
    say "A UDP server that receives and never answers:"
    start python3 scripts/pitfalls/udp_slow.py never
    local silent=$port
    show "timeout 3 $notebook/udp_client.py 127.0.0.1 $silent"
    say "Still waiting after 3 s, when timeout stopped it (status 124): its recvfrom has no timeout."
    expect '[[ $status == 124 ]]' "the notebook's client should still have been waiting"
    reserve_port || return
    say "Nothing listening at all, on port $reserved:"
    show "timeout 3 $notebook/udp_client.py 127.0.0.1 $reserved"
    say "Waiting all the same: its socket is not connected, so Linux does not pass it the ICMP"
    say "'port unreachable' that came back. Only timeout ended it."
    expect '[[ $status == 124 ]]' "the notebook's client should still have been waiting"
    show "minimal-udp-client 127.0.0.1 $silent"
    say "Ours waits 2 s at most (set_read_timeout), and says so."
    expect '[[ $status == 1 && $out == *"no reply within 2 s" ]]' "ours should give up after 2 s"
    show "minimal-udp-client 127.0.0.1 $reserved"
    say "Connected, ours hears the 'port unreachable' at once."
    expect '[[ $status == 1 && $out == *"Connection refused"* ]]' "ours should be refused at once"

    break_ours udp-client/examples/minimal-udp-client.rs \
        '    socket.set_read_timeout(' '    // socket.set_read_timeout(' || return
    show "timeout 3 $edited 127.0.0.1 $silent"
    say "Without its timeout, ours waits forever too: the mistake is back."
    expect '[[ $status == 124 ]]' "the edited copy should still have been waiting"
}

pitfall_no_host() {
    local nginx
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    [[ -x $nginx ]] || { skip no-host "needs nginx (Debian: apt-get install nginx-light)"; return; }
    reserve_port || return
    mkdir -p "$work/www" && echo "Hola desde nginx" > "$work/www/index.html"
    cat > "$work/nginx.conf" << EOF
daemon off; master_process off; pid $work/nginx.pid; error_log stderr;
events {}
http { access_log off; client_body_temp_path $work/body; proxy_temp_path $work/proxy;
       fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
       server { listen 127.0.0.1:$reserved; root $work/www; } }
EOF
    say "nginx, the web server of many sites, on port $reserved:"
    printf '$ %s -c %s -p %s &\n' "$nginx" "$work/nginx.conf" "$work"
    "$nginx" -c "$work/nginx.conf" -p "$work" > "$work/nginx.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do [[ -s $work/nginx.pid ]] && break; sleep 0.05; done
    show "$notebook/http_get.py 127.0.0.1 $reserved | head -n 1"
    say "400 Bad Request: HTTP/1.1 requires a Host header, and the notebook sends none."
    expect '[[ $out == "HTTP/1.1 400 Bad Request"* ]]' "nginx should have answered the notebook 400"
    show "minimal-http-get 127.0.0.1 $reserved | head -n 1"
    say "Ours sends Host, and lines that end in CRLF: 200 OK."
    expect '[[ $out == "HTTP/1.1 200 OK"* ]]' "nginx should have answered ours 200"
    say "Python's own web server lets it through: it speaks HTTP/1.0, where Host is optional."
    start python3 -m http.server 0 --bind 127.0.0.1 --directory "$work/www"
    show "$notebook/http_get.py 127.0.0.1 $port | head -n 1"
    expect '[[ $out == "HTTP/1.0 200 OK"* ]]' "Python's server should have answered 200"
}

pitfall_ascii() {
    say "The notebook's UDP server, and a datagram in Spanish (its own language):"
    start $notebook/udp_server.py 127.0.0.1 0
    local server_log=$log
    show "udp-client --timeout 1 --send '¡Hola, qué tal!' 127.0.0.1 $port"
    server_says "$server_log" 20
    say "data.decode('ascii') raised UnicodeDecodeError at the first byte of '¡': the server died."
    expect '[[ $said == *UnicodeDecodeError* ]]' "the notebook's server should have died"
    show "timeout 3 $notebook/udp_client.py 127.0.0.1 $port"
    say "The next client waits forever (until timeout stopped it): nobody is there to answer."
    expect '[[ $status == 124 ]]' "the next notebook client should have waited"
    start minimal-udp-server 127.0.0.1 0
    server_log=$log
    show "udp-client --timeout 1 --send '¡Hola, qué tal!' 127.0.0.1 $port"
    expect '[[ $status == 0 ]]' "ours should have answered"
    server_says "$server_log" 1
    say "Ours decodes lossily (String::from_utf8_lossy): any byte goes, and it answers on."
    expect '[[ $said == "¡Hola, qué tal!"* ]]' "ours should have printed the greeting"
    show "timeout 3 $notebook/udp_client.py 127.0.0.1 $port"
    expect '[[ $status == 0 ]]' "the next client should have had its reply"
}

pitfall_backlog() {
    local holders=() client n
    connect_seven() { # two connections that say nothing, then five of the notebook's clients
        for n in 1 2; do
            printf '$ exec {silent}<>/dev/tcp/127.0.0.1/%s   # a connection that says nothing\n' "$port"
            exec {silent}<> "/dev/tcp/127.0.0.1/$port"
            holders+=("$silent")
        done
        for n in 1 2 3 4 5; do
            printf '$ %s/tcp_client.py 127.0.0.1 %s > %s/client-%s.out 2>&1 &\n' "$notebook" "$port" "$work" "$n"
            $notebook/tcp_client.py 127.0.0.1 "$port" > "$work/client-$n.out" 2>&1 &
            pids+=("$!")
            until_connected "$port" $((2 + n)) # each in turn, so that they queue up in this order
        done
    }
    say "The notebook's server, paused (SIGSTOP) as if busy with a slow client, while seven connect:"
    start $notebook/tcp_server.py 127.0.0.1 0
    local server_pid=$pid
    show "kill -STOP $server_pid"
    connect_seven
    show "kill -CONT $server_pid; sleep 1"
    show "(cd $work && grep -H -e Gracias -e ResetError client-*.out)"
    for client in "${holders[@]}"; do exec {client}>&-; done
    holders=()
    say "The kernel completed all seven connections while it was paused: they waited in the listen"
    say "backlog. It served five (the two silent ones counted, and held up nobody: it never reads)"
    say "and exited; the two still waiting were reset as its listening socket closed."
    expect '[[ $(grep -l Gracias "$work"/client-*.out | wc -l) == 3 ]]' "three of the notebook's clients should be greeted"
    expect '[[ $(grep -l ConnectionResetError "$work"/client-*.out | wc -l) == 2 ]]' "two should be reset"
    rm -f "$work"/client-*.out
    say "Ours, tcp-server, in the same situation:"
    start tcp-server --timeout 1 127.0.0.1 0
    show "kill -STOP $pid"
    connect_seven
    show "kill -CONT $pid; sleep 1"
    show "(cd $work && grep -H -e Thanks -e ResetError client-*.out)"
    for client in "${holders[@]}"; do exec {client}>&-; done
    say "It greets them all: it stops at no count unless asked (--clients), and a thread each means"
    say "a client that says nothing holds up no one."
    expect '[[ $(grep -l Thanks "$work"/client-*.out | wc -l) == 5 ]]' "ours should greet all five"
}

pitfall_gethostname() {
    [[ $(id -u) == 0 ]] || { skip gethostname "a private hostname and hosts file need root (unshare)"; return; }
    command -v unshare > /dev/null || { skip gethostname "needs unshare (Debian: util-linux)"; return; }
    say "A machine like a Debian one, in a mount and UTS namespace: its own hostname and hosts file."
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tnotebook-pc\n' > "$work/hosts"
    printf '127.0.0.1\tlocalhost\n' > "$work/hosts-container"
    printf 'hosts: files\n' > "$work/nsswitch.conf"
    unshare -m -u sleep 600 &
    pids+=("$!")
    local box=$!
    sleep 0.2
    inside() { nsenter -t "$box" -m -u -w "$@"; }
    inside sh -c "hostname notebook-pc && mount --bind $work/hosts /etc/hosts &&
                  mount --bind $work/nsswitch.conf /etc/nsswitch.conf"
    show "nsenter -t $box -m -u -w sh -c 'hostname; grep notebook-pc /etc/hosts'"
    say "The notebook's server, bound as in its cell to socket.gethostname(), here \$(hostname):"
    printf '$ nsenter -t %s -m -u -w sh -c '"'"'%s/tcp_server.py $(hostname) 0'"'"' &\n' "$box" "$notebook"
    exec {log}< <(exec nsenter -t "$box" -m -u -w sh -c "exec $notebook/tcp_server.py \$(hostname) 0 2>&1")
    pids+=("$!")
    local line
    read -r -t 10 -u "$log" line && echo "$line"
    port=${line##*:}
    show "nsenter -t $box -m -u -w $notebook/tcp_client.py 127.0.0.1 $port 2>&1 | tail -n 1"
    say "Debian maps the hostname to 127.0.1.1, where the server listens; the client tried"
    say "127.0.0.1 and was refused. And the reverse, a server on 127.0.0.1 and a client that"
    say "connects to the hostname, as the notebook's client does:"
    expect '[[ $out == *ConnectionRefusedError* ]]' "the client on 127.0.0.1 should be refused"
    start nsenter -t "$box" -m -u -w minimal-tcp-server 127.0.0.1 0
    show "nsenter -t $box -m -u -w sh -c '$notebook/tcp_client.py \$(hostname) $port' 2>&1 | tail -n 1"
    expect '[[ $out == *ConnectionRefusedError* ]]' "the client by hostname should be refused"
    inside mount --bind "$work/hosts-container" /etc/hosts
    say "Now a container whose hostname is in no hosts file:"
    show "nsenter -t $box -m -u -w sh -c '$notebook/tcp_server.py \$(hostname) 0' 2>&1 | tail -n 1"
    say "bind cannot even start: the name resolves to nothing (gaierror)."
    expect '[[ $out == *gaierror* ]]' "the bind to the hostname should fail"
    say "Ours takes the address to listen on, 127.0.0.1 unless told, and its clients the same:"
    start nsenter -t "$box" -m -u -w tcp-server --clients 1 127.0.0.1 0
    show "nsenter -t $box -m -u -w tcp-client --send hi 127.0.0.1 $port"
    expect '[[ $status == 0 && $out == *"Thanks for connecting"* ]]' "ours should meet its client"
}

pitfall_reuse() {
    reserve_port || return
    local five="for n in 1 2 3 4 5; do $notebook/tcp_client.py 127.0.0.1 $reserved > /dev/null; done"
    say "The notebook's server on port $reserved, its five clients (the notebook's), and a restart:"
    start $notebook/tcp_server.py 127.0.0.1 "$reserved"
    show "$five"
    exited "$pid"
    show "timeout 5 $notebook/tcp_server.py 127.0.0.1 $reserved 2>&1 | tail -n 1"
    say "Address already in use: the server closed each connection first, so each waits in"
    say "TIME_WAIT for 60 s, and a bind without SO_REUSEADDR is refused while any does."
    expect '[[ $out == *"Address already in use"* ]]' "the notebook's restart should fail"
    local theirs=$reserved
    reserve_port || return
    five=${five//$theirs/$reserved}
    say "Ours, the same way, on another port: the notebook's connections in TIME_WAIT were made"
    say "without SO_REUSEADDR, and they hold port $theirs against every program, ours too."
    start minimal-tcp-server 127.0.0.1 "$reserved"
    show "$five"
    exited "$pid"
    port=""
    start minimal-tcp-server 127.0.0.1 "$reserved"
    say "It listens at once: Rust's std sets SO_REUSEADDR on every TcpListener on Unix."
    expect '[[ $port == "$reserved" ]]' "ours should restart at once"
}

pitfall_reset() {
    grep -qE '^[[:space:]]+-N' <(nc -h 2>&1 || true) ||
        { skip reset "needs nc -N (Debian: apt-get install netcat-openbsd)"; return; }
    # The client sends, the server greets and closes without reading. To make the reset come
    # every time before the client reads, both are paused by turns: the server until the client
    # has sent, the client until the server has closed.
    run_client() { # run_client COMMAND: the client, paused and resumed around the server's close
        start $notebook/tcp_server.py 127.0.0.1 0
        local server_pid=$pid command=${1//\$port/$port}
        show "kill -STOP $server_pid"
        printf '$ %s &\n' "$command"
        setsid bash -c "$command" > "$work/client.out" 2>&1 & # a process group: nc and printf
        local client=$!
        pids+=("$client")
        until_connected "$port" 1
        sleep 0.2 # and it has sent: it waits for the server
        show "kill -STOP -$client; kill -CONT $server_pid; sleep 0.5; kill -CONT -$client"
        status=0
        wait "$client" || status=$?
        out=$(< "$work/client.out")
        [[ -z $out ]] || echo "$out"
        echo "(exit status $status)"
    }
    say "nc sends 'hola' to the notebook's server, which greets it and closes without reading:"
    run_client "printf 'hola\\n' | nc -N 127.0.0.1 \$port"
    say "Nothing at all, and exit status 0: the unread 'hola' made the server's kernel reset the"
    say "connection, and nc, seeing the reset, dropped the greeting that had come before it."
    expect '[[ $out != *Gracias* ]]' "nc should have lost the greeting"
    say "Ours, tcp-client, the same way:"
    run_client "tcp-client --send hola 127.0.0.1 \$port"
    say "It prints the greeting it had, then says what happened, in words, and exits 1."
    expect '[[ $out == *Gracias* && $out == *"so its side reset the connection"* && $status == 1 ]]' "ours should keep the greeting and say it was reset"
}

pitfall_impostor() {
    say "A UDP server that answers after 1.5 s, and the notebook's client waiting for it:"
    start python3 scripts/pitfalls/udp_slow.py 1.5
    local server_log=$log server=$port
    printf '$ %s/udp_client.py 127.0.0.1 %s &\n' "$notebook" "$server"
    $notebook/udp_client.py 127.0.0.1 "$server" > "$work/client.out" 2>&1 &
    local client_pid=$!
    pids+=("$client_pid")
    server_says "$server_log" 1
    local client_port=${said##*:}
    client_port=${client_port%%[!0-9]*}
    say "Meanwhile another program sends a datagram to the client's port, $client_port:"
    show "udp-client --no-reply --send 'I am not your server' 127.0.0.1 $client_port"
    wait "$client_pid" || true
    show "cat $work/client.out"
    say "It printed the impostor's datagram as the server's reply: its socket takes any sender's."
    expect '[[ $out == "I am not your server" ]]' "the notebook's client should take the impostor's datagram"
    say "Ours, minimal-udp-client, the same way (with a server of its own, which answers in 1.5 s):"
    start python3 scripts/pitfalls/udp_slow.py 1.5
    server_log=$log server=$port
    printf '$ minimal-udp-client 127.0.0.1 %s &\n' "$server"
    minimal-udp-client 127.0.0.1 "$server" > "$work/client.out" 2>&1 &
    client_pid=$!
    pids+=("$client_pid")
    server_says "$server_log" 1
    client_port=${said##*:}
    client_port=${client_port%%[!0-9]*}
    show "udp-client --no-reply --send 'I am not your server' 127.0.0.1 $client_port"
    wait "$client_pid" || true
    show "cat $work/client.out"
    say "It waited for the real reply: connect() tells the OS to pass it only its server's datagrams."
    expect '[[ $out == "Aquí va mi respuesta para 127.0.0.1." ]]' "ours should print the real reply"
}

titles=(
    [0]="one recv(4096) reads a TCP reply"
    [1]="recvfrom(4096) reads a datagram"
    [2]="a UDP client waits for its reply forever"
    [3]="'GET / HTTP/1.1\\n\\n\\n': no Host, no CRLF"
    [4]="data.decode('ascii') in the UDP server"
    [5]="a server that stops after five clients, with more waiting"
    [6]="a server bound to socket.gethostname()"
    [7]="a server restarted at once on its port"
    [8]="a server that closes without reading what the client sent"
    [9]="a UDP client takes a datagram from anyone as the reply"
)
for name in "${chosen[@]}"; do
    for n in "${!all[@]}"; do [[ ${all[n]} == "$name" ]] && title=${titles[n]}; done
    printf '\n## %s: %s\n' "$name" "$title"
    port="" skipped_section=false
    "pitfall_${name//-/_}" || true
    stop_servers
    $skipped_section || finish "$name"
done

echo
echo "# Each mistake, on the notebook's side and on ours:"
printf '%s\n' "${verdicts[@]}"
for verdict in "${verdicts[@]}"; do [[ $verdict == FAILED* ]] && exit 1; done
exit 0
