# recv(4096) reads a TCP reply longer than 4096 bytes
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
say "A server that sends 10,000 bytes in one write:"
start_server python3 scripts/pitfalls/tcp_pieces.py 10000
show "python3 tests/notebook/tcp_client.py 127.0.0.1 $port | tail -n 2"
say "recv(4096) gives 4096 bytes at the most: 81 lines of 50 bytes, and 46 of the 82nd. The"
say "line is cut where the buffer ended, and the rest of the reply is lost."
expect '[[ $out == "line 0082: "*"lol" && ${#out} == 50 ]]' "the notebook's client should cut line 82"
show "minimal-tcp-client 127.0.0.1 $port | wc -c"
expect '[[ $out == 10000 ]]' "ours should have printed all 10000 bytes"

edit_and_build tcp-client/examples/minimal-tcp-client.rs \
    'io::copy(&mut stream, &mut io::stdout())' 'io::copy(&mut io::Read::take(&stream, 4096), &mut io::stdout())'
show "$edited 127.0.0.1 $port | wc -c"
say "take(4096) stops at 4096 bytes, as one recv(4096) must: the rest is lost, the mistake is back."
expect '[[ $out == 4096 ]]' "the edited copy should have printed 4096 bytes"
