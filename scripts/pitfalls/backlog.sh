# a server that stops after five clients, with more waiting
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
# paused_then_seven: the server in $pid, paused (SIGSTOP) as if busy with a slow client, while two
# connections that never speak and five of the notebook's clients connect, one after the other
# (each waits in the listen backlog, in this order); then it goes on. Their outputs are then
# counted: how many were greeted (GREETING), how many reset.
paused_then_seven() {
    local greeting=$1 n clients=()
    show "kill -STOP $pid"
    echo "\$ exec 8<>/dev/tcp/127.0.0.1/$port 9<>/dev/tcp/127.0.0.1/$port   # two that say nothing"
    exec 8<> "/dev/tcp/127.0.0.1/$port" 9<> "/dev/tcp/127.0.0.1/$port"
    echo "\$ for n in 1 2 3 4 5; do python3 tests/notebook/tcp_client.py 127.0.0.1 $port > $work/client-\$n.out 2>&1 & done"
    for n in 1 2 3 4 5; do
        python3 tests/notebook/tcp_client.py 127.0.0.1 "$port" > "$work/client-$n.out" 2>&1 &
        clients+=("$!")
        until_connected "$port" $((2 + n)) # (the script waits for each, so they queue in order)
    done
    show "kill -CONT $pid"
    wait "${clients[@]}" || true # each notebook client ends, greeted or reset
    exec 8>&- 9>&-
    show "cat $work/client-*.out | grep -o -e '$greeting' -e ConnectionResetError | sort | uniq -c"
}
greeted() { grep -l "$1" "$work"/client-*.out | wc -l; }
reset() { grep -l ConnectionResetError "$work"/client-*.out | wc -l; }

say "The notebook's server (it serves five clients, then exits):"
start_server python3 tests/notebook/tcp_server.py 127.0.0.1 0
paused_then_seven Gracias
say "It served five (the two silent ones among them) and exited; the two clients still in its"
say "backlog were reset: closing a listening socket resets the connections waiting in it."
expect '(($(greeted Gracias) == 3 && $(reset) == 2))' "three of the notebook's clients should be greeted, two reset"
rm -f "$work"/client-*.out
say "Ours stopping at the same count, tcp-server --clients 5: the very same resets."
start_server tcp-server --clients 5 --timeout 1 127.0.0.1 0
paused_then_seven Thanks
expect '(($(greeted Thanks) == 3 && $(reset) == 2))' "ours with --clients 5 should reset the two waiting too"
rm -f "$work"/client-*.out
say "Ours as it runs by default, counting nothing (tcp-server/src/main.rs, its accept loop):"
start_server tcp-server --timeout 1 127.0.0.1 0
paused_then_seven Thanks
say "All greeted: a server that stops at a count resets whoever waits; ours stops at none."
expect '(($(greeted Thanks) == 5 && $(reset) == 0))' "ours should greet all five"
