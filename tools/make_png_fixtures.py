#!/usr/bin/env python3
"""Writes the PNG fixtures of Tests/GenieMediaTests with an encoder independent of libpng.

Each fixture is a 4x3 picture of known colours in one PNG colour type; the test checks
that genie reads every one as the same 8-bit RGB (alpha composited over black).
"""
import struct, zlib, os, sys

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GenieMediaTests", "Fixtures")
W, H = 4, 3
# Reference picture: RGB triples, row-major.
PIXELS = [[(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)],
          [(0, 0, 0), (128, 128, 128), (255, 255, 0), (10, 20, 30)],
          [(200, 100, 50), (0, 255, 255), (255, 0, 255), (64, 64, 64)]]

def chunk(kind, data):
    c = kind + data
    return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)

def png(color_type, bit_depth, rows, plte=None, trns=None):
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, bit_depth, color_type, 0, 0, 0))
    if plte: out += chunk(b"PLTE", plte)
    if trns: out += chunk(b"tRNS", trns)
    raw = b"".join(b"\x00" + r for r in rows)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f: f.write(data)

os.makedirs(OUT, exist_ok=True)
write("rgb8.png", png(2, 8, [bytes(c for p in row for c in p) for row in PIXELS]))
write("rgb16.png", png(2, 16, [b"".join(struct.pack(">H", c * 257) for p in row for c in p) for row in PIXELS]))
write("rgba8.png", png(6, 8, [bytes(c for p in row for c in p + (255,)) for row in PIXELS]))
palette = [p for row in PIXELS for p in row]
write("palette8.png", png(3, 8, [bytes(range(y * W, y * W + W)) for y in range(H)], plte=b"".join(bytes(p) for p in palette)))
# Grey pictures use the green channel as grey level.
grey = [[p[1] for p in row] for row in PIXELS]
write("grey8.png", png(0, 8, [bytes(row) for row in grey]))
write("grey16.png", png(0, 16, [b"".join(struct.pack(">H", g * 257) for g in row) for row in grey]))
write("greyalpha8.png", png(4, 8, [bytes(v for g in row for v in (g, 255)) for row in grey]))
# Half-transparent pixels over black: RGBA (200, 100, 50, 128) -> about (100, 50, 25).
write("rgba_half.png", png(6, 8, [bytes((200, 100, 50, 128) * W) for _ in range(H)]))
write("not_a_png.png", b"hello, this is not a PNG file at all")
good = png(2, 8, [bytes(c for p in row for c in p) for row in PIXELS])
write("truncated.png", good[:len(good) - 30])
corrupt = bytearray(good); corrupt[45] ^= 0xFF  # inside the IDAT stream
write("corrupt.png", bytes(corrupt))
