#!/usr/bin/env bash
# The programs on the systems learners have, checked from this Debian machine:
#
#   - Windows: all ten programs built for x86_64-pc-windows-gnu, then each pair, full and
#     minimal, run under wine on 127.0.0.1, with the errors and timeouts that Windows names in
#     its own words (and error kinds);
#   - macOS (x86_64 and aarch64) and FreeBSD: the programs type-checked (cargo check), not run.
#
#   scripts/cross-check.sh
#
# How, without rustup's targets (rustup cannot add targets here): Debian's rustc-web and
# cargo-web, with the library source of the same version (rust-web-src), build std itself for
# each target (-Zbuild-std, a nightly flag that RUSTC_BOOTSTRAP=1 allows on a stable compiler),
# and mingw-w64 links for Windows. rustup's cargo and rustc are taken off PATH for that, and the
# builds go to a target directory of their own, $CROSS_CHECK_DIR (by default in ~/.cache), never
# to target/. What it needs, it installs with apt (as root), only when missing; without root, it
# says `skipped:` and why. It takes about 4 minutes on a fresh machine, installing included (20 s
# when all is built), and 0.8 GB of disk for its builds.
#
# Wine 8.0 (Debian 12's) lacks a DLL that current Rust programs need: see
# scripts/cross-check/bcryptprimitives.c for the stand-in built here. Wine runs in a private
# WINEPREFIX, stopped with `wineserver -k` on every exit path. Exit status: 0 when every build,
# type-check and pair passed.
source "$(dirname "$0")/lib/common.sh"
exec 2>&1

