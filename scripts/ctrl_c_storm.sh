#!/usr/bin/env bash
# Ctrl-C storm: N tiny `pix2pix train` runs, each sent SIGINT at a random moment (a third of them
# twice, 0–50 ms apart), alternately with --threads 1 and the default thread count. Every run must
# exit 130, leave a latest.pzck that `pix2pix ckpt inspect --verify` accepts, and resume with
# `pix2pix train --resume` to two steps beyond the interruption. Prints a tally and exits non-zero
# on any failure; failed runs are kept for inspection.
#
#   scripts/ctrl_c_storm.sh [N]        # N defaults to 100; PIX2PIX=path/to/pix2pix overrides the binary
#
# The short form runs in the test suite (Tests/CLITests/InterruptTests.swift).
set -u
N=${1:-100}
BIN=${PIX2PIX:-.build/release/pix2pix}
[ -x "$BIN" ] || { echo "ctrl_c_storm: no executable $BIN (build first: swift build -c release -Xswiftc -enable-testing)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pix2pix-ctrl-c-storm.XXXXXX")
set -m  # job control: the runs get the default SIGINT disposition, as from a terminal

# Four small synthetic photos (stdlib-only PNG writer), then gray → colour pairs at 64².
python3 - "$WORK/photos" <<'EOF'
import os, struct, sys, zlib
out = sys.argv[1]; os.makedirs(out, exist_ok=True)
def png(path, w, h, pixel):
    raw = b''.join(b'\x00' + bytes(c for x in range(w) for c in pixel(x, y)) for y in range(h))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
for k in range(4):
    png(os.path.join(out, f'photo{k}.png'), 96, 96,
        lambda x, y, k=k: ((x * (k + 3) + y * 5) % 256, (x * y + 40 * k) % 256, (255 - x * 2 - y + 30 * k) % 256))
EOF
"$BIN" data build --source "$WORK/photos" --transform gray --size 64 --crops-per-image 2 --out "$WORK/pairs.h5" --quiet >/dev/null \
  || { echo "ctrl_c_storm: data build failed" >&2; exit 2; }

declare -A codes=()
verified=0; resumed=0; failures=0
start=$(date +%s.%N)
for i in $(seq 1 "$N"); do
  run="$WORK/run$i"
  threads=(); label="default threads"
  if (( i % 2 == 1 )); then threads=(--threads 1); label="--threads 1"; fi
  "$BIN" train --data "$WORK/pairs.h5" --out "$run" --generator unet_64 --discriminator patchgan_16 --ngf 4 --ndf 4 \
    --crop-size 64 --load-size 64 --steps 1000000 --epochs 100000 --epochs-decay 0 --checkpoint-every 2 --sample-every 3 --log-every 1 --plain --quiet \
    "${threads[@]}" >/dev/null 2>"$WORK/err$i" &
  pid=$!
  # The handler is installed before the run directory appears; then wait a random 0–1.5 s.
  for _ in $(seq 1 3000); do [ -d "$run" ] || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.01; done
  sleep "$(python3 -c 'import random; print(random.uniform(0, 1.5))')"
  kill -INT "$pid" 2>/dev/null
  if (( i % 3 == 0 )); then sleep "0.0$((RANDOM % 50))"; kill -INT "$pid" 2>/dev/null; fi
  # Wait at most 60 s for the save and the exit.
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; code=hang; wait "$pid" 2>/dev/null; else wait "$pid"; code=$?; fi
  codes[$code]=$(( ${codes[$code]:-0} + 1 ))
  ok=1
  step=$(sed -n 's/^interrupted at step \([0-9]*\);.*/\1/p' "$WORK/err$i" | tail -1)
  if [ "$code" != 130 ] || [ -z "$step" ]; then ok=0
  elif "$BIN" ckpt inspect "$run/latest.pzck" --verify >/dev/null 2>>"$WORK/err$i"; then
    verified=$((verified + 1))
    if "$BIN" train --resume "$run" --steps $((step + 2)) --plain --quiet >/dev/null 2>>"$WORK/err$i"; then
      resumed=$((resumed + 1))
    else ok=0; fi
  else ok=0; fi
  if (( ok )); then rm -rf "$run" "$WORK/err$i"
  else
    failures=$((failures + 1))
    echo "run $i ($label): exit $code, step ${step:-?}: FAILED (kept $run, log $WORK/err$i)" >&2
  fi
done
elapsed=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$start")
tally=$(for c in "${!codes[@]}"; do printf '%s×%s ' "${codes[$c]}" "$c"; done)
echo "ctrl_c_storm: $N runs in $elapsed s; exit codes: ${tally% }; checkpoints verified: $verified/$N; resumed: $resumed/$N; failures: $failures"
if (( failures == 0 )); then rm -rf "$WORK"; exit 0; fi
exit 1
