# a server bound to socket.gethostname()
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
is_root || skip "a private hostname and hosts file need root (unshare)"
have unshare || skip "needs unshare (Debian: util-linux)"
say "A machine like a Debian one: a hostname of its own, in its hosts file as 127.0.1.1. To do"
say "this by hand, start a shell with its own hostname and mounts (sudo unshare --mount --uts"
say "bash), and type the lines marked [box]# in it."
unshare --mount --uts sleep 600 &
box=$!
track "$box"
sleep 0.2
inside=(nsenter -t "$box" -m -u -w) # a command run here runs in the shell's namespaces
show_via '[box]#' "${inside[@]}" -- "hostname notebook-pc; printf '127.0.0.1 localhost\n127.0.1.1 notebook-pc\n' > $work/hosts"
printf 'hosts: files\n' > "$work/nsswitch.conf" # names from the hosts file only: no DNS
"${inside[@]}" mount --bind "$work/nsswitch.conf" /etc/nsswitch.conf
show_via '[box]#' "${inside[@]}" -- "mount --bind $work/hosts /etc/hosts; hostname -i"
say "The notebook's server, bound as in its cell to socket.gethostname(), that is \$(hostname):"
start_server --show "[box]# python3 tests/notebook/tcp_server.py \$(hostname) 0 &" \
    "${inside[@]}" bash -c 'exec python3 tests/notebook/tcp_server.py "$(hostname)" 0'
show_via '[box]#' "${inside[@]}" -- "python3 tests/notebook/tcp_client.py 127.0.0.1 $port 2>&1 | tail -n 1"
say "The hostname is 127.0.1.1, where the server listens; the client tried 127.0.0.1 and was"
say "refused. And the reverse, a server on 127.0.0.1, and the notebook's client, by hostname:"
expect '[[ $out == *ConnectionRefusedError* ]]' "the client on 127.0.0.1 should be refused"
start_server --show "[box]# minimal-tcp-server 127.0.0.1 0 &" "${inside[@]}" minimal-tcp-server 127.0.0.1 0
show_via '[box]#' "${inside[@]}" -- "python3 tests/notebook/tcp_client.py \$(hostname) $port 2>&1 | tail -n 1"
expect '[[ $out == *ConnectionRefusedError* ]]' "the client by hostname should be refused"
say "Now a container, whose hostname is in no hosts file:"
show_via '[box]#' "${inside[@]}" -- "printf '127.0.0.1 localhost\n' > $work/hosts; python3 tests/notebook/tcp_server.py \$(hostname) 0 2>&1 | tail -n 1"
say "bind cannot even start: the name resolves to nothing (gaierror)."
expect '[[ $out == *gaierror* ]]' "the bind to the hostname should fail"
say "Ours takes the address to listen on, 127.0.0.1 unless told, and its clients the same:"
start_server --show "[box]# tcp-server --clients 1 127.0.0.1 0 &" "${inside[@]}" tcp-server --clients 1 127.0.0.1 0
show_via '[box]#' "${inside[@]}" -- "tcp-client --send hi 127.0.0.1 $port"
expect '[[ $status == 0 && $out == *"Thanks for connecting"* ]]' "ours should meet its client"
