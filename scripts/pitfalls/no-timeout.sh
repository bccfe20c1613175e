# a UDP client waits for its reply forever
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
say "A UDP server that receives and never answers:"
start_server python3 scripts/pitfalls/udp_slow.py never
silent=$port
show "timeout 3 python3 tests/notebook/udp_client.py 127.0.0.1 $silent"
say "Still waiting after 3 s, when timeout stopped it (status 124): its recvfrom has no timeout."
expect '[[ $status == 124 ]]' "the notebook's client should still have been waiting"
reserve_port
say "Nothing listening at all, on port $reserved:"
no_ports() { awk '/^Udp: [0-9]/ { print $3 }' /proc/net/snmp; } # datagrams to no socket
before=$(no_ports)
show "timeout 3 python3 tests/notebook/udp_client.py 127.0.0.1 $reserved"
say "Waiting all the same: its socket is not connected, so Linux does not pass it the ICMP"
say "'port unreachable' the kernel sent back (its count of datagrams to no port, Udp NoPorts in"
say "/proc/net/snmp, went from $before to $(no_ports))."
expect '[[ $status == 124 && $(no_ports) -gt $before ]]' "the client should have waited, refused"
show "minimal-udp-client 127.0.0.1 $silent"
say "Ours waits 2 s at most (set_read_timeout), and says so."
expect '[[ $status == 1 && $out == *"no reply within 2 s" ]]' "ours should give up after 2 s"
show "minimal-udp-client 127.0.0.1 $reserved"
say "Connected, ours hears the 'port unreachable' at once."
expect '[[ $status == 1 && $out == *"Connection refused"* ]]' "ours should be refused at once"

edit_and_build udp-client/examples/minimal-udp-client.rs '    socket.set_read_timeout(' '    // socket.set_read_timeout('
show "timeout 3 $edited 127.0.0.1 $silent"
say "Without its timeout, ours waits forever too: the mistake is back."
expect '[[ $status == 124 ]]' "the edited copy should still have been waiting"
