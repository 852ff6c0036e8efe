#!/usr/bin/env bash
# Runs the libFuzzer targets of pix2pix-fuzz (Tests/Fuzz/Pix2PixFuzz; built by `make fuzz-build`).
#
#   scripts/fuzz.sh [--smoke | --replay] BINARY SECONDS TARGET...
#
# Every target gets the same limits: 2 GB resident and 2 GB per allocation (a reader must refuse a
# declared size before allocating it), 10 s per input (slower counts as a hang), inputs up to the
# size of its largest seed (at least 4 KB). One exception: hdf5 has no per-allocation limit, only the
# resident one. libhdf5 mallocs a metadata block of the size the file declares (a group's local heap,
# say: 3 GB from a 6 KB file) before it checks the read against the end of the file, fails the read
# and frees the block untouched; in production that costs address space, not memory (36 MB peak,
# typed error), and allocations the system cannot map return NULL, which libhdf5 handles.
#
#   --smoke  (make test) SECONDS per target on the committed seeds Tests/Fuzz/Corpus/TARGET only,
#            with a fixed seed; new inputs go to a temporary folder and are dropped.
#   default  (make fuzz) SECONDS per target; new inputs are kept in .build-fuzz/corpus/TARGET and
#            grow from run to run; reproducers of crashes, OOMs and hangs land in
#            .build-fuzz/crashes/TARGET/ (not committed: copy a small one into the seeds once fixed).
#   --replay (make test, targets with an open finding) each committed seed once, no mutation
#            (SECONDS is ignored): the reproducers of fixed findings stay fixed while fuzzing the
#            target would stop at the open one.
#
# Prints one line per target (executions, corpus size, findings) and exits 1 when any target found
# something. Extra libFuzzer flags go in $FUZZ_FLAGS (e.g. FUZZ_FLAGS=-fork=2).
set -uo pipefail
cd "$(dirname "$0")/.."

smoke=0 replay=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
if [ "${1:-}" = "--replay" ]; then smoke=1 replay=1; shift; fi
binary=${1:?usage: scripts/fuzz.sh [--smoke | --replay] BINARY SECONDS TARGET...}
seconds=${2:?usage: scripts/fuzz.sh [--smoke | --replay] BINARY SECONDS TARGET...}
shift 2
[ -x "$binary" ] || { echo "fuzz: $binary is not built (make fuzz-build)" >&2; exit 1; }
[ $# -gt 0 ] || { echo "fuzz: no targets given" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pix2pix-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Swift's runtime keeps metadata caches for the life of the process: leak reports would be noise. An
# impossible allocation (libhdf5 asks for 2^51 bytes on some damaged files) returns NULL, as glibc's
# malloc does, instead of aborting: the reader must handle it (Swift code still traps on it: a finding).
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
failed=0

for target in "$@"; do
  seeds=Tests/Fuzz/Corpus/$target
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; failed=1; continue; }
  largest=$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -1)
  max_len=$(( ${largest:-0} > 4096 ? ${largest:-0} : 4096 ))
  if [ $smoke = 1 ]; then
    corpus=$work/corpus-$target
    artifacts=$work/crashes-$target/
    extra=(-seed=1)
    if [ $replay = 1 ]; then extra=(-runs=0); fi
  else
    corpus=.build-fuzz/corpus/$target
    artifacts=.build-fuzz/crashes/$target/
    extra=()
  fi
  malloc_limit=2048
  if [ "$target" = hdf5 ]; then malloc_limit=$((1 << 20)); fi   # see the top: resident memory still capped
  mkdir -p "$corpus" "$artifacts"
  log=$work/$target.log
  "$binary" "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb="$malloc_limit" -timeout=10 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts" "${extra[@]}" ${FUZZ_FLAGS:-} \
    "$corpus" "$seeds" >"$log" 2>&1
  status=$?
  runs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
  units=$(find "$corpus" -type f | wc -l)
  findings=$(find "$artifacts" -type f | wc -l)
  if [ $replay = 1 ]; then
    printf 'fuzz %-13s %9d seeds replayed (no mutation: open finding), %d finding(s), exit %d\n' \
      "$target" "$(find "$seeds" -type f | wc -l)" "$findings" "$status"
  else
    printf 'fuzz %-13s %9d executions in %ss, %d new corpus units, %d finding(s), exit %d\n' \
      "$target" "$runs" "$seconds" "$units" "$findings" "$status"
  fi
  if [ $status -ne 0 ] || [ "$findings" -gt 0 ]; then
    failed=1
    grep -hE '^==[0-9]+==ERROR|^SUMMARY|Fatal error|out-of-memory|Test unit written|deadly signal|ALARM' "$log" | head -20 | sed 's/^/    /'
    if [ $smoke = 1 ]; then
      kept=.build-fuzz/crashes/smoke-$target
      mkdir -p "$kept" && cp "$artifacts"* "$kept"/ 2>/dev/null
      cp "$log" "$kept/log.txt"
      echo "    reproducers and log kept in $kept; rerun one with: $binary $target FILE"
    fi
  fi
done
exit $failed
