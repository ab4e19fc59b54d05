"""JPEG structure: damage the decoder hides, and the identity of the coded image.

libjpeg only *warns* about damaged entropy-coded data ("premature end of data segment") and
fills the gap, and Pillow drops those warnings, so a visibly damaged photo decodes "fine". For
baseline JPEGs with restart intervals the marker structure tells: a scan of M MCUs with restart
interval R must contain ceil(M / R) - 1 restart markers (one more right before EOI is tolerated,
some encoders write it). Fewer means lost data. A scan without an end-of-image marker is
truncated.
"""

from __future__ import annotations

import hashlib
import math
import struct

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_RST = tuple(bytes([0xFF, m]) for m in range(0xD0, 0xD8))


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each header segment up to and including the first SOS; only
    segments that end within ``data``, so that reading one never runs past the bytes."""
    out: list[tuple[int, int, int]] = []
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if i + 2 + length > n:  # a segment running past the end: the file is cut or damaged
            break
        out.append((marker, i, i + 2 + length))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def jpeg_coded_sha256(data: bytes, orientation: int) -> str | None:
    """SHA-256 of a JPEG's coded image (tables and scans), ignoring APPn/COM metadata.

    Two JPEGs with equal values decode to identical pixels whatever metadata they carry.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    h = hashlib.sha256(b"jpeg-coded\0%d\0" % orientation)
    view = memoryview(data)  # slices of it are not copies of the file
    for marker, start, end in _segments(data):
        if marker == 0xDA:
            eoi = data.rfind(b"\xff\xd9", end)
            h.update(view[start : eoi + 2 if eoi >= 0 else len(data)])
            return h.hexdigest()
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            h.update(view[start:end])
    return None


def _mcus(data: bytes, start: int, end: int) -> int | None:
    """The number of MCUs of a frame (SOFn segment at ``start:end``), None when unknown."""
    h, w = struct.unpack(">HH", data[start + 5 : start + 9])
    ncomp = data[start + 9]
    factors = [data[start + 11 + 3 * k] for k in range(ncomp) if start + 12 + 3 * k <= end]
    hmax = max((f >> 4 for f in factors), default=1) if ncomp > 1 else 1
    vmax = max((f & 15 for f in factors), default=1) if ncomp > 1 else 1
    if w and h and hmax and vmax:
        return int(math.ceil(w / (8 * hmax)) * math.ceil(h / (8 * vmax)))
    return None


def _scan_damage(data: bytes, end: int, mcus: int, restart: int) -> str | None:
    """Missing restart markers in the scan data that starts at ``end`` (see module doc)."""
    eoi = data.find(b"\xff\xd9", end)  # the first: anything appended is not counted
    scan = data[end:eoi]
    found = sum(scan.count(m) for m in _RST)
    expected = math.ceil(mcus / restart) - 1
    if found < expected or found > expected + 1:
        return (
            f"damaged JPEG data: {found} of {expected} restart markers present; the "
            "decoder fills the lost blocks"
        )
    return None


def jpeg_damage(data: bytes) -> str | None:
    """A one-line description of structural damage in a JPEG, or None when none is seen."""
    if not data.startswith(b"\xff\xd8"):
        return None
    restart, mcus, progressive = 0, None, False
    for marker, start, end in _segments(data):
        if marker in _SOF and end - start >= 11:
            progressive = marker in _PROGRESSIVE
            mcus = _mcus(data, start, end) or mcus  # (a frame of unknown size: as before)
        elif marker == 0xDD and end - start >= 6:
            (restart,) = struct.unpack(">H", data[start + 4 : start + 6])
        elif marker == 0xDA:
            # an end-of-image marker after the scan data: looked for from the end of the file
            # (where it is), not through the data (entropy-coded bytes never hold one)
            if data.rfind(b"\xff\xd9", end) < 0:
                return "no end-of-image marker: the file is cut off"
            if progressive or not restart or mcus is None:
                return None
            return _scan_damage(data, end, mcus, restart)
    return None
