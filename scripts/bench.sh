#!/usr/bin/env bash
# Our programs measured side by side with the tools people use instead: curl, socat,
# and the notebook's own Python servers. Release builds, the same machine, both sides in one run,
# alternating, median of several runs; inputs and outputs on tmpfs (/dev/shm), warm in memory.
#
#   scripts/bench.sh           the full run: prints the table, exits 1 if a target is missed
#   scripts/bench.sh --quick   small sizes, one run each: checks that every row works and that
#                              the bytes are right, but not the speed targets (timings that short
#                              are noise). cargo test runs this one.
#
# Peers it cannot find or install are named, and only their rows are skipped.
source "$(dirname "$0")/lib/common.sh"
exec 2>&1

quick=false
[[ ${1:-} == --quick ]] && quick=true
if $quick; then
    runs=1 short_runs=1 http_mib=16 echo_mib=8 connections=200 round_trips=2000
    pipelined=20000 fanouts=20
else
    # The short rows (well under a second each) are noisier here: they get more runs.
    runs=5 short_runs=11 http_mib=1024 echo_mib=100 connections=3000 round_trips=100000
    pipelined=200000 fanouts=300
fi

make_work /dev/shm # tmpfs: inputs and outputs in memory

# ---- Peers: find them, or install them from Debian's packages when we can ----
declare -A package=([curl]=curl [socat]=socat [nginx]=nginx-light [python3]=python3)
package[/usr/bin/time]="time"
missing=()
for tool in /usr/bin/time curl socat nginx python3; do
    have "$tool" || missing+=("${package[$tool]}")
