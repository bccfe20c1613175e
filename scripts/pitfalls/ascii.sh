# data.decode('ascii') in the UDP server
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
say "The notebook's UDP server, and a datagram in Spanish (its own language):"
start_server python3 tests/notebook/udp_server.py 127.0.0.1 0
show "udp-client --timeout 1 --send '¡Hola, qué tal!' 127.0.0.1 $port"
server_says "$server_log" 20
say "data.decode('ascii') raised UnicodeDecodeError at the first byte of '¡': the server died."
expect '[[ $said == *UnicodeDecodeError* ]]' "the notebook's server should have died"
show "timeout 3 python3 tests/notebook/udp_client.py 127.0.0.1 $port"
say "The next client waits forever (until timeout stopped it): nobody is there to answer."
expect '[[ $status == 124 ]]' "the next notebook client should have waited"
start_server minimal-udp-server 127.0.0.1 0
show "udp-client --timeout 1 --send '¡Hola, qué tal!' 127.0.0.1 $port"
expect '[[ $status == 0 ]]' "ours should have answered"
server_says "$server_log" 1
say "Ours decodes lossily (String::from_utf8_lossy): any byte goes, and it answers on."
expect '[[ $said == "¡Hola, qué tal!"* ]]' "ours should have printed the greeting"
show "timeout 3 python3 tests/notebook/udp_client.py 127.0.0.1 $port"
expect '[[ $status == 0 ]]' "the next client should have had its reply"
