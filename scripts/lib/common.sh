# shellcheck shell=bash disable=SC2034 # it sets variables for the scripts that source it
# The scripts' plumbing, in one place. This file is sourced, not run:
#
#     source "$(dirname "$0")/lib/common.sh"      (from scripts/; from scripts/x/: ../lib/...)
#
# It holds plumbing only, never a lesson: building our programs onto PATH, starting a server and
# reading its port, stopping what a script started, showing a command as typed with its output,
# the verdicts of a check, the port reservation, the probes for peer tools. Each script that
# sources it still reads top to bottom as its own story. Sourcing it sets `set -euo pipefail`,
# moves to the workspace's top folder, and installs the EXIT trap that cleans up (see at_exit).
# Each function has a usage line above it: what it takes, and the variables it sets.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# ---- Saying things ----

# say TEXT...: a line of narration, "# TEXT".
say() { printf '# %s\n' "$*"; }

# section TITLE...: a blank line, then "## TITLE".
section() { printf '\n## %s\n' "$*"; }

# ---- Cleaning up: whatever a script starts, it stops, on every exit path ----

tracked_pids=() # started in the background: stopped at exit (or by stop_tracked)
tracked_groups=() # started as process groups (setsid): the whole group is stopped
exit_commands=() # what at_exit was given, run in reverse order at exit
work="" # the script's temporary folder, if make_work made one

# at_exit COMMAND: run COMMAND (a shell line) when the script exits, before the work folder goes.
at_exit() { exit_commands+=("$1"); }

# track PID: stop this background process at exit. track --group PID: stop its process group.
track() {
    if [[ $1 == --group ]]; then tracked_groups+=("$2"); else tracked_pids+=("$1"); fi
}

# stop_tracked: stop every tracked process now (resumed first, if paused with SIGSTOP), and wait.
stop_tracked() {
    local pid
    for pid in "${tracked_pids[@]}"; do kill -CONT "$pid" 2> /dev/null || true; done
    for pid in "${tracked_groups[@]}"; do kill -CONT -- "-$pid" 2> /dev/null || true; done
    for pid in "${tracked_pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for pid in "${tracked_groups[@]}"; do kill -- "-$pid" "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    tracked_pids=() tracked_groups=()
}

# make_work [PARENT]: a fresh temporary folder in $work (under PARENT if it can), gone at exit.
make_work() {
    if [[ -n ${1:-} ]]; then work=$(mktemp -d "$1/sbe.XXXXXX" 2> /dev/null || mktemp -d); else work=$(mktemp -d); fi
}

