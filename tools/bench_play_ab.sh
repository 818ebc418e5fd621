#!/bin/bash
# Play speed of two or more genie builds, measured in turn so that the host's drift hits
# each alike: `genie bench play --weights weights --iterations IT --frames N --json` of each
# binary, REPS rounds, with genie's own OpenBLAS kernel choice (OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset); prints every run, then each binary's median fps, p50 and
# efficiency (achieved ÷ raw sgemm at play's shapes). With two binaries, also each round's
# ratio of p50 (second ÷ first) and its median: the host's speed can change from one run to
# the next by a quarter, so short runs and the paired ratio say more than the medians.
# Stop other CPU work first.
#
#   [WEIGHTS=weights/coinrun] tools/bench_play_ab.sh IT REPS N BINARY...
set -euo pipefail
if [ $# -lt 4 ]; then echo "usage: tools/bench_play_ab.sh ITERATIONS REPS FRAMES BINARY..." >&2; exit 2; fi
IT=$1; REPS=$2; N=$3; shift 3
for bin in "$@"; do [ -x "$bin" ] || { echo "bench_play_ab.sh: $bin is not an executable" >&2; exit 2; }; done
out=$(mktemp); trap 'rm -f "$out"' EXIT
for rep in $(seq "$REPS"); do
  for bin in "$@"; do
    r=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$bin" bench play --weights "${WEIGHTS:-weights}" --frames "$N" --iterations "$IT" --json 2>/dev/null |
        python3 -c "import json,sys;d=json.load(sys.stdin);print(d['fps'],d['ms_p50'],d['efficiency'],d['openblas_core'])")
    echo "$bin $r" | tee -a "$out"
  done
done
python3 - "$out" <<'P'
import collections, statistics as st, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    b, fps, p50, eff, core = line.split()
    runs[b].append((float(fps), float(p50), float(eff), core))
for b, v in runs.items():
    print(f"{b}: median {st.median(x[0] for x in v):.1f} fps, p50 {st.median(x[1] for x in v):.1f} ms, "
          f"efficiency {st.median(x[2] for x in v):.2f} ({len(v)} runs, OpenBLAS {v[0][3]})")
if len(runs) == 2:
    (a, va), (b, vb) = runs.items()
    ratios = [y[1] / x[1] for x, y in zip(va, vb)]
    print(f"p50 of {b} over {a}, per round: median {st.median(ratios):.3f}; {b} faster in "
          f"{sum(r < 1 for r in ratios)} of {len(ratios)} rounds ({' '.join(f'{r:.2f}' for r in ratios)})")
P
