"""8-bit RGB PNG files with zlib and numpy only, for the tools that need no imaging library."""
import os
import struct
import zlib

import numpy as np


def write_png(path, rgb):
    """Writes an [H, W, 3] uint8 array as an 8-bit RGB PNG, atomically."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + np.ascontiguousarray(rgb[y], dtype=np.uint8).tobytes() for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_png_rgb8(path):
    """8-bit RGB, non-interlaced PNGs (what genie writes), all five row filters."""
    data = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", data[pos + 8:pos + 18])
            if depth != 8 or colour != 2:
                raise ValueError(f"{path}: only 8-bit RGB is read here")
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3
    out = np.zeros((height, stride), np.int32)
    previous = np.zeros(stride, np.int32)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        line = np.zeros(stride, np.int32)
        for x in range(stride):
            left = line[x - 3] if x >= 3 else 0
            up, up_left = previous[x], (previous[x - 3] if x >= 3 else 0)
            if kind == 0: value = row[x]
            elif kind == 1: value = row[x] + left
            elif kind == 2: value = row[x] + up
            elif kind == 3: value = row[x] + (left + up) // 2
            else:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                value = row[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)
            line[x] = value & 0xFF
        out[y], previous = line, line
    return out.reshape(height, width, 3).astype(np.uint8)
