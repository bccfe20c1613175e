# recvfrom(4096) reads a datagram
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
five_thousand="udp-client --timeout 1 --send \"\$(printf 'x%.0s' {1..5000})\"" # typed as shown
say "The notebook's UDP server, and one datagram of 5000 bytes:"
start_server python3 tests/notebook/udp_server.py 127.0.0.1 0
show "$five_thousand 127.0.0.1 $port"
server_says "$server_log" 1
say "4096 characters: recvfrom(4096) filled its buffer, and the kernel dropped the other 904"
say "bytes of the datagram. Python raised nothing: they are silently gone."
expect '[[ $said == *"(a line of 4096 characters)"* ]]' "the notebook's server should have printed 4096 of 5000 bytes"
start_server minimal-udp-server 127.0.0.1 0
show "$five_thousand 127.0.0.1 $port"
server_says "$server_log" 1
say "Ours printed all 5000: its buffer, 65,535 bytes, fits any datagram."
expect '[[ $said == *"(a line of 5000 characters)"* ]]' "ours should have printed all 5000 bytes"

edit_and_build udp-server/examples/minimal-udp-server.rs 'vec![0; 65_535]' 'vec![0; 4096]'
start_server "$edited" 127.0.0.1 0
show "$five_thousand 127.0.0.1 $port"
server_says "$server_log" 1
say "The edited copy printed 4096, and recv_from returned no error either: the mistake is back."
expect '[[ $said == *"(a line of 4096 characters)"* ]]' "the edited copy should have printed 4096 bytes"
