#!/usr/bin/env python3
"""Where a LAM's codes go wrong: reads the CSV of `genie eval --lam X --transitions FILE`
and splits the agreement (codes mapped to their most frequent true action on visible
transitions, as `genie eval` scores them) by how many pixel values a transition changed.
On the platformer a step left or right scrolls the level (about 1,100 values change) except
where the camera stops at a level's edge and only the sprite moves (about 200): the
split shows which of the two the codes follow (docs/training.md, section 3). The still left
and right steps are then split by the key pressed the frame before: a reversal (the
opposite direction; with the platformer's v2 physics it stops the player for one frame and
only turns the sprite), the same direction, none, or unknown (the first of a clip).

    python3 tools/lam_transitions.py FILE.csv [--still-below 400] [--probe left,right]

--probe A,B: among the still transitions of true actions A and B, how often the encoder's
continuous latents tell A from B (leave-one-out 5 nearest neighbours on standardised
latents; the share of the commoner of the two is printed beside it for scale).
Standard library only.
"""
import argparse, csv, math, sys
from collections import Counter

NAMES = ["noop", "left", "right", "jump", "jump-left", "jump-right"]

def name(a):
    return NAMES[a] if 0 <= a < len(NAMES) else str(a)

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv")
    p.add_argument("--still-below", type=int, default=400, help="changed pixel values under which a step counts as still (default 400)")
    p.add_argument("--probe", help="two true actions, e.g. left,right")
    args = p.parse_args()
    try:
        with open(args.csv, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"lam_transitions.py: cannot read {args.csv}: {e.strerror}")
    need = {"action", "class", "code", "changed_values"}
    if not rows or not need <= set(rows[0]):
        sys.exit(f"lam_transitions.py: {args.csv} is not a `genie eval --transitions` file (columns {', '.join(sorted(need))} needed)")
    try:
        rows = [r for r in rows if r["action"] != ""]
        visible = [r for r in rows if r["action"] == r["class"]]
        for r in rows:
            r["a"], r["c"], r["n"] = int(r["action"]), int(r["code"]), int(r["changed_values"])
            r["f"] = int(r["frame"]) if r.get("frame") not in (None, "") else None
            r["z"] = [float(v) for k, v in r.items() if isinstance(k, str) and k.startswith("z") and k[1:].isdigit()]
    except ValueError as e:
        sys.exit(f"lam_transitions.py: {args.csv}: {e}")
    if not visible:
        sys.exit(f"lam_transitions.py: {args.csv} has no visible transitions with a true action")
    mapping = {code: Counter(r["a"] for r in visible if r["c"] == code).most_common(1)[0][0] for code in {r["c"] for r in visible}}
    right = lambda r: mapping[r["c"]] == r["a"]
    print(f"{len(visible)} visible transitions, agreement {sum(map(right, visible)) / len(visible):.3f}")
    print("codes -> actions: " + ", ".join(f"{c}: {name(a)}" for c, a in sorted(mapping.items())))
    print(f"\n{'action':<11}{'still (<' + str(args.still_below) + ')':>16}{'agreement':>11}{'moving':>9}{'agreement':>11}")
    errors = Counter()
    for a in sorted({r["a"] for r in visible}):
        still = [r for r in visible if r["a"] == a and r["n"] < args.still_below]
        moving = [r for r in visible if r["a"] == a and r["n"] >= args.still_below]
        share = lambda rs: f"{sum(map(right, rs)) / len(rs):.3f}" if rs else "-"
        print(f"{name(a):<11}{len(still):>16}{share(still):>11}{len(moving):>9}{share(moving):>11}")
        errors["still"] += sum(not right(r) for r in still)
        errors["moving"] += sum(not right(r) for r in moving)
    print(f"\nerrors: {errors['still']} on still steps, {errors['moving']} on moving ones")
    direction = {0: 0, 1: -1, 2: 1, 3: 0, 4: -1, 5: 1}
    by_frame = {(r.get("episode"), r["f"]): r for r in rows if r["f"] is not None}
    def key_before(r):
        before = by_frame.get((r.get("episode"), r["f"] - 1)) if r["f"] is not None else None
        if before is None:
            return "unknown"
        now, then = direction.get(r["a"], 0), direction.get(before["a"], 0)
        return "reversal" if then == -now else ("same direction" if then == now else "none")
    steps = [r for r in visible if direction.get(r["a"], 0) != 0 and r["n"] < args.still_below]
    if steps:
        groups = {}
        for r in steps:
            groups.setdefault(key_before(r), []).append(r)
        print(f"\nstill left/right steps by the key before them ({len(steps)}):")
        for kind in ["reversal", "same direction", "none", "unknown"]:
            if kind in groups:
                group = groups[kind]
                print(f"  {kind:<16}{len(group):>6}  agreement {sum(map(right, group)) / len(group):.3f}")
    if args.probe:
        try:
            pair = [NAMES.index(x) if x in NAMES else int(x) for x in args.probe.split(",")]
        except ValueError:
            sys.exit(f"lam_transitions.py: --probe takes two actions, e.g. left,right (names: {', '.join(NAMES)})")
        if len(pair) != 2:
            sys.exit("lam_transitions.py: --probe takes two actions, e.g. left,right")
        sample = [r for r in visible if r["a"] in pair and r["n"] < args.still_below]
        if len(sample) < 6 or not sample[0]["z"]:
            sys.exit("lam_transitions.py: too few still transitions of those actions (or no latent columns) to probe")
        d = len(sample[0]["z"])
        mean = [sum(r["z"][i] for r in sample) / len(sample) for i in range(d)]
        std = [math.sqrt(sum((r["z"][i] - mean[i]) ** 2 for r in sample) / len(sample)) or 1 for i in range(d)]
        zs = [[(r["z"][i] - mean[i]) / std[i] for i in range(d)] for r in sample]
        hits = 0
        for i, zi in enumerate(zs):
            near = sorted((sum((u - v) ** 2 for u, v in zip(zi, zj)), j) for j, zj in enumerate(zs) if j != i)[:5]
            hits += Counter(sample[j]["a"] for _, j in near).most_common(1)[0][0] == sample[i]["a"]
        common = Counter(r["a"] for r in sample).most_common(1)[0][1] / len(sample)
        print(f"\nlatents of {len(sample)} still {name(pair[0])}/{name(pair[1])} steps: 5-NN tells them apart {hits / len(sample):.3f} (the commoner alone: {common:.3f})")

if __name__ == "__main__":
    main()
