# What scripts/trace.sh runs under strace, so that one strace follows both sides of an exchange:
#
#     bash scripts/trace/both-sides.sh WORK SERVER-COMMAND
#
# It starts the server (its output in WORK/server.out, its pid in WORK/server.pid), then waits
# for trace.sh to write the client's command into WORK/go: trace.sh does so once it has read the
# server's port and tcpdump listens. It runs the client (its pid in WORK/client.pid, its output
# in WORK/client.out) and then stops the server, unless it has finished by itself within 2 s
# (ours do, after one client; the notebook's and Python's web server serve on). The pids tell the
# timeline tool which side each system call belongs to.
work=$1 server=$2
# shellcheck disable=SC2086 # the server's command is a line of words, split as typed
$server > "$work/server.out" 2>&1 &
server_pid=$!
echo "$server_pid" > "$work/server.pid"
until [[ -s $work/go ]]; do sleep 0.05; done
client=$(< "$work/go")
# A subshell, so that its pid is known before it becomes the client (exec keeps the pid).
# shellcheck disable=SC2086 # the same, for the client's command
(echo "$BASHPID" > "$work/client.pid" && exec $client) > "$work/client.out" 2>&1
for _ in $(seq 40); do kill -0 "$server_pid" 2> /dev/null || exit 0; sleep 0.05; done
kill "$server_pid" && wait
