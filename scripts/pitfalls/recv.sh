# one recv(4096) reads a TCP reply, which comes in pieces
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
say "A server that sends 6000 bytes in two writes of 3000, half a second apart:"
start_server python3 scripts/pitfalls/tcp_pieces.py 3000,3000 0.5
show "python3 tests/notebook/tcp_client.py 127.0.0.1 $port | wc -c"
say "3000 bytes of 6000 (and print's newline and 'lol'): its one recv(4096) returned"
say "what had arrived, the first write, and it closed. The second write was never read."
expect '((out == 3005))' "the notebook's client should have printed the first write alone, 3000 bytes"
started=$EPOCHREALTIME
show "minimal-tcp-client 127.0.0.1 $port | wc -c"
say "Ours reads until the server closes (read returns 0): all 6000, the second write half a"
say "second after the first."
expect '[[ $out == 6000 ]]' "ours should have printed all 6000 bytes"
waited=$((${EPOCHREALTIME/./} - ${started/./})) # microseconds
expect "((${waited} >= 500000))" "the second write should have come 0.5 s after the first"

say "A web server whose head and page arrive in two writes (the notebook's GET to python.org):"
start_server python3 scripts/pitfalls/tcp_pieces.py --http 2000 0.5
show "python3 tests/notebook/http_get.py 127.0.0.1 $port"
say "Only the head: the page came in a second read, which the notebook never makes."
expect '[[ $out == *"Content-Length: 2000"* && $out != *"line 0040"* ]]' "the notebook should lose the page"
show "minimal-http-get 127.0.0.1 $port | tail -n 1"
expect '[[ $out == "line 0040: "* ]]' "ours should have printed the page to its last line"
