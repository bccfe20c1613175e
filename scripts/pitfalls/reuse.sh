# a server restarted at once on its port
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
reserve_port
theirs=$reserved
say "The notebook's server on port $theirs, its five clients (the notebook's), and a restart:"
start_server python3 tests/notebook/tcp_server.py 127.0.0.1 "$theirs"
show "for n in 1 2 3 4 5; do python3 tests/notebook/tcp_client.py 127.0.0.1 $theirs > /dev/null; done"
exited "$pid"
show "timeout 5 python3 tests/notebook/tcp_server.py 127.0.0.1 $theirs 2>&1 | tail -n 1"
say "Address already in use: the server closed each connection first, so each waits in"
say "TIME_WAIT for 60 s, and a bind without SO_REUSEADDR is refused while any does."
expect '[[ $out == *"[Errno 98] Address already in use"* ]]' "the notebook's restart should fail (Errno 98)"
reserve_port
say "Ours, the same way, on another port: the notebook's connections in TIME_WAIT were made"
say "without SO_REUSEADDR, and they hold port $theirs against every program, ours too."
start_server minimal-tcp-server 127.0.0.1 "$reserved"
show "for n in 1 2 3 4 5; do python3 tests/notebook/tcp_client.py 127.0.0.1 $reserved > /dev/null; done"
exited "$pid"
start_server minimal-tcp-server 127.0.0.1 "$reserved"
say "It listens at once: Rust's std sets SO_REUSEADDR on every TcpListener on Unix."
expect '[[ $port == "$reserved" ]]' "ours should restart at once"
