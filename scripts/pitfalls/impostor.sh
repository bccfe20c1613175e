# a UDP client takes a datagram from anyone as the reply
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
# the_impostor_writes CLIENT...: start the client (a command) against the slow server on $port,
# learn its port from the server's log ("from HOST:PORT"), and send it a datagram from another
# program before the real reply comes; then show what the client printed.
the_impostor_writes() {
    local client_pid client_port
    printf '$ %s &\n' "$*"
    "$@" > "$work/client.out" 2>&1 &
    client_pid=$!
    track "$client_pid"
    server_says "$server_log" 1
    client_port=${said##*:}
    client_port=${client_port%%[!0-9]*}
    say "Meanwhile another program sends a datagram to the client's port, $client_port:"
    show "udp-client --no-reply --send 'I am not your server' 127.0.0.1 $client_port"
    wait "$client_pid" || true
    show "cat $work/client.out"
}

say "A UDP server that answers after 1.5 s, and the notebook's client waiting for it:"
start_server python3 scripts/pitfalls/udp_slow.py 1.5
the_impostor_writes python3 tests/notebook/udp_client.py 127.0.0.1 "$port"
say "It printed the impostor's datagram as the server's reply: its socket takes any sender's."
expect '[[ $out == "I am not your server" ]]' "the notebook's client should take the impostor's datagram"
say "Ours, minimal-udp-client, the same way (with a server of its own, which answers in 1.5 s):"
start_server python3 scripts/pitfalls/udp_slow.py 1.5
the_impostor_writes minimal-udp-client 127.0.0.1 "$port"
say "It waited for the real reply: connect() tells the OS to pass it only its server's datagrams."
expect '[[ $out == "Aquí va mi respuesta para 127.0.0.1." ]]' "ours should print the real reply"
