#!/usr/bin/env python3
"""Writes the platformer's pixel art to assets/ as 8-bit RGB PNGs.

Every sprite and tile is drawn below as a grid of characters; a palette maps each
character to a colour. Magenta (255, 0, 255) marks transparent pixels: the PNGs are plain
RGB so that any reader (libpng's simplified API included) loads them the same way.

Plain Python only (zlib + struct), so the output is byte-identical on every machine:

    python3 tools/make_assets.py            # writes assets/ next to this script's parent
"""
import os
import struct
import sys
import zlib

TRANSPARENT = (255, 0, 255)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets")


def write_png(path, rows):
    """rows: list of lists of (r, g, b). Writes a colour-type-2, 8-bit PNG."""
    height, width = len(rows), len(rows[0])
    assert all(len(r) == width for r in rows), path
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(png)


def paint(grid, palette):
    """Turns a character grid into pixel rows; '.' is transparent."""
    lines = [line for line in grid.strip("\n").split("\n")]
    width = max(len(l) for l in lines)
    rows = []
    for line in lines:
        line = line.ljust(width, ".")
        rows.append([TRANSPARENT if ch == "." else palette[ch] for ch in line])
    return rows


def mirror(rows):
    return [list(reversed(r)) for r in rows]


# --------------------------------------------------------------------------- sprites
# The player: 8 wide, 10 tall, facing right. R cap/shirt, S skin, E eye, B overalls, K boots.
PLAYER_PALETTE = {"R": (216, 40, 0), "S": (252, 188, 140), "E": (0, 0, 0),
                  "B": (32, 56, 236), "K": (110, 60, 20), "Y": (252, 216, 0)}
PLAYER = {
    "idle": """
..RRRR..
.RRRRRRR
..SSSES.
..SSSSS.
..RBBR..
.SRBBRS.
..BYYB..
..BBBB..
..B..B..
.KK..KK.
""",
    "run1": """
..RRRR..
.RRRRRRR
..SSSES.
..SSSSS.
.RRBBRS.
S.RBBR..
..BYYB..
.BBBBBB.
BB....BB
K......K
""",
    "run2": """
..RRRR..
.RRRRRRR
..SSSES.
..SSSSS.
..RBBR..
..SBBR..
..BYYB..
...BBB..
...BKK..
...KK...
""",
    "jump": """
..RRRR.S
.RRRRRRS
..SSSESR
..SSSSSR
.RRBBRR.
S.BBBB..
..BYYB..
.BB..BB.
.K....KK
K.......
""",
}

# The walking enemy: 8x8, a mushroom-like critter. N body, W eye white, K pupil, T feet.
ENEMY_PALETTE = {"N": (172, 80, 20), "W": (252, 252, 252), "K": (0, 0, 0),
                 "T": (250, 190, 140), "F": (40, 20, 0)}
ENEMY = {
    "walk1": """
..NNNN..
.NNNNNN.
NWKNNKWN
NWKNNKWN
NNNNNNNN
..TTTT..
.TTTTTF.
FF...FF.
""",
    "walk2": """
..NNNN..
.NNNNNN.
NWKNNKWN
NWKNNKWN
NNNNNNNN
..TTTT..
.FTTTTT.
.FF...FF
""",
    "squashed": """
........
........
........
........
........
.NNNNNN.
NWKNNKWN
FFTTTTFF
""",
}

COIN_PALETTE = {"Y": (252, 216, 0), "O": (200, 130, 0), "W": (255, 250, 200)}
COIN = {
    "coin1": """
..YYYY..
.YWYYYY.
YWYOOYYO
YWYOYYYO
YYYOYYYO
YYYOYYYO
.YYYYYO.
..OOOO..
""",
    "coin2": """
...YY...
...WYO..
...WYO..
...WYO..
...YYO..
...YYO..
...YYO..
...OO...
""",
}

# The goal: 8 wide, 24 tall. P pole, G flag, B base.
FLAG_PALETTE = {"P": (230, 230, 230), "p": (140, 140, 140), "G": (0, 200, 60), "g": (0, 130, 40),
                "B": (90, 90, 90), "W": (255, 255, 255)}
FLAG = """
...Wp...
...Pp...
GGGPp...
GgGPp...
GGGPp...
gGGPp...
GGGPp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
...Pp...
.BBBBBB.
BBBBBBBB
"""

# --------------------------------------------------------------------------- tiles
# Tiles are 8x8 and drawn once; each theme gives its own colours to the letters.
TILES = {
    "ground_top": """
TTTTTTTT
tTTtTTtT
tdtddtdt
dddDdddd
ddddddDd
dDdddddd
ddddDddd
dddddddd
""",
    "ground": """
dddddddd
dDdddddd
ddddddDd
dddDdddd
dddddddd
ddDddddd
ddddddDd
dddddddd
""",
    "brick": """
bbbbbbbm
bLLLbLLm
mmmmmmmm
bbbmbbbb
LLbmbLLb
mmmmmmmm
bbbbbbbm
bLLLbLLm
""",
    "platform": """
LLLLLLLD
LbbbbbbD
LbLbbbbD
LbbbbbbD
LbbbbbbD
LbbbbLbD
LbbbbbbD
DDDDDDDD
""",
}