done
if ((${#missing[@]})) && ! $quick && is_root; then
    apt_install "${missing[@]}" || true # what is still missing is named below
fi
for tool in /usr/bin/time curl socat nginx python3; do
    have "$tool" || echo "# missing: $tool (Debian package ${package[$tool]}): its rows are skipped"
done
have /usr/bin/time || { echo "/usr/bin/time is needed for every row"; exit 1; }

echo "# building release binaries, the load generator among them ..."
# Where cargo put them (CARGO_TARGET_DIR, or a target-dir setting, moves them): it says.
build_to_path --release # the load generator too: scripts/tools/src/bin/bench-load.rs

# ---- Helpers ----
# Start a server in the background with its output in a file, and wait for its line saying
# `listening on ADDR:PORT` (ours, the notebook's, and socat -d -d all say it); PORT goes in $port.
start_logged() {
    local log=$1
    shift
    "$@" > "$log" 2>&1 &
    track "$!"
    for _ in $(seq 200); do
        port=$(sed -nE 's/.*listening on .*:([0-9]+)$/\1/p' "$log" 2> /dev/null | head -n 1)
        [[ -n $port ]] && return
        sleep 0.05
    done
    echo "never listened: $*"
    exit 1
}
# Run a command with stdout to FILE; print its wall time in seconds and its peak RSS in KiB.
timed() {
    local out=$1 start end
    shift
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/rss" "$@" > "$out"
    end=$(date +%s%N)
    echo "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.4f", ns / 1e9 }') $(tail -n 1 "$work/rss")"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
max() { sort -g | tail -n 1; }

# The short rows measure one client process against one server: the load generator runs on one
# core and the server on the other, every time. Left to the scheduler, a run lands on one core or
# two by luck, and here that alone changes a round trip's time several-fold.
pin_server=() pin_client=() pinning="unpinned (taskset is missing, or this machine has one core)"
if (($(nproc) >= 2)) && taskset -c 1 true 2> /dev/null; then
    pin_server=(taskset -c 0) pin_client=(taskset -c 1) pinning="servers on core 0, clients on core 1"
fi

rows=()
failed=0
# row WHAT OURS THEIRS UNIT TARGET_RATIO RSS [RSS_LIMIT_KIB]: higher is better for both sides.
row() {
    local what=$1 ours=$2 theirs=$3 unit=$4 target=$5 rss=$6 rss_limit=${7:-} verdict=ok
    local ratio
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
    if ! $quick && awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r < t) }'; then
        verdict=MISSED
    fi
    if ! $quick && [[ -n $rss_limit ]] && ((rss > rss_limit)); then verdict=MISSED; fi
    $quick && verdict="ok (quick: not timed)"
    [[ $verdict == MISSED ]] && failed=$((failed + 1))
    local goal=">= $target${rss_limit:+, RSS <= $rss_limit KiB}" memory="$rss KiB"
    [[ $target == 0 ]] && goal="-" verdict="(reference)"
    [[ $rss == - ]] && memory="-"
    rows+=("$(printf '| %s | %s %s | %s %s | %s | %s | %s | %s |' "$what" "$ours" "$unit" \
        "$theirs" "$unit" "$ratio" "$goal" "$memory" "$verdict")")
}
skipped() { rows+=("| $1 | - | - | - | - | - | skipped: $2 |"); }
wrong() {
    echo "WRONG: $*"
    exit 1
}

# ---- 1. http-get against curl, downloading from nginx ----
echo "# 1. http-get and curl download ${http_mib} MiB from nginx"
if have curl && have nginx; then
    mkdir -p "$work/www"
    head -c $((http_mib << 20)) /dev/urandom > "$work/www/big.bin"
    cat "$work/www/big.bin" > /dev/null # warm: read once before timing
    reserve_port # nginx cannot bind port 0 and say which port it got
    nginx_serving "$work/www" "$reserved"
    url=http://127.0.0.1:$reserved/big.bin
    http-get "$url" | cmp -s - "$work/www/big.bin" || wrong "http-get's download differs"
    : > "$work/ours" && : > "$work/theirs"
    for run in $(seq "$runs"); do
        if ((run % 2)); then order="ours theirs"; else order="theirs ours"; fi
        for side in $order; do
            if [[ $side == ours ]]; then
                timed /dev/null http-get "$url" >> "$work/ours"
            else
                timed /dev/null curl -s -o /dev/null "$url" >> "$work/theirs"
            fi
        done
    done
    ours=$(cut -d' ' -f1 "$work/ours" | median)
    theirs=$(cut -d' ' -f1 "$work/theirs" | median)
    rss=$(cut -d' ' -f2 "$work/ours" | max)
    rate() { awk -v mib="$http_mib" -v s="$1" 'BEGIN { printf "%.0f", mib / s }'; }
    row "http-get ${http_mib} MiB to /dev/null vs curl -s -o /dev/null" "$(rate "$ours")" \
        "$(rate "$theirs")" MiB/s 0.9 "$rss" 4096
    rm -f "$work/www/big.bin"
else
    skipped "http-get vs curl" "needs curl and nginx"
fi

# ---- 2. 100 MiB through an echo server and back ----
echo "# 2. ${echo_mib} MiB through an echo server and back"
head -c $((echo_mib << 20)) /dev/urandom > "$work/echo.in"
# echo_run CLIENT SERVER: one run; prints "seconds rss"; checks the bytes that came back.
echo_run() {
    local client=$1 server=$2 port skip=0
    case $server in
        ours)
            start_logged "$work/server.log" tcp-server --clients 1 127.0.0.1 0
            skip=22 # our greeting comes first
            ;;
        socat)
            start_logged "$work/socat.log" socat -d -d TCP-LISTEN:0,bind=127.0.0.1 EXEC:cat
            ;;
    esac
    case $client in
        ours) timed "$work/echo.out" tcp-client 127.0.0.1 "$port" < "$work/echo.in" ;;
        socat) timed "$work/echo.out" socat -t 30 - "TCP:127.0.0.1:$port" < "$work/echo.in" ;;
    esac
    tail -c +$((skip + 1)) "$work/echo.out" | cmp -s - "$work/echo.in" ||
        wrong "$client client with $server server: the echo differs"
}
pairs=("ours ours")
have socat && pairs+=("socat ours" "ours socat" "socat socat")
declare -A echo_seconds echo_rss
for pair in "${pairs[@]}"; do : > "$work/pair-${pair/ /-}"; done
for run in $(seq "$runs"); do
    for pair in "${pairs[@]}"; do
        echo_run $pair >> "$work/pair-${pair/ /-}"
    done
done
for pair in "${pairs[@]}"; do
    echo_seconds[$pair]=$(cut -d' ' -f1 "$work/pair-${pair/ /-}" | median)
    echo_rss[$pair]=$(cut -d' ' -f2 "$work/pair-${pair/ /-}" | max)
