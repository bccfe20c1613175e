# a server that takes each recv for one message
# shellcheck disable=SC2154 # a lesson of scripts/pitfalls.sh: $port, $out... come from lib/common.sh
two="printf 'hola\nmundo\n'"                      # two lines in one write
halves="(printf 'ho'; sleep 0.2; printf 'la\n')" # one line in two writes, 0.2 s apart
say "A line server in the notebook's style: each recv(4096) is taken for one line."
start_server python3 scripts/pitfalls/lines_recv.py
show "$two | tcp-client 127.0.0.1 $port 2> /dev/null"
say "Two lines came in one read: it answered the first, and 'mundo' is lost."
expect '[[ $out == "HOLA" ]]' "the notebook-style server should have answered the first line alone"
show "$halves | tcp-client 127.0.0.1 $port 2> /dev/null"
say "One line came in two reads: it answered each half as a line."
expect '[[ $out == $'"'"'HO\nLA'"'"' ]]' "the notebook-style server should have answered each half"
say "Ours, lines-server, reads through a buffer up to each \\n (read_until), however TCP cut it:"
start_server lines-server 127.0.0.1 0
show "$two | tcp-client 127.0.0.1 $port 2> /dev/null"
expect '[[ $out == $'"'"'HOLA\nMUNDO'"'"' ]]' "ours should have answered both lines"
show "$halves | tcp-client 127.0.0.1 $port 2> /dev/null"
expect '[[ $out == "HOLA" ]]' "ours should have answered the line once, whole"

edit_and_build tcp-server/examples/lines-server.rs \
    "reader.by_ref().take(LINE_LIMIT as u64 + 1).read_until(b'\\n', &mut line)?;" \
    'reader.fill_buf()?.read_to_end(&mut line)?; reader.consume(count);'
start_server "$edited" 127.0.0.1 0
show "$halves | tcp-client 127.0.0.1 $port 2> /dev/null"
say "Each read taken as a line: the mistake is back."
expect '[[ $out == $'"'"'HO\nLA'"'"' ]]' "the edited copy should have answered each half"