# Background scenery, drawn behind the tiles with half-speed parallax.
FAR = {
    # a rounded hill
    "hill": """
.........hhhhhh.........
......hhhhhhhhhhhh......
....hhhhhhhhHhhhhhhh....
...hhhHhhhhhhhhhhhhhh...
..hhhhhhhhhhhhhhHhhhhh..
.hhhhhhhhhhhhhhhhhhhhhh.
hhhhhhhhhhhhhhhhhhhhhhhh
hhhhhhhhhhhhhhhhhhhhhhhh
""",
    # a pointed mountain / dune / rock pillar silhouette
    "peak": """
...........hh...........
..........hhhh..........
.........hhHhhh.........
........hhhhhhhh........
.......hhhhhhhHhh.......
.....hhhhhhhhhhhhhh.....
...hhhhHhhhhhhhhhhhhh...
hhhhhhhhhhhhhhhhhhhhhhhh
""",
}
DECO = {
    "cloud": """
.....cccc.......
...cccccccc.....
.cccccccccccc...
cccccccccccccccc
.CcccCccccCcccC.
..CCCCCCCCCCCC..
""",
    "stars": """
.....c..........
....ccc.........
.....c......c...
................
..c.............
...........c....
.......C........
................
""",
    "stalactite": """
cccccccccccccccc
.cccccCccccccc..
..cccccccCccc...
...cccccccc.....
....ccCccc......
.....cccc.......
......cc........
......c.........
""",
}

THEMES = {
    "grassland": {
        "sky": ((92, 148, 252), (176, 212, 255)),
        "colors": {"T": (0, 180, 40), "t": (0, 120, 30), "d": (200, 110, 40), "D": (140, 70, 20),
                   "b": (190, 80, 20), "L": (230, 140, 90), "m": (70, 30, 10), "D2": None,
                   "h": (60, 170, 70), "H": (40, 130, 50), "c": (255, 255, 255), "C": (200, 220, 250)},
        "platform": {"L": (250, 200, 110), "b": (220, 150, 50), "D": (130, 70, 10)},
        "far": "hill", "deco": "cloud",
    },
    "desert": {
        "sky": ((250, 180, 100), (255, 232, 180)),
        "colors": {"T": (240, 210, 120), "t": (210, 170, 80), "d": (220, 170, 90), "D": (180, 130, 60),
                   "b": (180, 110, 50), "L": (220, 160, 90), "m": (110, 60, 20),
                   "h": (230, 150, 80), "H": (200, 120, 60), "c": (255, 248, 230), "C": (250, 220, 190)},
        "platform": {"L": (200, 200, 200), "b": (150, 140, 130), "D": (80, 70, 60)},
        "far": "peak", "deco": "cloud",
    },
    "night": {
        "sky": ((8, 8, 40), (40, 30, 96)),
        "colors": {"T": (40, 160, 140), "t": (20, 100, 90), "d": (90, 60, 110), "D": (60, 40, 80),
                   "b": (90, 100, 150), "L": (140, 150, 200), "m": (30, 30, 60),
                   "h": (30, 50, 90), "H": (20, 35, 70), "c": (255, 255, 200), "C": (200, 200, 120)},
        "platform": {"L": (200, 180, 255), "b": (130, 110, 200), "D": (60, 40, 120)},
        "far": "hill", "deco": "stars",
    },
    "cave": {
        "sky": ((24, 20, 30), (60, 50, 56)),
        "colors": {"T": (150, 140, 130), "t": (110, 100, 95), "d": (90, 78, 70), "D": (60, 52, 48),
                   "b": (110, 70, 60), "L": (150, 100, 80), "m": (40, 28, 26),
                   "h": (70, 60, 66), "H": (55, 46, 52), "c": (90, 80, 84), "C": (120, 200, 220)},
        "platform": {"L": (120, 220, 230), "b": (60, 150, 170), "D": (20, 70, 90)},
        "far": "peak", "deco": "stalactite",
    },
}


def sky_gradient(top, bottom, height=64):
    rows = []
    for y in range(height):
        # quantise to bands of 8 rows: a pixel-art sky, not a smooth one
        f = (y // 8) / 7
        rows.append([tuple(int(round(a + (b - a) * f)) for a, b in zip(top, bottom))])
    return rows


def main():
    root = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else ROOT)
    for name, grid in PLAYER.items():
        rows = paint(grid, PLAYER_PALETTE)
        write_png(os.path.join(root, "sprites", f"player_{name}_right.png"), rows)
        write_png(os.path.join(root, "sprites", f"player_{name}_left.png"), mirror(rows))
    for name, grid in ENEMY.items():
        rows = paint(grid, ENEMY_PALETTE)
        write_png(os.path.join(root, "sprites", f"enemy_{name}_right.png"), rows)
        write_png(os.path.join(root, "sprites", f"enemy_{name}_left.png"), mirror(rows))
    for name, grid in COIN.items():
        write_png(os.path.join(root, "sprites", f"{name}.png"), paint(grid, COIN_PALETTE))
    write_png(os.path.join(root, "sprites", "flag.png"), paint(FLAG, FLAG_PALETTE))

    for theme, spec in THEMES.items():
        folder = os.path.join(root, "tiles", theme)
        colors = {k: v for k, v in spec["colors"].items() if v is not None}
        for name, grid in TILES.items():
            palette = dict(colors)
            if name == "platform":
                palette.update(spec["platform"])
            write_png(os.path.join(folder, f"{name}.png"), paint(grid, palette))
        write_png(os.path.join(folder, "far.png"), paint(FAR[spec["far"]], colors))
        write_png(os.path.join(folder, "deco.png"), paint(DECO[spec["deco"]], colors))
        write_png(os.path.join(folder, "sky.png"), sky_gradient(*spec["sky"]))
    print(f"wrote assets to {root}")


if __name__ == "__main__":
    main()
