#!/usr/bin/env python3
"""Prompts the world never saw: the paper's figure of images turned into playable worlds.

Draws prompt images by script (a sketch-like drawing, a plain geometric scene, a
sunset-and-hills picture, each at a size other than the model's), takes any further PNGs
given with --extra (a frame of another game), and for each runs `genie generate` with 8
frames of right and 8 of jump, and 16 of noop. It writes

    OUT/prompts/NAME.png                 the prompt images
    OUT/sheet/NAME-right/, NAME-jump/    the prompt (a_prompt.png) then genie's frames
    OUT/unseen_prompts.png               the figure: per prompt a row of right, a row of jump
                                         (column 1: the prompt; 2: its reconstruction)
    OUT/persistence.csv                  PSNR of each noop frame against the reconstruction

Usage: tools/unseen_prompts.py --genie .build/release/genie --weights weights --out DIR
       [--extra NAME=PATH.png ...] [--seed 1]
Needs numpy.
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np

from rgb_png import read_png_rgb8, write_png


def sketch(rng):
    """Pencil lines on paper: ground, steps, a stick figure, a cloud; 120x90."""
    h, w = 90, 120
    img = np.full((h, w, 3), 244, np.uint8)
    img += rng.integers(0, 8, (h, w, 1), dtype=np.uint8)

    def line(x0, y0, x1, y1, shade=40):
        n = int(max(abs(x1 - x0), abs(y1 - y0))) * 2 + 1
        for i in range(n):
            t = i / max(n - 1, 1)
            x = int(round(x0 + (x1 - x0) * t + rng.normal(0, 0.4)))
            y = int(round(y0 + (y1 - y0) * t + rng.normal(0, 0.4)))
            if 0 <= x < w and 0 <= y < h:
                img[y, x] = shade
    line(0, 72, 50, 72); line(50, 72, 50, 60); line(50, 60, 80, 60); line(80, 60, 80, 72); line(80, 72, 119, 72)
    for x0 in (60, 68):
        line(x0, 40, x0 + 8, 40); line(x0, 48, x0 + 8, 48); line(x0, 40, x0, 48); line(x0 + 8, 40, x0 + 8, 48)
    # stick figure at x = 25
    line(25, 58, 25, 66); line(25, 66, 22, 72); line(25, 66, 28, 72); line(21, 61, 29, 61)
    for a in np.linspace(0, 2 * np.pi, 24):
        x, y = int(25 + 2.5 * np.cos(a)), int(55 + 2.5 * np.sin(a))
        img[y, x] = 40
    for cx in (90, 96, 102):
        for a in np.linspace(0, np.pi, 16):
            img[int(18 - 5 * np.sin(a)), int(cx + 5 * np.cos(a))] = 90
    return img


def geometric(rng):
    """Flat shapes: sky, green ground, brown blocks, a red square; 96x96."""
    img = np.zeros((96, 96, 3), np.uint8)
    img[:] = (110, 170, 240)
    img[72:] = (60, 160, 70)
    img[72:76] = (40, 120, 50)
    for x0, y0 in ((30, 48), (42, 48), (66, 36)):
        img[y0:y0 + 12, x0:x0 + 12] = (150, 90, 40)
    img[60:72, 12:20] = (220, 40, 40)
    img[10:22, 70:82] = (250, 230, 90)
    return img


def sunset(rng):
    """A vertical gradient sky and dark noisy hills: a photograph's kind of image; 160x100."""
    h, w = 100, 160
    t = np.linspace(0, 1, h)[:, None]
    img = np.zeros((h, w, 3))
    img[..., 0] = 250 - 80 * t
    img[..., 1] = 150 - 90 * t
    img[..., 2] = 90 + 60 * t
    xs = np.arange(w)
    ridge = 70 + 8 * np.sin(xs / 13.0) + 5 * np.sin(xs / 5.0 + 1) + rng.normal(0, 1, w)
    for x in range(w):
        img[int(ridge[x]):, x] = (40, 30, 50)
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def main():
    parser = argparse.ArgumentParser(description="Prompts the world never saw: figure and persistence.")
    parser.add_argument("--genie", default=".build/release/genie")
    parser.add_argument("--weights", default="weights")
    parser.add_argument("--out", required=True)
    parser.add_argument("--extra", action="append", default=[], help="NAME=PATH.png: another prompt (e.g. a frame of another game)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    prompts_dir = os.path.join(args.out, "prompts")
    os.makedirs(prompts_dir, exist_ok=True)
    prompts = {}
    for name, draw in (("sketch", sketch), ("geometric", geometric), ("sunset", sunset)):
        prompts[name] = os.path.join(prompts_dir, name + ".png")
        write_png(prompts[name], draw(rng))
    for item in args.extra:
        name, _, path = item.partition("=")
        prompts[name] = os.path.join(prompts_dir, name + ".png")
        shutil.copyfile(path, prompts[name])

    sheet = os.path.join(args.out, "sheet")
    shutil.rmtree(sheet, ignore_errors=True)
    runs = os.path.join(args.out, "runs")
    shutil.rmtree(runs, ignore_errors=True)
    rows = ["prompt," + ",".join(f"t{t}" for t in range(1, 17))]
    for index, (name, path) in enumerate(prompts.items()):
        for control, count in (("right", 8), ("jump", 8), ("noop", 16)):
            out = os.path.join(runs, f"{index}-{name}-{control}")
            subprocess.run([args.genie, "generate", "--weights", args.weights, "--prompt", path, "--seed", str(args.seed),
                            "--actions", ",".join([control] * count), "--out", out], check=True, stdout=subprocess.DEVNULL)
            if control == "noop":
                frames = [read_png_rgb8(os.path.join(out, f"frame_{t:05d}.png")) for t in range(count + 1)]
                rows.append(name + "," + ",".join(f"{psnr(frames[0], f):.2f}" for f in frames[1:]))
            else:
                folder = os.path.join(sheet, f"{index}-{name}-{control}")
                os.makedirs(folder)
                shutil.copyfile(path, os.path.join(folder, "a_prompt.png"))
                for t in range(count + 1):
                    shutil.copyfile(os.path.join(out, f"frame_{t:05d}.png"), os.path.join(folder, f"frame_{t:05d}.png"))
    with open(os.path.join(args.out, "persistence.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    figure = os.path.join(args.out, "unseen_prompts.png")
    subprocess.run([args.genie, "data", "contact-sheet", "--data", sheet, "--rows", str(2 * len(prompts)), "--columns", "10",
                    "--out", figure], check=True, stdout=subprocess.DEVNULL)
    print("\n".join(rows))
    print("wrote", figure)


if __name__ == "__main__":
    sys.exit(main())
