#!/usr/bin/env python3
"""How much of a CoinRun key does the camera's motion show? A ceiling for a latent action
model that reads one transition (docs/coinrun.md, section 3).

For each visible transition (the `class` column of record_coinrun.py --classes; every
transition when the column is missing) of the first 40 (or EPISODES) episodes under ROOT: the
whole-frame shift (dx, dy within ±1/8 x ±3/32 of the frame's side: ±8 x ±6 px at 64x64) that best maps frame t onto frame t+1, and
its change from the transition before. A lookup table from those four numbers to the key
is fitted on the first half of the transitions and scored on the second half, for the
6 controls, for the direction alone (left / none / right) and for jump or not.

Beside it, the same transitions read from the player's sprite: the camera keeps the
player at the frame's centre, so a softmax regression on the central 8x8 pixels of
frames t-1, t and t+1 (and their differences), fitted and scored on the same halves, says
how much of the key the sprite shows (which way it faces, how it moves); "both" adds the
shift's four numbers (one-hot) to the pixels: what a linear reader of one transition gets
from the camera and the sprite together. Last, a network of one hidden layer on the same
inputs, fitted and scored on the same halves: a reader that may combine them.

    python tools/coinrun_probe.py runs/coinrun/heldout-roamer [EPISODES]     (needs numpy and Pillow)
"""
import csv
import os
import sys
from collections import Counter, defaultdict

if len(sys.argv) not in (2, 3) or not os.path.isdir(sys.argv[1]) or (len(sys.argv) == 3 and not sys.argv[2].isdigit()) \
        or (len(sys.argv) == 3 and int(sys.argv[2]) < 1):
    sys.exit("usage: coinrun_probe.py EPISODES_FOLDER [EPISODES] (a folder of episode_NNNNN folders with actions.csv; "
             "reads the first EPISODES of them, default 40)")
from coinrun_controls import DIRECTION, JUMP, require_numpy_and_pillow

np, Image = require_numpy_and_pillow("coinrun_probe.py")


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


def transitions(root, episodes):
    """(shift features, central pixels, control) of the visible transitions with a transition before them."""
    rows = []
    for episode in sorted(d for d in os.listdir(root) if d.startswith("episode_"))[:episodes]:
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
            rows.append(((dx, dy, dx - px, dy - py), central_pixels(frames[t - 1:t + 2]), int(row["action"])))
    return rows


def central_pixels(frames, side=8):
    """The central side x side pixels of frames t-1, t, t+1, their two changes, in [0, 1]."""
    h, w = frames[0].shape[:2]
    top, left = (h - side) // 2, (w - side) // 2
    a, b, c = (f[top:top + side, left:left + side].ravel() / 255 for f in frames)
    return np.concatenate([a, b, c, b - a, c - b])


def shift_one_hot(rows):
    """A row's four shift numbers, each as a one-hot over the range the rows span (what a
    linear model needs to use them as a lookup does)."""
    spans = [max(abs(r[0][i]) for r in rows) for i in range(4)]
    return lambda row: np.concatenate([np.eye(2 * s + 1)[v + s] for v, s in zip(row[0], spans)])


