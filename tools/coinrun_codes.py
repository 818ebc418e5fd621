#!/usr/bin/env python3
"""What do a LAM's codes follow on CoinRun: the scene's motion or the key? For the
transitions of a `genie eval --transitions FILE` list (the first 3,000), the whole-frame
shift (dx within ±4 px, dy within ±6 px) that best maps frame t onto frame t+1, and the
normalised mutual information of the code with the shift and with the key (its direction,
whether it jumps, the control); beside it, the same of the horizontal shift itself with the
key: how much of the key the camera's motion alone carries (docs/coinrun.md, section 3).

    genie eval --data runs/coinrun/heldout-roamer --lam weights/coinrun/lam.safetensors \\
      --clip-length 8 --clips 1000 --transitions transitions.csv
    python tools/coinrun_codes.py transitions.csv runs/coinrun/heldout-roamer   (needs numpy and Pillow)
"""
import csv
import os
import sys
from collections import Counter

if len(sys.argv) != 3 or not os.path.isfile(sys.argv[1]) or not os.path.isdir(sys.argv[2]):
    sys.exit("usage: coinrun_codes.py TRANSITIONS_CSV EPISODES_FOLDER (the list of `genie eval --transitions` "
             "and the folder it was made from)")
from coinrun_controls import DIRECTION, JUMP, require_numpy_and_pillow

np, Image = require_numpy_and_pillow("coinrun_codes.py")
transitions_path, root = sys.argv[1], sys.argv[2]
frames = {}


def frame(episode, t):
    if (episode, t) not in frames:
        path = os.path.join(root, episode, "frame_%05d.png" % t)
        frames[(episode, t)] = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return frames[(episode, t)]


def best_shift(a, b):
    """(dx, dy) of the whole-frame shift of a that best matches b (mean absolute difference)."""
    h, w = a.shape[:2]
    best = None
    for dy in range(-6, 7):
        for dx in range(-4, 5):
            ya, yb = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
            xa, xb = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
            error = np.abs(b[yb, xb] - a[ya, xa]).mean()
            if best is None or error < best[0]:
                best = (error, dx, dy)
    return best[1], best[2]


def nmi(x, y):
    """Mutual information of two label lists over the geometric mean of their entropies."""
    n = len(x)
    cx, cy, cxy = Counter(x), Counter(y), Counter(zip(x, y))
    entropy = lambda c: -sum(v / n * np.log(v / n) for v in c.values())
    information = sum(v / n * np.log((v / n) / ((cx[a] / n) * (cy[b] / n))) for (a, b), v in cxy.items())
    denominator = np.sqrt(entropy(cx) * entropy(cy))
    return information / denominator if denominator > 0 else 0.0


try:
    rows = list(csv.DictReader(open(transitions_path, newline="")))[:3000]
    codes, controls, dxs, dys = [], [], [], []
    for row in rows:
        episode, t, control = row["episode"].strip('"'), int(row["frame"]), int(row["action"])
        if control not in DIRECTION:
            sys.exit(f"{transitions_path}: control {control} is not one of CoinRun's six (0-5)")
        dx, dy = best_shift(frame(episode, t), frame(episode, t + 1))
        codes.append(int(row["code"]))
        controls.append(control)
        dxs.append(dx)
        dys.append(dy)
except (KeyError, ValueError, OSError) as e:
    sys.exit(f"{transitions_path}: not a transitions list of `genie eval --transitions` for {root} ({e})")
if not rows:
    sys.exit(f"{transitions_path}: no transitions")
print(f"transitions {len(rows)}")
for name, labels in [("horizontal shift dx", dxs), ("vertical shift dy", dys), ("sign of dy", [int(np.sign(y)) for y in dys]),
                     ("key direction", [DIRECTION[c] for c in controls]), ("jump key", [JUMP[c] for c in controls]),
                     ("control", controls)]:
    print(f"NMI(code; {name}) = {nmi(codes, labels):.3f}    NMI(dx; {name}) = {nmi(dxs, labels):.3f}")
