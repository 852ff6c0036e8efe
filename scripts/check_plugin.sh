#!/usr/bin/env bash
# CI proof for the `publish-model` command plugin:
#   1. `swift package plugin --list` shows it;
#   2. one publish into a temporary copy of the package works (the copy's Zoo/ gains a verified model
#      and an updated index), and without --allow-writing-to-package-directory it is refused.
# It reuses the pix2pix already built (passed as $1, default .build/release/pix2pix) through the
# plugin's PIX2PIX_TOOL override, so nothing is rebuilt: SwiftPM only compiles the manifest and the
# plugin in the copy. Extra SwiftPM flags for the listing (e.g. --scratch-path) go in $SWIFTPM_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tool=$(realpath "${1:-.build/release/pix2pix}")
[ -x "$tool" ] || { echo "check_plugin: $tool is not built (run make build first)" >&2; exit 1; }
started=$(date +%s%N)

# 1. Listed.
listing=$(swift package ${SWIFTPM_FLAGS:-} plugin --list)
grep -q "‘publish-model’ (plugin ‘PublishModel’ in package ‘Pix2PixZoo’)" <<<"$listing" \
  || { echo "check_plugin: publish-model is not listed:"; echo "$listing"; exit 1; } >&2

# 2. A temporary copy: every file git tracks or would track, plus the resolved dependency versions.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pix2pix-plugin-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy="$tmp/package"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$copy"
[ -f Package.resolved ] && cp Package.resolved "$copy/"

# A tiny run to publish: gray pairs from the committed test photos, two training steps.
work="$tmp/work"
mkdir -p "$work"
photos=Tests/ImagingTests/Fixtures/color
"$tool" data build --source "$photos/rgb_chelsea.png" "$photos/cubic_101x90_cv2.png" --transform gray --size 64 --crops-per-image 1 \
  --split 0.5 --seed 1 --out "$work/pairs.h5" >/dev/null
"$tool" train --generator unet_64 --discriminator patchgan_16 --ngf 4 --ndf 4 --data "$work/pairs.h5" \
  --crop-size 64 --steps 2 --threads 2 --out "$work/run" --quiet
index_before=$(cat "$copy/Zoo/index.json" 2>/dev/null || true)

# Without the permission flag (no TTY) the plugin is refused and the zoo is untouched.
if PIX2PIX_TOOL="$tool" swift package --package-path "$copy" publish-model "$work/run" --id plugin-check \
     --version 0.0.1 </dev/null >"$tmp/refused.log" 2>&1; then
  echo "check_plugin: publish-model ran without --allow-writing-to-package-directory" >&2; exit 1
fi
grep -q "wants permission to write to the package directory" "$tmp/refused.log" \
  || { echo "check_plugin: publish-model failed for another reason:"; cat "$tmp/refused.log"; exit 1; } >&2
[ ! -e "$copy/Zoo/plugin-check" ] || { echo "check_plugin: a refused publish wrote to Zoo/" >&2; exit 1; }

# With it, the model lands in the copy's Zoo/, verifies, and is in the index.
PIX2PIX_TOOL="$tool" swift package --package-path "$copy" --allow-writing-to-package-directory publish-model \
  "$work/run" --id plugin-check --version 0.0.1 --license CC0-1.0 --quiet </dev/null
"$tool" zoo verify plugin-check --zoo "$copy/Zoo" >/dev/null
grep -q '"id" : "plugin-check"' "$copy/Zoo/index.json" \
  || { echo "check_plugin: index.json does not list plugin-check" >&2; exit 1; }
[ "$(cat "$root/Zoo/index.json" 2>/dev/null || true)" = "$index_before" ] \
  || { echo "check_plugin: the package's own Zoo/ changed" >&2; exit 1; }
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
echo "check_plugin: publish-model listed; published plugin-check@0.0.1 into a copy of the package ($((elapsed / 1000)).$((elapsed % 1000 / 100)) s)"
