#!/usr/bin/env bash
# Rebuilds the data, trains and publishes the shipped zoo models (gray2color, edges2photo) exactly as
# Zoo/ was made (dev-only). Both trainings run at once, one thread each (about 45 minutes on 2 cores
# in bf16). Usage:
#   scripts/train_shipped_models.sh WORK_DIR [ZOO_DIR]
# `pix2pix` must be on PATH (the cards record the command as typed). Publishing refuses versions that
# exist: remove them first (pix2pix zoo remove ID@2.0.0 --yes --zoo ZOO_DIR) or bump the version.
# OMP_WAIT_POLICY=PASSIVE: libgomp's worker threads sleep instead of spinning at barriers, which kept
# training 10-30x faster on a shared 2-core machine; results do not depend on it.
set -euo pipefail
work=${1:?usage: scripts/train_shipped_models.sh WORK_DIR [ZOO_DIR]}
zoo=$(realpath "${2:-$(dirname "$0")/../Zoo}")
mkdir -p "$work/data" && cd "$work"
export OMP_WAIT_POLICY=PASSIVE

# Data: the full default photo set (135 training photos, 15 held out), 40 crops per photo at 128²
# (5,400 training pairs, 600 held-out pairs). Samples: one 256² crop of each of five public-domain
# held-out photos (three palapeli photos, two krank underwater photos).
P=/usr/share/palapeli/collection
K=${PIX2PIX_PHOTO_ROOT:-/usr/local/share/pix2pix/photo-packages}/krank/usr/share/games/krank/levels/unera-backgrounds
for t in gray canny; do
  [ -e data/$t-128.h5 ] || pix2pix data build --default --transform $t --size 128 --crops-per-image 40 --seed 0 --out data/$t-128.h5
  [ -e data/samples-$t.h5 ] || pix2pix data build --source $P/cincinnati-bridge.jpg $P/citrus-fruits.jpg $P/european-honey-bee.jpg \
    $K/level-06.jpg $K/level-23.jpg --transform $t --size 256 --crops-per-image 1 --split 1 --seed 0 --out data/samples-$t.h5
done

# Training: unet_128 at ngf 32 (10.5 M parameters) + PatchGAN 70 (ndf 64), batch 4, bf16 convolutions,
# 2 epochs at lr 2e-4 then 1 of linear decay (4,050 steps, 16,200 samples), one thread each, both at once.
pids=()
for pair in gray2color:gray edges2photo:canny; do
  id=${pair%%:*}; t=${pair##*:}
  [ -e runs/$id/latest.pzck ] && resume=(--resume runs/$id) || resume=()
  if [ ${#resume[@]} -gt 0 ]; then
    pix2pix train "${resume[@]}" --plain --log-every 50 > $id.log 2>&1 &
  else
    pix2pix train --generator unet_128 --ngf 32 --discriminator patchgan_70 --ndf 64 --data data/$t-128.h5 --crop-size 128 \
      --batch-size 4 --epochs 2 --epochs-decay 1 --seed 1 --threads 1 --precision bf16 --checkpoint-every 250 \
      --sample-every 1000 --out runs/$id --plain --log-every 50 > $id.log 2>&1 &
  fi
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