done
mib_per_s() { awk -v mib="$echo_mib" -v s="$1" 'BEGIN { printf "%.0f", mib / s }'; }
ours_echo=$(mib_per_s "${echo_seconds[ours ours]}")
if have socat; then
    row "tcp-client -> tcp-server vs socat -> socat EXEC:cat" "$ours_echo" \
        "$(mib_per_s "${echo_seconds[socat socat]}")" MiB/s 0.8 "${echo_rss[ours ours]}"
    row "(for reference) socat client -> tcp-server" "$(mib_per_s "${echo_seconds[socat ours]}")" \
        "$(mib_per_s "${echo_seconds[socat socat]}")" MiB/s 0 "${echo_rss[socat ours]}"
    row "(for reference) tcp-client -> socat EXEC:cat" "$(mib_per_s "${echo_seconds[ours socat]}")" \
        "$(mib_per_s "${echo_seconds[socat socat]}")" MiB/s 0 "${echo_rss[ours socat]}"
else
    skipped "echo vs socat" "needs socat"
fi
rm -f "$work/echo.in" "$work/echo.out"

# ---- 3 and 4. Connections per second: our server against the notebook's Python server ----
echo "# 3. ${connections} connections (connect, read the greeting, close), and 4. with 10 idle"
start_logged "$work/ours-tcp.log" "${pin_server[@]}" tcp-server --timeout 600 127.0.0.1 0
ours_port=$port ours_pid=$!
: > "$work/c-ours" && : > "$work/c-idle" && : > "$work/c-python"
if have python3; then
    # The notebook's own cell (tests/notebook), for as many clients as we send, not five.
    start_logged "$work/python-tcp.log" "${pin_server[@]}" env PYTHONIOENCODING=utf-8 \
        python3 -u tests/notebook/tcp_server.py 127.0.0.1 0 1000000000
    python_port=$port
fi
for run in $(seq "$short_runs"); do
    load=("${pin_client[@]}" bench-load tcp-greet)
    "${load[@]}" "127.0.0.1:$ours_port" "$connections" >> "$work/c-ours"
    "${load[@]}" "127.0.0.1:$ours_port" "$connections" 10 >> "$work/c-idle"
    if have python3; then
        "${load[@]}" "127.0.0.1:$python_port" "$connections" >> "$work/c-python"
    fi
done
ours_rate=$(cut -d' ' -f3 "$work/c-ours" | median)
ours_rss=$(ps -o rss= -p "$ours_pid" | tr -d ' ')
if have python3; then
    row "tcp-server: connect, greeting, close vs the notebook's Python server" "$ours_rate" \
        "$(cut -d' ' -f3 "$work/c-python" | median)" conn/s 1.0 "$ours_rss"
else
    skipped "tcp-server vs Python" "needs python3"
fi
row "tcp-server: the same with 10 idle clients vs without them" \
    "$(cut -d' ' -f3 "$work/c-idle" | median)" "$ours_rate" conn/s 0.9 "$ours_rss"

# ---- 5. UDP: our server against the notebook's Python server, and against a bare loop ----
# With one datagram in flight a round trip is mostly the time it takes to wake each side: that
# says little about a server. With 16 in flight the next datagram is always waiting, as on a
# busy server. The bare recv_from/send_to loop (bench-load udp-echo) does no work at all: no
# server that answers each datagram can beat it here.
echo "# 5. ${round_trips} UDP round trips, 16 datagrams in flight (and a fifth as many one at a time)"
if have python3; then
    declare -A udp_port
    start_logged "$work/ours-udp.log" "${pin_server[@]}" udp-server 127.0.0.1 0
    udp_port[ours]=$port ours_pid=$!
    start_logged "$work/python-udp.log" "${pin_server[@]}" env PYTHONIOENCODING=utf-8 \
        python3 -u tests/notebook/udp_server.py 127.0.0.1 0
    udp_port[python]=$port
    start_logged "$work/bare-udp.log" "${pin_server[@]}" bench-load udp-echo 127.0.0.1:0 0
    udp_port[bare]=$port
    for server in ours python bare; do : > "$work/u16-$server" && : > "$work/u1-$server"; done
    load=("${pin_client[@]}" bench-load udp-rr)
    for run in $(seq "$short_runs"); do
        for server in ours python bare; do
            "${load[@]}" "127.0.0.1:${udp_port[$server]}" "$round_trips" 16 >> "$work/u16-$server"
            "${load[@]}" "127.0.0.1:${udp_port[$server]}" $((round_trips / 5)) 1 >> "$work/u1-$server"
        done
    done
    rate_of() { cut -d' ' -f3 "$work/$1" | median; }
    udp_rss=$(ps -o rss= -p "$ours_pid" | tr -d ' ')
    row "udp-server, 16 datagrams in flight, vs the notebook's Python server" \
        "$(rate_of u16-ours)" "$(rate_of u16-python)" rt/s 1.3 "$udp_rss"
    row "udp-server, 16 datagrams in flight, vs a bare recv_from/send_to loop in Rust" \
        "$(rate_of u16-ours)" "$(rate_of u16-bare)" rt/s 0.8 "$udp_rss"
    row "(for information) udp-server, one datagram at a time, vs the notebook's Python server" \
        "$(rate_of u1-ours)" "$(rate_of u1-python)" rt/s 0 -
