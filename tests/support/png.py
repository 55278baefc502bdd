"""Reading a PNG screenshot's pixels with the standard library alone, to tell a blank image from a page.

Handles what browsers write: 8-bit RGB or RGBA, not interlaced (PNG's five scanline filters undone).
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter

__all__ = ["colour_counts"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def colour_counts(data: bytes) -> Counter[bytes]:
    """How many pixels of each colour the image has."""
    assert data.startswith(_SIGNATURE), "not a PNG"
    pos, idat = len(_SIGNATURE), bytearray()
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in _CHANNELS and not interlace, "unsupported PNG layout"
            channels = _CHANNELS[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    previous = bytearray(stride)
    counts: Counter[bytes] = Counter()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        counts.update(bytes(line[i : i + channels]) for i in range(0, stride, channels))
        previous = line
    return counts