# ---- What it needs: Debian's Rust of one version with its library source, mingw, wine ----
missing=()
[[ -x /usr/bin/rustc && -x /usr/bin/cargo ]] || missing+=(rustc-web cargo-web)
[[ -d /usr/lib/rustlib/src/rust/library ]] || missing+=(rust-web-src)
command -v x86_64-w64-mingw32-gcc > /dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v wine > /dev/null || missing+=(wine wine64)
command -v python3 > /dev/null || missing+=(python3)
if ((${#missing[@]})); then
    if ! is_root || ! command -v apt-get > /dev/null; then
        echo "skipped: needs ${missing[*]} (Debian packages; as root, this script installs them)"
        exit 0
    fi
    apt_install "${missing[@]}"
fi
if [[ $(/usr/bin/rustc --version) != "rustc $(dpkg-query -W -f '${Version}' rust-web-src | cut -d+ -f1)"* ]]; then
    echo "FAILED: /usr/bin/rustc is not the version of the library source in rust-web-src"
    exit 1
fi

echo "# building (cargo build --workspace), for the Linux side of a pair ..."
# Our Linux programs go on PATH from wherever cargo put them: it reports the path of each one.
build_to_path
make_work
export WINEPREFIX=$work/wine WINEDEBUG=-all # a prefix of our own; no wine debug chatter
at_exit 'wineserver -k 2> /dev/null' # every wine process of our prefix

failures=0
check_failed() {
    echo "    FAILED: $*"
    failures=$((failures + 1))
}

# Debian's cargo and rustc, not rustup's: PATH without ~/.cargo/bin (or $CARGO_HOME/bin).
debian_path=$(tr ':' '\n' <<< "$PATH" | grep -v -e '/\.cargo/bin$' -e "^${CARGO_HOME:-/nonexistent}/bin$" | paste -sd:)
target_dir=${CROSS_CHECK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sockets-by-example/cross-check}
cross() { # cross build|check TARGET: all ten programs, with std built for TARGET
    local verb=$1 target=$2 log=$work/$1-$2.log
    printf '$ RUSTC_BOOTSTRAP=1 cargo %s -Zbuild-std=std,panic_abort --target %s --release ...\n' "$verb" "$target"
    if ! PATH=$debian_path RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$verb" --quiet \
        -Zbuild-std=std,panic_abort --target "$target" --target-dir "$target_dir" --release \
        --workspace --bins --examples > "$log" 2>&1; then
        cat "$log"
        check_failed "cargo $verb for $target"
        return 1
    fi
    # A warning on one system only is still ours to mend (std's own are capped, not shown).
    if grep -q '^warning' "$log"; then
        cat "$log"
        check_failed "cargo $verb for $target warned"
        return 1
    fi
    echo "    ok"
}

section "Windows: build all ten programs with std for x86_64-pc-windows-gnu"
cross build x86_64-pc-windows-gnu || true
exe=$target_dir/x86_64-pc-windows-gnu/release

section "macOS and FreeBSD: type-check all ten programs (cargo check needs no linker)"
for target in x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd; do
    cross check "$target" || true
done

# ---- Windows: each pair under wine ----
section "Windows: each pair under wine $(wine --version 2> /dev/null | sed 's/^wine-//')"
if [[ ! -x $exe/tcp-server.exe ]]; then
    check_failed "no Windows build to run"
    exit 1
fi
x86_64-w64-mingw32-gcc -shared -O2 -o "$exe/bcryptprimitives.dll" \
    scripts/cross-check/bcryptprimitives.c -ladvapi32
cp "$exe/bcryptprimitives.dll" "$exe/examples/" # beside the minimal programs too
say "bcryptprimitives.dll, wine 8.0's missing DLL, built from scripts/cross-check/bcryptprimitives.c"
wineboot -i > /dev/null 2>&1 || true # the prefix, made once, quietly

# start COMMAND...: start_server, in the programs' folder, and wine's first start can be slow.
start() {
    start_server --in "$exe" --wait 30 "$@" && [[ -n $port ]] || { check_failed "it did not start"; return 1; }
}

# `check STATUS TEXT COMMAND`: run COMMAND (a shell line, in the programs' folder), show it and
# its output, and check its exit status and that its output contains TEXT.
check() {
    local want_status=$1 want_text=$2 command=$3 output status=0
    printf '$ %s\n' "$command"
    output=$(cd "$exe" && timeout 60 bash -c "$command" 2>&1) || status=$?
    [[ -z $output ]] || printf '%s\n' "$output"
    if [[ $status == "$want_status" && $output == *"$want_text"* ]]; then
        echo "    ok"
    else
        check_failed "wanted exit status $want_status and output with: $want_text (got $status)"
    fi
}

greeting="Thanks for connecting"
say "TCP: tcp-server.exe, and three clients: two under wine, then our Linux build"
start wine tcp-server.exe --clients 3 127.0.0.1 0 && {
    check 0 "$greeting"$'\n'"hello" "wine tcp-client.exe --send hello 127.0.0.1 $port"
    check 0 "$greeting"$'\n'"one"$'\n'"two" "printf 'one\\ntwo\\n' | wine tcp-client.exe 127.0.0.1 $port"
    check 0 "$greeting"$'\n'"from Linux" "tcp-client --send 'from Linux' 127.0.0.1 $port"
}
say "The minimal pair: five clients, then the server exits by itself, as the notebook's does"
start wine examples/minimal-tcp-server.exe 127.0.0.1 0 && {
    check 0 "Gracias por conectarte" "for n in 1 2 3 4 5; do wine examples/minimal-tcp-client.exe 127.0.0.1 $port; done"
}

say "UDP: udp-server.exe, one datagram, then one per line"
start wine udp-server.exe --count 3 127.0.0.1 0 && {
    check 0 "Here is my reply for 127.0.0.1." "wine udp-client.exe --send hello 127.0.0.1 $port"
    check 0 "Here is my reply for 127.0.0.1."$'\n'"Here is my reply for 127.0.0.1." \
        "printf 'one\\ntwo\\n' | wine udp-client.exe 127.0.0.1 $port 2> /dev/null"
}
start wine examples/minimal-udp-server.exe 127.0.0.1 0 && {
    check 0 "Aquí va mi respuesta para 127.0.0.1." "wine examples/minimal-udp-client.exe 127.0.0.1 $port"
}

say "HTTP: http-get.exe and minimal-http-get.exe, from Python's web server on Linux"
start python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$PWD/http-get" && {
    check 0 'name = "http-get"' "wine http-get.exe http://127.0.0.1:$port/Cargo.toml"
    check 0 "HTTP/1.0 200 OK" "wine examples/minimal-http-get.exe 127.0.0.1 $port"
}

section "Windows: failures and timeouts, which Windows names in its own words and kinds"
python3 - << 'EOF' > "$work/silent.log" 2>&1 &
# Silent peers: a TCP server that accepts and never speaks, and a UDP socket that never answers.
import socket, time
tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
print(tcp.getsockname()[1], udp.getsockname()[1], flush=True)
held = []
while True:
    held.append(tcp.accept())
EOF
track "$!"
for _ in $(seq 100); do [[ -s $work/silent.log ]] && break; sleep 0.1; done
read -r silent_tcp silent_udp < "$work/silent.log"
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "A refused connection: Windows' error 10061 (ErrorKind ConnectionRefused):"
check 1 "tcp-client: cannot connect to 127.0.0.1 port $closed: " "wine tcp-client.exe 127.0.0.1 $closed"
say "A port in use: Windows' error 10048 (ErrorKind AddrInUse):"
check 1 "tcp-server: cannot listen on 127.0.0.1 port $silent_tcp: " "wine tcp-server.exe 127.0.0.1 $silent_tcp"
say "A read timeout is TimedOut on Windows, WouldBlock on Unix: each program says it in words."
check 1 "timed out: no data from the server for 1 s after we were done" \
    "wine tcp-client.exe --timeout 1 --send anyone 127.0.0.1 $silent_tcp"
check 1 "no reply from 127.0.0.1:$silent_udp within 1 s" \
    "wine udp-client.exe --timeout 1 --send anyone 127.0.0.1 $silent_udp"
check 1 "timed out (--timeout)" "wine http-get.exe --timeout 1 http://127.0.0.1:$silent_tcp/"
check 1 "no data within 5 s" "wine examples/minimal-tcp-client.exe 127.0.0.1 $silent_tcp"
say "A datagram to a port where nothing listens: Linux reports the ICMP 'port unreachable' to the"
say "next receive (ConnectionRefused), Windows too (as ConnectionReset), wine 8.0 only with the"
say "datagram after. udp-client handles both kinds; under wine it waits out its timeout:"
check 1 "udp-client: " "wine udp-client.exe --timeout 1 --send anyone 127.0.0.1 $closed"

section "Result"
if ((failures > 0)); then
    echo "$failures check(s) FAILED"
    exit 1
fi
echo "all checks passed: built for Windows and run under wine; type-checked for macOS and FreeBSD"
