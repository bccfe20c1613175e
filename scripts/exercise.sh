#!/usr/bin/env bash
# Do it yourself: exercises on the notebook's cells, each checked by a tester that plays the
# other side of your program (scripts/tools/src/bin/exercise/).
#
#   scripts/exercise.sh                            the exercises, in order, with your status
#   scripts/exercise.sh NAME                       check your copy (the first run makes it)
#   scripts/exercise.sh NAME EXAMPLE               check a cargo example instead
#   scripts/exercise.sh NAME -- COMMAND ARGS...    check any program (say, a Python cell)
#   scripts/exercise.sh NAME --hint | --solution   what to write | a solution
#
# The same in PowerShell, or anywhere cargo runs: cargo run -q -p tools --bin exercise -- ARGS
# Exit status: 0 when every check passed, 1 when one failed, 2 for a usage error.
cd "$(dirname "$0")/.." || exit 1
exec cargo run -q -p tools --bin exercise -- "$@"
