"""Pixel work on a decoded image: modes brought to 8 bits, the pixel hash, and the
measurements taken on the upright image at the analysis size.

Every format reaches the measurements at the same scale: a JPEG is reduced in its decoder
(``draft``: DCT scaling by 1/2, 1/4 or 1/8 to the smallest scale that still covers the analysis
size), and any other image decoded at full size is box-reduced by the same factor
(:func:`draft_factor`) before anything else is done to its pixels. A PNG and a JPEG of the same
picture then go through the same conversion and resize at the same size, and measure alike
(benchmarks/bench_format_consistency.py), and the per-pixel work on a large PNG or WebP is that
of a JPEG of its size. Measurements ignore alpha (as they always did for luma)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.copysig import copy_signature
from imgeda_ci.scan.measure import measure
from imgeda_ci.scan.settings import Settings

TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def to_8bit(img: Image.Image) -> Image.Image:
    """Bring high-bit-depth and palette modes to L/LA/RGB/RGBA/CMYK without clipping."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if img.mode == "F" and arr.max(initial=0) <= 1.0:
            top = 1.0
        out = np.clip(arr * (255.0 / top), 0, 255).round().astype(np.uint8)
        return Image.fromarray(out, mode="L")
    if img.mode in ("P", "PA"):
        return img.convert("RGBA" if "transparency" in img.info or img.mode == "PA" else "RGB")
    if img.mode == "1":
        return img.convert("L")
    if img.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return img.convert("RGB")
    return img


PIXEL_BLOCK = 1 << 20


def hash_pixels(img: Image.Image, h: Any) -> None:
    """``h.update(img.tobytes())`` without the copy: the raw encoder's blocks go straight into
    the hash (a 24 MP PNG's pixels are 72 MB; ``tobytes`` would join them first)."""
    getencoder = getattr(Image, "_getencoder", None)
    if getencoder is None or img.width == 0 or img.height == 0:
        h.update(img.tobytes())
        return
    encoder = getencoder(img.mode, "raw", img.mode)
    try:
        encoder.setimage(img.im, (0, 0, *img.size))
        while True:
            _, errcode, block = encoder.encode(max(PIXEL_BLOCK, img.width * 4))
            h.update(block)
            if errcode:
                break
        if errcode < 0:
            raise RuntimeError(f"encoder error {errcode} while hashing pixels")
    finally:
        encoder.cleanup()


def draft_factor(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The reduction JPEG's ``draft`` applies for ``target``: the largest of 8, 4, 2 and 1
    that leaves the image at least ``target`` on both sides (Pillow's JpegImageFile.draft);
    1 for an image smaller than ``target``."""
    scale = min(size[0] // max(1, target[0]), size[1] // max(1, target[1]))
    return next((f for f in (8, 4, 2) if scale >= f), 1)


def reduced(img: Image.Image, target: tuple[int, int]) -> Image.Image:
    """``img`` (8-bit modes, see :func:`to_8bit`) without alpha, box-reduced by
    :func:`draft_factor`: what a JPEG of it would be after ``draft``. A JPEG already decoded at
    that scale is returned as it is (its factor is 1)."""
    if img.mode in ("LA", "RGBA"):  # alpha is not measured; reduce() would premultiply it
        img = img.convert(img.mode[:-1])
    factor = draft_factor(img.size, target)
    return img.reduce(factor) if factor > 1 else img


def measure_image(
    img: Image.Image,
    orientation: int,
    target: tuple[int, int],
    settings: Settings,
    rec: ImageRecord,
) -> None:
    """The measurements, on the upright image: luma at the analysis size, colour reduced."""
    tw, th = target
    full = reduced(to_8bit(img), target)
    if orientation in TRANSPOSE:  # upright before resizing: same pixels as an upright file
        full = full.transpose(TRANSPOSE[orientation])
        if orientation >= 5:
            tw, th = th, tw
    # luma at exactly the analysis size (sharpness, borders, percentiles, hashes): resizing
    # one channel costs a third of resizing three
    if full.mode == "L":
        gray = full
    elif full.mode == "CMYK":
        gray = full.convert("RGB").convert("L")
    else:
        gray = full.convert("L")
    if gray.size != (tw, th):
        gray = gray.resize((tw, th), Image.Resampling.BOX)
    # colour statistics are scale-free: an integer box reduction to about half the
    # analysis size is enough and nearly free
    factor = max(1, max(full.size) // max(1, settings.analysis_size // 2))
    colour = full.reduce(factor) if factor > 1 else full
    if colour.mode != "RGB":
        colour = colour.convert("RGB")
    stats, ph, dh, flips = measure(gray, colour)
    rec["stats"] = stats
    rec["phash"], rec["dhash"], rec["phash_flips"] = ph, dh, flips
    rec["copysig"], rec["thumb"] = copy_signature(gray)
