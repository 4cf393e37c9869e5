#!/usr/bin/env bash
# Re-measures the test-time augmentation tables of models/README.md (sudoku9 card) with the
# shipped model on this machine: every puzzle of each generated tier file at the default 4
# symmetries, the first 100 at 8; the first 50 puzzles of each third-party set (all 11 of
# norvig_hardest) at 4 and 8; and the view-quorum rows (easy, 4 symmetries, quorum 1 and 2).
# Run it alone on the cores: s/puzzle is wall time. About 1.5 hours on 2 CPU cores (Vulkan
# lavapipe). Usage: bash tools/sudoku9_card.sh [OUT_DIR]
set -euo pipefail
OUT=${1:-runs/sudoku9_card}
mkdir -p "$OUT"
export DENO_NO_UPDATE_CHECK=1
M=models/sudoku9.safetensors
S=../shared/data/sudoku
evaluate() { deno run -A cli.ts eval --model "$M" --steps 16 "$@" 2>&1 | grep -v XDG_RUNTIME_DIR; }
for t in easy medium hard extreme; do
  evaluate --data "models/eval/sudoku9_$t.csv" --augmentations 4 --batch 32 > "$OUT/tier_${t}_4.txt"
  evaluate --data "models/eval/sudoku9_$t.csv" --limit 100 --augmentations 8 --batch 32 > "$OUT/tier_${t}_8.txt"
done
for f in sudoku_exchange_diabolical.csv norvig_hardest.txt norvig_top95.txt magictour_top1465.txt forum_hardest_1106.txt; do
  evaluate --data "$S/$f" --limit 50 --augmentations 4,8 --batch 25 > "$OUT/third_${f%.*}.txt"
done
for q in 1 2; do
  evaluate --data models/eval/sudoku9_easy.csv --augmentations 4 --view-quorum "$q" --batch 32 > "$OUT/quorum_easy_$q.txt"
done
tail -n 3 "$OUT"/*.txt