else
    skipped "udp-server vs Python" "needs python3"
fi

# ---- 6. The line server, pipelined, against a bare line loop ----
# One connection, lines written as fast as one thread can while another reads the replies. The
# bare loop (bench-load lines-bare) reads a line, upper-cases it, writes it: nothing else.
echo "# 6. ${pipelined} pipelined lines through lines-server, and through a bare line loop"
start_logged "$work/lines.log" "${pin_server[@]}" lines-server 127.0.0.1 0
lines_port=$port lines_pid=$!
start_logged "$work/lines-bare.log" "${pin_server[@]}" bench-load lines-bare 127.0.0.1:0 0
bare_lines_port=$port
: > "$work/l-ours" && : > "$work/l-bare"
for run in $(seq "$short_runs"); do
    "${pin_client[@]}" bench-load lines "127.0.0.1:$lines_port" "$pipelined" >> "$work/l-ours"
    "${pin_client[@]}" bench-load lines "127.0.0.1:$bare_lines_port" "$pipelined" >> "$work/l-bare"
done
row "lines-server, pipelined lines, vs a bare BufReader/write_all loop in Rust" \
    "$(cut -d' ' -f3 "$work/l-ours" | median)" "$(cut -d' ' -f3 "$work/l-bare" | median)" \
    lines/s 0.8 "$(ps -o rss= -p "$lines_pid" | tr -d ' ')"

# ---- 7. The chat server's fan-out against a bare loop ----
# 100 readers connected, and one sender: the time for one line to reach all 100, median of many.
# The bare loop (bench-load fanout-bare) writes each line to the 100 sockets in turn, from one
# thread. The rate is one over the median: higher is better, as in the other rows.
echo "# 7. one line to 100 chat clients, ${fanouts} times, through chat-server and a bare loop"
start_logged "$work/chat.log" "${pin_server[@]}" chat-server 127.0.0.1 0
chat_port=$port chat_pid=$!
start_logged "$work/fanout-bare.log" "${pin_server[@]}" bench-load fanout-bare 127.0.0.1:0 100
bare_fanout_port=$port
: > "$work/f-ours" && : > "$work/f-bare"
for run in $(seq "$short_runs"); do
    "${pin_client[@]}" bench-load fanout "127.0.0.1:$chat_port" 100 "$fanouts" >> "$work/f-ours"
    "${pin_client[@]}" bench-load fanout "127.0.0.1:$bare_fanout_port" 100 "$fanouts" >> "$work/f-bare"
done
per_second() { cut -d' ' -f4 "$1" | median | awk '{ printf "%.1f", 1e6 / $1 }'; }
row "chat-server: one line to 100 clients (1 / median), vs a bare loop writing it to each" \
    "$(per_second "$work/f-ours")" "$(per_second "$work/f-bare")" lines/s 0.5 \
    "$(ps -o rss= -p "$chat_pid" | tr -d ' ')"

# ---- 8. A clean build of the whole workspace ----
echo "# 8. cargo build --workspace from clean"
if $quick; then
    skipped "clean build" "not in --quick"
else
    read -r seconds rss < <(timed /dev/null env CARGO_TARGET_DIR="$work/target" \
        cargo build --quiet --workspace)
    rows+=("$(printf '| cargo build --workspace from clean | %s s | - | - | <= 20 s | %s KiB | %s |' \
        "$seconds" "$rss" "$(awk -v s="$seconds" 'BEGIN { print (s <= 20) ? "ok" : "MISSED" }')")")
    awk -v s="$seconds" 'BEGIN { exit !(s > 20) }' && failed=$((failed + 1))
fi

echo
echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "$(uname -sr); medians of $runs runs per side ($short_runs for the short rows, alternating);" \
    "short rows: $pinning; RSS: our program's peak"
echo
echo "| what | ours | theirs | ratio | target | peak RSS | verdict |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if ((failed > 0)); then
    echo
    echo "$failed target(s) missed"
    exit 1
fi
