# a server that closes without reading what the client sent
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
have_nc_half_close || skip "needs nc -N (Debian: apt-get install netcat-openbsd)"
# paused_around_close NAME COMMAND: the notebook's server, and COMMAND (a shell line, the client
# NAME) sending to it. To make the reset come every time before the client reads, both are
# paused by turns: the server until the client has sent, the client until the server has closed.
paused_around_close() {
    local name=$1 command=$2 client
    show "kill -STOP $pid"
    printf '$ %s &\n' "$command"
    setsid bash -c "$command" > "$work/client.out" 2>&1 & # its own process group: nc and printf
    client=$!
    track --group "$client"
    until_connected "$port" 1
    sleep 0.2 # and it has sent: it waits for the server
    show "kill -STOP -$client; kill -CONT $pid; sleep 0.5; kill -CONT -$client"
    status=0
    wait "$client" || status=$?
    out=$(< "$work/client.out")
    [[ -z $out ]] || echo "$out"
    echo "($name exited with status $status)"
}

say "nc sends 'hola' to the notebook's server, which greets it and closes without reading:"
start_server python3 tests/notebook/tcp_server.py 127.0.0.1 0
paused_around_close nc "printf 'hola\n' | nc -N 127.0.0.1 $port"
say "Nothing at all, and exit status 0: the unread 'hola' made the server's kernel reset the"
say "connection, and nc, seeing the reset, dropped the greeting that had come before it."
expect '[[ $out != *Gracias* && $status == 0 ]]' "nc should have lost the greeting"
say "Ours, tcp-client, the same way:"
start_server python3 tests/notebook/tcp_server.py 127.0.0.1 0
paused_around_close tcp-client "tcp-client --send hola 127.0.0.1 $port"
say "It prints the greeting it had, then says what happened, in words, and exits 1."
expect '[[ $out == *Gracias* && $out == *"so its side reset the connection"* && $status == 1 ]]' "ours should keep the greeting and say it was reset"
