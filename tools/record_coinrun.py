#!/usr/bin/env python3
"""Record OpenAI Procgen CoinRun into genie's episode format, with the true actions.

    genie episode format: OUT/episode_NNNNN/frame_NNNNN.png (64x64 RGB, or --frame-size) and actions.csv
    with the header `t,action,procgen_action` (`t,action,procgen_action,class` with
    --classes): row t is the action taken after frame t, `action` in genie's controls
    (0 noop, 1 left, 2 right, 3 jump, 4 left+jump, 5 right+jump), `procgen_action`
    Procgen's own id (0-14) and `class` the smallest control with the same next frame.

Procgen needs Python 3.10 (its wheels stop there). With pyenv:

    pyenv install 3.10    # or any Python 3.10
    ~/.pyenv/versions/3.10*/bin/python -m venv runs/venv-procgen
    runs/venv-procgen/bin/pip install procgen
    runs/venv-procgen/bin/python tools/record_coinrun.py --out runs/coinrun/train --seeds 0:2000
    runs/venv-procgen/bin/python tools/record_coinrun.py --out runs/coinrun/heldout --seeds 900000:900040

Level seeds: keep them below 1,000,000 and keep training and evaluation ranges apart
(docs/coinrun.md uses 0-99,999 for training and 900,000-999,999 for evaluation).

Procgen's 15 actions are the combinations of its buttons (`get_combos`):
    0 LEFT+DOWN  1 LEFT  2 LEFT+UP  3 DOWN  4 (none)  5 UP  6 RIGHT+DOWN  7 RIGHT
    8 RIGHT+UP   9 D    10 A       11 W    12 S      13 Q  14 E
In CoinRun UP jumps, DOWN does nothing and the letter keys do nothing, so they map to
genie's controls as CONTROL_OF_PROCGEN below. The policy only presses the six actions of
PROCGEN_OF_CONTROL.

The explorer policy (the default) plays as a person would: mostly right, jumping often,
sometimes left or waiting, each choice held a few frames; `--policy roamer` presses every
control alike and holds it 1-3 frames (data for the latent action model). To cover whole levels rather than their start,
a death is usually undone: the recorder restores the game's state from a few frames
earlier (Procgen's get_state/set_state), cuts the recording back to that frame and
tries other actions, so an episode is one continuous video. Some deaths are kept (the
episode then ends there), and reaching the coin ends an episode.
"""
import argparse
import json
import os
import random
import sys

from rgb_png import write_png

# genie control id -> Procgen action id.
PROCGEN_OF_CONTROL = {0: 4, 1: 1, 2: 7, 3: 5, 4: 2, 5: 8}
# Procgen action id -> genie control id (what each does in CoinRun).
CONTROL_OF_PROCGEN = {0: 1, 1: 1, 2: 4, 3: 0, 4: 0, 5: 3, 6: 2, 7: 2, 8: 5,
                      9: 0, 10: 0, 11: 0, 12: 0, 13: 0, 14: 0}
CONTROL_NAMES = ["noop", "left", "right", "jump", "left+jump", "right+jump"]

# How often each policy picks each control for its next hold. The explorer plays as a
# person would (mostly right and jumps) and covers whole levels; the roamer presses every
# control alike and changes it every 1-3 frames, so that the past frames cannot tell the
# next key (what a latent action model needs, docs/coinrun.md).
POLICIES = {
    "explorer": ({2: 0.42, 5: 0.22, 3: 0.10, 1: 0.10, 0: 0.10, 4: 0.06}, (2, 8)),
    "roamer": ({c: 1 / 6 for c in range(6)}, (1, 3)),
}


class Policy:
    """Random holds of the controls."""

    def __init__(self, rng, kind="explorer"):
        self.rng = rng
        self.weights, self.hold = POLICIES[kind]
        self.control, self.left = 0, 0

    def next(self):
        if self.left == 0:
            controls, weights = zip(*self.weights.items())
            self.control = self.rng.choices(controls, weights)[0]
            self.left = self.rng.randint(*self.hold)
        self.left -= 1
        return self.control


