#!/usr/bin/env bash
# Re-make what in the repository is tied to the exact files in weights/ (docs/training.md,
# "Shipping new weights"): the golden frames, the played trace and its pictures, the
# before/after pictures, tokenizer.png, latent_actions.png and unseen_prompts.png.
#
# usage: tools/remake_weight_pictures.sh GENIE BEFORE WORK
#   GENIE    the genie binary (.build/release/genie)
#   BEFORE   a weights folder of the world before (the top rows of the before/after pictures)
#   WORK     a scratch folder (made; its old contents are replaced)
# Environment: EXPLORER, ROAMER (held-out data folders, docs/training.md §1 v3; defaults
# runs/v17/data/heldout and runs/v16/data-rev-follow/heldout-roamer), COINRUN_FRAME (the
# CoinRun frame of the unseen-prompts figure; default weights/coinrun/prompts/level_900003.png,
# as docs/results.md; when missing, the figure is left as it is and the script says so),
# WORLD_EVAL=0 (skip the world's evaluation, about 20 minutes on 2 cores: latent_actions.png
# and world.json), THREADS (BLAS threads of that evaluation; default 1, as docs/results.md),
# TEMPERATURE (its sampling temperature; default 0.3, play's).
# It overwrites the files in Tests/ and docs/ and prints what the model card and
# docs/results.md need by hand (the figures in the eval JSONs it writes under WORK).
set -euo pipefail
if [ $# -lt 3 ]; then sed -n 2,17p "$0"; exit 64; fi
G=$1 BEFORE=$2 W=$3
EXPLORER=${EXPLORER:-runs/v17/data/heldout}
ROAMER=${ROAMER:-runs/v16/data-rev-follow/heldout-roamer}
COINRUN_FRAME=${COINRUN_FRAME:-weights/coinrun/prompts/level_900003.png}
R=docs/images/results
for f in "$G" "$BEFORE/tokenizer.safetensors" "$BEFORE/dynamics.safetensors" "$EXPLORER" "$ROAMER"; do
  [ -e "$f" ] || { echo "error: $f does not exist" >&2; exit 66; }
done
rm -rf "$W"; mkdir -p "$W"
noops() { python3 -c "print(','.join(['noop']*$1))"; }
# Copy chosen frames of a generated folder into an episode folder of a contact sheet.
pick() { local from=$1 to=$2; shift 2; mkdir -p "$to"; local i=0
  for n in "$@"; do cp "$from/$(printf 'frame_%05d.png' "$n")" "$to/$(printf 'frame_%05d.png' $i)"; i=$((i + 1)); done; }

echo "golden frames (GoldenWorldTests)"
"$G" generate --weights weights --actions right,right,jump,noop,noop,left --seed 5 --temperature 0 \
  --out Tests/GenieCLITests/Golden --force >/dev/null
rm -f Tests/GenieCLITests/Golden/trace.json

echo "the played session: its keys played again, its trace, session.png"
"$G" generate --weights weights --actions-from $R/play/trace.json --out "$W/session" >/dev/null
cp "$W/session/trace.json" $R/play/trace.json
"$G" replay $R/play/trace.json --out "$W/replay" >/dev/null
n=$(ls "$W/session"/frame_*.png | wc -l); same=0
for f in "$W/session"/frame_*.png; do cmp -s "$f" "$W/replay/$(basename "$f")" && same=$((same + 1)); done
echo "  genie replay: $same of $n PNGs byte-identical"
[ "$same" -eq "$n" ] || { echo "error: the replay differs from the recording" >&2; exit 1; }
pick "$W/session" "$W/sheet-session/a" $(seq 100 5 135)
pick "$W/session" "$W/sheet-session/b" $(seq 136 5 171)
"$G" data contact-sheet --data "$W/sheet-session" --rows 2 --columns 8 --out $R/play/session.png >/dev/null

echo "before/after: jump from the start, idle 64 frames, jump from rest"
for row in 1-before:"$BEFORE" 2-after:weights; do
  w=${row#*:}; name=${row%%:*}
  "$G" generate --weights "$w" --seed 0 --out "$W/start/$name" --actions jump,$(noops 9) >/dev/null
  "$G" generate --weights "$w" --seed 3 --out "$W/idle/$name" --actions $(noops 64) >/dev/null
  "$G" generate --weights "$w" --seed 3 --out "$W/jump/$name" --actions jump,$(noops 24) >/dev/null
done
"$G" data contact-sheet --data "$W/start" --rows 2 --columns 11 --out $R/play/jump_from_start.png >/dev/null
"$G" data contact-sheet --data "$W/idle" --rows 2 --columns 9 --out $R/idle_64_follow_world.png >/dev/null
"$G" data contact-sheet --data "$W/jump" --rows 2 --columns 9 --out $R/jump_from_rest_follow_world.png >/dev/null

echo "tokenizer.png (explorer clips) and latent_actions.png with the world's figures (roamer clips)"
"$G" eval --data "$EXPLORER" --tokenizer weights/tokenizer.safetensors --clips 16 --json \
  --pictures "$W/pictures-explorer" > "$W/tokenizer-explorer.json"
"$G" eval --data "$ROAMER" --tokenizer weights/tokenizer.safetensors --clips 16 --json > "$W/tokenizer-roamer.json"
cp "$W/pictures-explorer/tokenizer.png" $R/tokenizer.png
if [ "${WORLD_EVAL:-1}" != 0 ]; then
OPENBLAS_NUM_THREADS=${THREADS:-1} "$G" eval --data "$ROAMER" --tokenizer weights/tokenizer.safetensors \
  --lam weights/lam.safetensors --dynamics weights/dynamics.safetensors --keymap weights/keymap.json \
  --clip-length 8 --clips 32 --rollout-clips 48 --scripted-starts 32 --temperature "${TEMPERATURE:-0.3}" --json \
  --pictures "$W/pictures-roamer" --picture-prompt "$EXPLORER/episode_00003/frame_00000.png" > "$W/world.json"
cp "$W/pictures-roamer/latent_actions.png" $R/latent_actions.png
else
  echo "  the world's evaluation skipped (WORLD_EVAL=0): latent_actions.png left as it is"
fi

if [ -f "$COINRUN_FRAME" ]; then
  echo "unseen_prompts.png"
  python3 tools/unseen_prompts.py --genie "$G" --weights weights --out "$W/unseen" --extra coinrun="$COINRUN_FRAME" >/dev/null
  cp "$W/unseen/unseen_prompts.png" $R/unseen_prompts.png
  echo "  persistence of the unseen prompts: $W/unseen/persistence.csv"
else
  echo "unseen_prompts.png NOT re-made: $COINRUN_FRAME is missing"
fi
echo "figures: $W/tokenizer-explorer.json $W/tokenizer-roamer.json $W/world.json"
echo "by hand: weights/README.md (figures, fingerprints: sha256sum weights/*.safetensors), docs/results.md"
