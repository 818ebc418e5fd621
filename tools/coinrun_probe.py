#!/usr/bin/env python3
"""How much of a CoinRun key does the camera's motion show? A ceiling for a latent action
model that reads one transition (docs/coinrun.md, section 3).

For each visible transition (the `class` column of record_coinrun.py --classes; every
transition when the column is missing) of the first 40 episodes under ROOT: the
whole-frame shift (dx, dy within ±1/8 x ±3/32 of the frame's side: ±8 x ±6 px at 64x64) that best maps frame t onto frame t+1, and
its change from the transition before. A lookup table from those four numbers to the key
is fitted on the first half of the transitions and scored on the second half, for the
6 controls, for the direction alone (left / none / right) and for jump or not.

    python tools/coinrun_probe.py runs/coinrun/heldout-roamer     (needs numpy and Pillow)
"""
import csv
import os
import sys
from collections import Counter, defaultdict

if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit("usage: coinrun_probe.py EPISODES_FOLDER (a folder of episode_NNNNN folders with actions.csv)")
try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    sys.exit(f"coinrun_probe.py needs numpy and Pillow ({e.name} is missing): pip install numpy pillow")

DIRECTION = {0: 0, 1: -1, 2: 1, 3: 0, 4: -1, 5: 1}
JUMP = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}


def best_shift(a, b):
    """The (dx, dy) that best maps frame a onto frame b (mean absolute difference)."""
    h, w = a.shape[:2]
    best = None
    for dy in range(-(3 * h // 32), 3 * h // 32 + 1):
        for dx in range(-(w // 8), w // 8 + 1):
            A = a[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)]
            B = b[max(0, -dy):h + min(0, -dy), max(0, -dx):w + min(0, -dx)]
            e = np.abs(A - B).mean()
            if best is None or e < best[0]:
                best = (e, dx, dy)
    return best[1], best[2]


def transitions(root):
    """(features, control) of the visible transitions with a transition before them."""
    rows = []
    for episode in sorted(os.listdir(root))[:40]:
        folder = os.path.join(root, episode)
        actions = list(csv.DictReader(open(os.path.join(folder, "actions.csv"))))
        names = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
        frames = [np.asarray(Image.open(os.path.join(folder, f)), dtype=np.float32) for f in names]
        shifts = [best_shift(frames[t], frames[t + 1]) for t in range(len(frames) - 1)]
        for t in range(1, len(shifts)):
            row = actions[t]
            if "class" in row and row["class"] != row["action"]:
                continue  # the key changed nothing visible: no model of the video can tell it
            (px, py), (dx, dy) = shifts[t - 1], shifts[t]
            rows.append(((dx, dy, dx - px, dy - py), int(row["action"])))
    return rows


def lookup_accuracy(rows, label):
    half = len(rows) // 2
    table = defaultdict(Counter)
    for features, control in rows[:half]:
        table[features][label(control)] += 1
    fallback = Counter(label(c) for _, c in rows[:half]).most_common(1)[0][0]
    test = rows[half:]
    right = sum((table[f].most_common(1)[0][0] if table[f] else fallback) == label(c) for f, c in test)
    majority = sum(label(c) == fallback for _, c in test)
    return right / len(test), majority / len(test)


rows = transitions(sys.argv[1])
print(f"visible transitions {len(rows)}")
for name, label in (("controls", lambda c: c), ("direction", DIRECTION.get), ("jump", JUMP.get)):
    accuracy, majority = lookup_accuracy(rows, label)
    print(f"{name}: lookup {accuracy:.3f}, majority class {majority:.3f}")