def play(env, control, repeat):
    """One recorded frame: `repeat` game steps under the same action (as Atari agents see
    their games; at one step a frame the camera moves less than a pixel). Stops early
    where an episode ends. Returns the last (reward, observation, first)."""
    import numpy as np
    for _ in range(repeat):
        env.act(np.array([PROCGEN_OF_CONTROL[control]]))
        reward, obs, first = env.observe()
        if first[0]:
            break
    return reward, obs, first


def frame_of(env, obs, size):
    """The frame just observed: Procgen's own 64x64 observation, or its 512x512 rendering
    area-averaged to size x size (a finer view of the same moment)."""
    if size == 64:
        return obs["rgb"][0].copy()
    import numpy as np
    full = env.get_info()[0]["rgb"].astype(np.float32)
    k = full.shape[0] // size
    return full.reshape(size, k, size, k, 3).mean(axis=(1, 3)).round().astype(np.uint8)


def action_classes(env, repeat, size):
    """For each control, its class: the smallest control whose next frame is identical
    (as the platformer's recorder writes them). A control in class 0 changed nothing that
    noop would not have (jump in mid-air, left against a wall): no model of the video can
    tell it, so `genie eval` leaves such transitions out of LAM agreement. The game's state
    is saved and restored around the trials."""
    saved = env.callmethod("get_state")
    frames = []
    for control in range(len(CONTROL_NAMES)):
        env.callmethod("set_state", saved)
        _, obs, _ = play(env, control, repeat)
        frames.append(frame_of(env, obs, size).tobytes())
    env.callmethod("set_state", saved)
    return [frames.index(frame) for frame in frames]