cleanup_on_exit() {
    local n
    stop_tracked
    for ((n = ${#exit_commands[@]} - 1; n >= 0; n--)); do eval "${exit_commands[n]}" || true; done
    [[ -z $work ]] || rm -rf "$work"
}
trap cleanup_on_exit EXIT
trap 'exit 130' INT TERM # so that Ctrl-C runs the EXIT trap too

# ---- Our programs, built, on PATH ----

# build_to_path [--release]: cargo build the workspace's programs and examples (release ones with
# --release), then put the folders of what it built first on PATH, exported. Cargo reports where
# each one went: CARGO_TARGET_DIR, or a target-dir in a cargo config, moves them out of ./target.
build_to_path() {
    # Our examples by name: a learner's own copy (examples/my-*.rs) may not compile yet.
    local args=(--quiet --workspace --bins --example 'minimal-*' --example '*-server')
    args+=(--message-format=json-render-diagnostics)
    local built dir
    [[ ${1:-} == --release ]] && args+=(--release)
    built=$(cargo build "${args[@]}")
    while IFS= read -r dir; do PATH=$dir:$PATH; done < <(
        sed -n 's/.*"executable":"\([^"]*\)\/[^/"]*".*/\1/p' <<< "$built" | sort -u)
    export PATH
}

# ---- Servers: started in the background, ready once they say where they listen ----

# start_server [--show LINE] [--wait SECS] [--in DIR] COMMAND...: print "$ COMMAND &" (or LINE,
# the command as a reader would type it where it differs), start COMMAND (in folder DIR, if
# given) with stdout and stderr on the file
# descriptor in $server_log, and wait up to SECS (10) for its first line, which it prints:
# "listening on ADDR:PORT" (ours, the notebook's) or "Serving HTTP on ... (http://ADDR:PORT/) ..."
# (Python's). Sets $port (from that line), $pid and $server_log, and tracks the server. Returns 1,
# saying so, if no line came.
start_server() {
    local shown="" wait=10 folder=. line
    while [[ $1 == --show || $1 == --wait || $1 == --in ]]; do
        case $1 in
            --show) shown=$2 ;;
            --wait) wait=$2 ;;
            --in) folder=$2 ;;
        esac
        shift 2
    done
    if [[ -n $shown ]]; then echo "$shown"; else printf '$ %s &\n' "$*"; fi
    exec {server_log}< <(cd "$folder" && exec "$@" 2>&1)
    pid=$!
    track "$pid"
    if ! read -r -t "$wait" -u "$server_log" line; then
        echo "(it printed nothing within $wait s)"
        return 1
    fi
    line=${line%$'\r'} # a Windows program's line end, under wine
    echo "$line"
    port=${line##*:}
    port=${port%%[!0-9]*}
}

# server_says FD COUNT: print the next lines the server on FD printed, up to COUNT of them (none
# after 5 s of silence), as "    server: LINE", and keep them in $said. A line too long to read
# is shown by its start and its length.
server_says() {
    local fd=$1 count=$2 line
    said=""
    while ((count-- > 0)) && read -r -t 5 -u "$fd" line; do
        ((${#line} <= 100)) || line="${line:0:40}... (a line of ${#line} characters)"
        echo "    server: $line"
        said+="$line"$'\n'
    done
}

# ---- Commands shown as typed, and checks on what they did ----

# show COMMAND: print "$ COMMAND", run it, print what it printed (stdout and stderr, in order),
# and "(exit status N)" when N is not 0. Sets $out (what it printed) and $status. COMMAND is a
# shell line, run with eval: the line shown is then exactly the line run, pipes and quotes
# included, so a reader can retype it.
show() {
    printf '$ %s\n' "$1"
    status=0
    out=$(eval "$1" 2>&1) || status=$?
    [[ -z $out ]] || printf '%s\n' "$out"
    ((status == 0)) || echo "(exit status $status)"
}

# show_via PROMPT RUNNER... -- COMMAND: show, for a command that runs somewhere else: print
# "PROMPT COMMAND" (e.g. "[host b]$ tcp-client ..."), and run COMMAND with bash -c under RUNNER
# (e.g. ip netns exec NAMESPACE). Sets $out and $status as show does.
show_via() {
    local prompt=$1 runner=()
    shift
    while [[ $1 != -- ]]; do runner+=("$1"); shift; done
    printf '%s %s\n' "$prompt" "$2"
    status=0
    out=$("${runner[@]}" bash -c "$2" 2>&1) || status=$?
    [[ -z $out ]] || printf '%s\n' "$out"
    ((status == 0)) || echo "(exit status $status)"
}

problems=() # what failed, one line each, since the last verdict

# failed WHAT: count a check as failed, WHAT saying what should have happened.
failed() { problems+=("$*"); }

# expect CONDITION WHAT: CONDITION is a shell test, written as a string so that it reads in the
# script as it will be checked (`'[[ $out == 6000 ]]'`), and evaluated with eval when expect runs,
# against the $out and $status of the command just shown. When it is false, failed WHAT.
expect() { eval "$1" || failed "$2"; }

# ---- Ports and connections ----

# reserve_port: a port of our own in $reserved, until the script exits: one outside the kernel's
# ephemeral range (so no port-0 bind can be handed it), locked against every other user of this
# algorithm (cargo test's tests/common, the exercise tester, other scripts), and used by no
# socket of this machine, not even one in TIME_WAIT (so a bind without SO_REUSEADDR gets it).
# The same algorithm as reserved_port() in scripts/tools/src/ports.rs, which tests check.
reserve_ports_taken=0
reserve_port() {
    local low high first last count start offset number lock_dir=${TMPDIR:-/tmp}/sockets-by-example-ports
    read -r low high < /proc/sys/net/ipv4/ip_local_port_range || { low=32768 high=60999; }
    if ((low >= 21000)); then first=20000 last=$low; else first=$((high + 1 > 20000 ? high + 1 : 20000)) last=65535; fi
    count=$((last - first))
    if [[ ! -d $lock_dir ]]; then
        mkdir -p "$lock_dir" && chmod 1777 "$lock_dir" # shared by every user, like /tmp itself
    fi
    start=$(($$ * 7 + reserve_ports_taken * 13))
    reserve_ports_taken=$((reserve_ports_taken + 1))
    for ((offset = 0; offset < count; offset++)); do
        number=$((first + (start + offset) % count))
        [[ -e $lock_dir/$number ]] || : > "$lock_dir/$number" 2> /dev/null || continue
        exec {port_lock}< "$lock_dir/$number"
        if flock -n "$port_lock" && ! port_in_use "$number"; then
            reserved=$number
            return 0
        fi
        exec {port_lock}<&-
    done
    echo "no port left to reserve in $first-$last"
    return 1
}

# port_in_use PORT: whether any socket of this machine (TCP or UDP, IPv4 or IPv6, in any state)
# has PORT as its local port, as /proc/net lists them: "ADDRESS:PORT" in hex, the second field.
port_in_use() {
    awk -v port="$(printf ':%04X' "$1")" '$2 ~ port "$" { found = 1 } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2> /dev/null
}

# connected_to PORT: how many connections from this machine to PORT are established, from
# /proc/net/tcp: the remote address (third field) ends in :PORT in hex, and the state is 01,
# ESTABLISHED (or 04 or 05, if it has closed its sending half since). A server that has not
# accepted them yet has them waiting in its listen backlog all the same.
connected_to() {
    awk -v port="$(printf ':%04X' "$1")" '$3 ~ port "$" && $4 ~ /^0[145]$/' /proc/net/tcp | wc -l
}

# until_connected PORT COUNT: wait until COUNT connections to PORT are established, or 10 s, and
# failed if they are not.
until_connected() {
    local _
    for _ in $(seq 100); do
        (($(connected_to "$1") >= $2)) && return 0
        sleep 0.1
    done
    failed "only $(connected_to "$1") of $2 clients connected"
}

# exited PID: wait up to 5 s for a process to exit by itself, and failed if it does not.
exited() {
    local _
    for _ in $(seq 50); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    failed "the server (PID $1) did not exit after its clients"
}

# ---- Peers: the tools our programs are shown beside ----

# have PROGRAM: whether PROGRAM can be run (on PATH, or in /usr/sbin, where nginx lives).
have() { command -v "$1" > /dev/null || [[ -x /usr/sbin/$1 ]]; }

# have_nc_half_close: whether nc is the OpenBSD one, whose -N half-closes at the end of input.
have_nc_half_close() { grep -qE '^[[:space:]]+-N' <(nc -h 2>&1 || true); }

# is_root: whether we run as root (network namespaces, strace, tcpdump and apt need it).
is_root() { [[ $(id -u) == 0 ]]; }

# apt_install [--recommends] PACKAGE...: install these Debian packages (the caller found them
# missing), quietly, as root (or with sudo), without the packages they only recommend unless
# asked, running apt-get update only if the first try fails. Returns 1, saying so, when that
# cannot be done.
apt_install() {
    local sudo="" options=(-y -qq --no-install-recommends)
    [[ $1 == --recommends ]] && { options=(-y -qq); shift; }
    is_root || sudo=sudo
    if ! command -v apt-get > /dev/null || { [[ -n $sudo ]] && ! command -v sudo > /dev/null; }; then
        echo "# cannot install $*: no apt-get, or not root"
        return 1
    fi
    echo "# installing $* ..."
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install "${options[@]}" "$@" > /dev/null 2>&1 ||
        { $sudo apt-get update -qq && $sudo apt-get install "${options[@]}" "$@"; } > /dev/null 2>&1 ||
        { echo "# could not install $*"; return 1; }
}

# python_as_itself: put the real python3 interpreter first on PATH (in $work/bin; make_work
# first). A shim in front of it, such as pyenv's shell script, would be the process a script
# pauses with SIGSTOP, while the server it started goes on.
python_as_itself() {
    mkdir -p "$work/bin"
    ln -sf "$(python3 -c 'import sys; print(sys.executable)')" "$work/bin/python3"
    PATH=$work/bin:$PATH
}

# nginx_serving DIR PORT: start nginx in the background, serving DIR on 127.0.0.1:PORT, with its
# files in $work, and wait until it writes its pid file, its own word that it listens. Sets $pid.
nginx_serving() {
    local root=$1 port=$2 nginx _
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    chmod 755 "$work" # its workers run as another user, and must reach the files
    cat > "$work/nginx.conf" << EOF
daemon off; pid $work/nginx.pid; error_log $work/nginx.err; worker_processes 2;
events {}
http { access_log off; sendfile on; client_body_temp_path $work/t1; proxy_temp_path $work/t2;
       fastcgi_temp_path $work/t3; uwsgi_temp_path $work/t4; scgi_temp_path $work/t5;
       server { listen 127.0.0.1:$port; root $root; } }
EOF
    "$nginx" -c "$work/nginx.conf" -p "$work" > /dev/null 2>&1 &
    pid=$!
    track "$pid"
    for _ in $(seq 200); do [[ -s $work/nginx.pid ]] && return 0; sleep 0.05; done
    echo "nginx did not start:"
    cat "$work/nginx.err"
    return 1
}

# ---- Breaking ours on purpose ----

# edit_and_build FILE OLD NEW: copy FILE (one of our programs) into $work with the text OLD
# replaced by NEW, show the edit as diff shows it, and build the copy with rustc (shown too).
# Sets $edited, the built program's path. Returns 1, after failed, if OLD is no longer in FILE.
edit_and_build() {
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
