#!/usr/bin/env bash
# Kill storm for the zoo's crash safety (issue 16): runs the ZooTests kill test with many kills.
# `pix2pix zoo publish` and `zoo remove` of a tiny model run as processes and get SIGKILL after a
# random delay; after each kill the test checks that no partial version is listed, that debris and
# a stale index are reported by `zoo verify`, and that `zoo gc` or the next publish / remove repairs
# the zoo (a version whose publish never committed publishes again). Prints the tally.
#   scripts/zoo_kill_storm.sh [RUNS]     (default 100; needs `make build` first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
report=$(mktemp "${TMPDIR:-/tmp}/zoo-kill-storm.XXXXXX.json")
trap 'rm -f "$report"' EXIT
PIX2PIX_ZOO_KILL_RUNS=$runs PIX2PIX_ZOO_KILL_REPORT=$report \
  swift test -c release -Xswiftc -enable-testing --skip-build --disable-xctest --filter killedPublishAndRemove
cat "$report"