def record_level(seed, args, rng):
    """Episodes of one level: (frames, controls, whether it reached the coin)."""
    import numpy as np
    from procgen import ProcgenGym3Env

    env = ProcgenGym3Env(num=1, env_name="coinrun", start_level=seed, num_levels=1,
                         distribution_mode=args.distribution,
                         render_mode=None if args.frame_size == 64 else "rgb_array")
    policy = Policy(rng, args.policy)
    episodes, frames, controls, states = [], [], [], {}
    _, obs, _ = env.observe()
    frames.append(frame_of(env, obs, args.frame_size))
    rewinds, total = 0, 0
    while total < args.frames_per_level:
        t = len(frames) - 1
        if t % args.checkpoint_every == 0:
            states[t] = env.callmethod("get_state")
        control = policy.next()
        visible_class = action_classes(env, args.action_repeat, args.frame_size)[control] if args.classes else None
        reward, obs, first = play(env, control, args.action_repeat)
        total += 1
        if first[0]:
            completed = env.get_info()[0].get("prev_level_complete", 0) == 1 or reward[0] > 0
            if not completed and rewinds < args.max_rewinds and rng.random() > args.keep_death:
                # Undo the death: back to a saved state 1-4 checkpoints earlier.
                saved = sorted(s for s in states if s <= t)
                back = saved[-min(len(saved), rng.randint(1, 4))]
                env.callmethod("set_state", states[back])
                del frames[back + 1:]
                del controls[back:]
                for s in [s for s in states if s > back]:
                    del states[s]
                policy.left = 0
                rewinds += 1
                continue
            if len(frames) >= args.min_frames:
                episodes.append((frames, controls, completed))
            frames, controls, states, rewinds = [frame_of(env, obs, args.frame_size)], [], {}, 0
            continue
        controls.append((control, visible_class))
        frames.append(frame_of(env, obs, args.frame_size))
        if len(frames) >= args.max_frames:
            episodes.append((frames, controls, False))
            break
    else:
        if len(frames) >= args.min_frames:
            episodes.append((frames, controls, False))
    env.close()
    return episodes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder for the episode folders")
    parser.add_argument("--seeds", required=True, help="level seeds as FIRST:END (END excluded), below 1,000,000")
    parser.add_argument("--frames-per-level", type=int, default=400, help="environment steps per level (default 400)")
    parser.add_argument("--max-frames", type=int, default=400, help="longest episode (default 400)")
    parser.add_argument("--min-frames", type=int, default=16, help="shorter episodes are dropped (default 16)")
    parser.add_argument("--checkpoint-every", type=int, default=8, help="frames between saved game states (default 8)")
    parser.add_argument("--max-rewinds", type=int, default=40, help="undone deaths per episode (default 40)")
    parser.add_argument("--keep-death", type=float, default=0.1, help="chance that a death ends the episode (default 0.1)")
    parser.add_argument("--action-repeat", type=int, default=1,
                        help="game steps per recorded frame, each under the frame's action (default 1)")
    parser.add_argument("--frame-size", type=int, default=64, choices=[64, 128, 256],
                        help="frame side in pixels: 64 is Procgen's observation; 128 and 256 average its 512x512 rendering (default 64)")
    parser.add_argument("--classes", action="store_true",
                        help="write each transition's class (controls with identical next frames share one), for LAM agreement "
                             "on visible transitions; tries all 6 controls from a saved state, so about 7 times slower")
    parser.add_argument("--distribution", default="hard", choices=["easy", "hard"], help="Procgen distribution mode (default hard)")
    parser.add_argument("--policy-seed", type=int, default=0, help="seed of the policy's choices (default 0)")
    parser.add_argument("--policy", default="explorer", choices=sorted(POLICIES),
                        help="explorer: mostly right and jumps, holds of 2-8 frames (default); roamer: every control alike, holds of 1-3")
    args = parser.parse_args()
    try:
        first, end = (int(x) for x in args.seeds.split(":"))
    except ValueError:
        sys.exit("error: --seeds must be FIRST:END, e.g. 0:2000")
    if not 1 <= args.action_repeat <= 16:
        sys.exit("error: --action-repeat must lie in 1..16")
    if not (0 <= first < end <= 1_000_000):
        sys.exit("error: --seeds must lie in 0:1000000 with FIRST < END")
    try:
        import procgen  # noqa: F401
    except ImportError:
        sys.exit("error: the procgen package is missing; it needs Python 3.10 (see the top of this file)")

    os.makedirs(args.out, exist_ok=True)
    count, frame_total, completed_levels = 0, 0, 0
    for seed in range(first, end):
        rng = random.Random(args.policy_seed * 1_000_003 + seed)
        for frames, controls, completed in record_level(seed, args, rng):
            completed_levels += completed
            folder = os.path.join(args.out, f"episode_{count:05d}")
            os.makedirs(folder, exist_ok=True)
            for t, frame in enumerate(frames):
                write_png(os.path.join(folder, f"frame_{t:05d}.png"), frame)
            if args.classes:
                rows = ["t,action,procgen_action,class"] + [f"{t},{c},{PROCGEN_OF_CONTROL[c]},{k}" for t, (c, k) in enumerate(controls)]
            else:
                rows = ["t,action,procgen_action"] + [f"{t},{c},{PROCGEN_OF_CONTROL[c]}" for t, (c, _) in enumerate(controls)]
            with open(os.path.join(folder, "actions.csv"), "w") as f:
                f.write("\n".join(rows) + "\n")
            with open(os.path.join(folder, "manifest.json"), "w") as f:
                json.dump({"source": "procgen coinrun", "level_seed": seed, "distribution_mode": args.distribution,
                           "action_repeat": args.action_repeat, "frame_size": args.frame_size,
                           "frames": len(frames), "controls": CONTROL_NAMES}, f)
            count += 1
            frame_total += len(frames)
        done = seed - first + 1
        if done % 50 == 0 or seed == end - 1:
            print(f"{done}/{end - first} levels, {count} episodes ({completed_levels} reached the coin), {frame_total} frames", flush=True)


if __name__ == "__main__":
    main()
