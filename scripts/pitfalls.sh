#!/usr/bin/env bash
# See the notebook's mistakes happen: each one set up, the notebook's own cell (tests/notebook)
# run into it, then ours in the same situation, not making it.
#
#   scripts/pitfalls.sh [NAME...]    no NAME: all of them, in this order
#
# Each mistake is a lesson of its own, scripts/pitfalls/NAME.sh, with the stand-in peers it
# needs beside it. Each prints the commands as you would type them, then what they printed, with
# a `#` line on what happened, and ends with `ok:` when the mistake happened to the notebook's
# code and not to ours, `FAILED:` otherwise, or `skipped:` and why (no-host needs nginx,
# gethostname root, reset nc). Some also edit one line of our program, build the copy with
# rustc, and show the mistake come back. Exit status: 0 when no lesson failed. Whatever a lesson
# starts, it stops, and its files go, on every exit path.
source "$(dirname "$0")/lib/common.sh"
exec 2>&1

all=(recv recv-4096 recvfrom no-timeout no-host ascii backlog gethostname reuse reset impostor framing)
usage="usage: scripts/pitfalls.sh [${all[*]}]..."
chosen=()
for arg in "$@"; do
    case " ${all[*]} " in
        *" $arg "*) chosen+=("$arg") ;;
        *)
            [[ $arg == -h || $arg == --help ]] && { echo "$usage"; exit 0; }
            echo "pitfalls.sh: no such mistake: $arg" >&2
            echo "$usage" >&2
            exit 2
            ;;
    esac
done
((${#chosen[@]})) || chosen=("${all[@]}")
have python3 || { echo "skipped: every lesson runs the notebook's Python"; exit 0; }

echo "# building (cargo build --workspace) ..."
build_to_path
export PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8 # the notebook prints "Conexión" as it goes
make_work
python_as_itself

# One lesson, in a subshell of its own: what it starts, it stops; what it sets, stays there. Its
# first line, `# TITLE`, is its title. Exit status: 0 ok, 10 failed, 11 skipped; any other is a
# command of the lesson that failed where none should (set -e stopped it).
lesson() {
    local name=$1
    printf '\n## %s: %s\n' "$name" "$(sed -n '1s/^# //p' "scripts/pitfalls/$name.sh")"
    (
        trap stop_tracked EXIT
        # skip REASON: the lesson cannot run here (a peer, or root, is missing); it says why.
        skip() { echo "skipped: $name: $*" | tee "$work/skipped"; exit 11; }
        # shellcheck source=/dev/null # each lesson is checked on its own
        source "scripts/pitfalls/$name.sh"
        for problem in "${problems[@]}"; do echo "FAILED: $name: $problem"; done
        ((${#problems[@]} == 0)) || exit 10
        echo "ok: $name: the mistake happened to the notebook's code, not to ours"
    )
}

verdicts=()
for name in "${chosen[@]}"; do
    status=0
    lesson "$name" || status=$?
    case $status in
        0) verdicts+=("ok: $name") ;;
        10) verdicts+=("FAILED: $name") ;;
        11) verdicts+=("$(< "$work/skipped")") ;;
        *)
            echo "FAILED: $name: it stopped at a command that failed (exit status $status)"
            verdicts+=("FAILED: $name")
            ;;
    esac
done

echo
echo "# Each mistake, on the notebook's side and on ours:"
printf '%s\n' "${verdicts[@]}"
for verdict in "${verdicts[@]}"; do [[ $verdict != FAILED* ]] || exit 1; done