def accuracy(predicted, rows, label):
    """The share of the second half of `rows` whose labels `predicted` gets right."""
    return float((predicted == np.array([label(r[2]) for r in rows[len(rows) // 2:]])).mean())


def standardised(rows, label, classes, inputs):
    """The rows' inputs scaled by the first half's mean and spread, the first half's one-hot
    targets, and the size of that half."""
    half = len(rows) // 2
    x = np.array([inputs(r) for r in rows]); y = np.array([label(r[2]) for r in rows])
    x = (x - x[:half].mean(0)) / (x[:half].std(0) + 1e-3)
    return x, np.eye(classes)[y[:half]], half


def softmax_gradient(z, target):
    """The mean cross-entropy's gradient with respect to the logits z."""
    p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
    return (p - target) / len(target)


def regression_predictions(rows, label, classes, inputs, steps=400, rate=0.5, decay=1e-2):
    """Softmax regression on `inputs` of each row: fitted on the first half; its classes for
    the second."""
    x, target, half = standardised(rows, label, classes, inputs)
    weights, bias = np.zeros((x.shape[1], classes)), np.zeros(classes)
    for _ in range(steps):
        g = softmax_gradient(x[:half] @ weights + bias, target)
        weights -= rate * (x[:half].T @ g + decay * weights); bias -= rate * g.sum(0)
    return (x[half:] @ weights + bias).argmax(1)


def network_predictions(rows, label, classes, inputs, hidden=64, steps=1500, rate=1e-3, decay=1e-3):
    """A network of one hidden ReLU layer on `inputs` of each row (Adam, full batch, seed 0):
    fitted on the first half; its classes for the second. What a reader that may combine its
    inputs (which way the sprite faces and how the scene moved) gets from one transition."""
    x, target, half = standardised(rows, label, classes, inputs)
    rng = np.random.default_rng(0)
    params = [rng.normal(0, x.shape[1] ** -0.5, (x.shape[1], hidden)), np.zeros(hidden),
              rng.normal(0, hidden ** -0.5, (hidden, classes)), np.zeros(classes)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for step in range(1, steps + 1):
        w1, b1, w2, b2 = params
        h = np.maximum(x[:half] @ w1 + b1, 0)
        g = softmax_gradient(h @ w2 + b2, target)
        gh = g @ w2.T * (h > 0)
        for p, grad, m in zip(params, (x[:half].T @ gh + decay * w1, gh.sum(0), h.T @ g + decay * w2, g.sum(0)), moments):
            m[0] += 0.1 * (grad - m[0]); m[1] += 0.001 * (grad * grad - m[1])
            p -= rate * (m[0] / (1 - 0.9 ** step)) / (np.sqrt(m[1] / (1 - 0.999 ** step)) + 1e-8)
    w1, b1, w2, b2 = params
    return (np.maximum(x[half:] @ w1 + b1, 0) @ w2 + b2).argmax(1)


def lookup_accuracy(rows, label):
    half = len(rows) // 2
    table = defaultdict(Counter)
    for features, _, control in rows[:half]:
        table[features][label(control)] += 1
    fallback = Counter(label(c) for _, _, c in rows[:half]).most_common(1)[0][0]
    test = rows[half:]
    right = sum((table[f].most_common(1)[0][0] if table[f] else fallback) == label(c) for f, _, c in test)
    majority = sum(label(c) == fallback for _, _, c in test)
    return right / len(test), majority / len(test)


rows = transitions(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 40)
if len(rows) < 2:
    sys.exit(f"{sys.argv[1]}: {len(rows)} visible transitions with one before them; the probe needs at least 2 to fit and score")
print(f"visible transitions {len(rows)}")
shifts = shift_one_hot(rows)
pixels = lambda r: r[1]
both = lambda r: np.concatenate([r[1], shifts(r)])
read_from_both = {}
for name, label, classes in (("controls", lambda c: c, 6), ("direction", lambda c: DIRECTION[c] + 1, 3),
                             ("jump", JUMP.get, 2)):
    table, majority = lookup_accuracy(rows, label)
    sprite = accuracy(regression_predictions(rows, label, classes, pixels), rows, label)
    read_from_both[name] = regression_predictions(rows, label, classes, both)
    print(f"{name}: lookup {table:.3f}, central pixels {sprite:.3f}, both {accuracy(read_from_both[name], rows, label):.3f}, "
          f"majority class {majority:.3f}")

# The controls as two questions, each read from both sources: which way (the sprite says it
# best) and whether it jumps (the camera says it best), put back together.
control = {(DIRECTION[c], JUMP[c]): c for c in DIRECTION}
factored = np.array([control[(d - 1, j)] for d, j in zip(read_from_both["direction"], read_from_both["jump"])])
print(f"controls as direction x jump (both sources): {accuracy(factored, rows, lambda c: c):.3f}")
print(f"controls, a network of one hidden layer on both sources: "
      f"{accuracy(network_predictions(rows, lambda c: c, 6, both), rows, lambda c: c):.3f}")
