"""A small demo dataset with planted problems, so the quick start shows something real.

``make_demo(folder)`` writes a train/test dataset of photo-like images (see
:mod:`imgeda_ci.demo.images`) and plants one of each problem imgeda-ci finds. ``PLANTED`` lists them
(path -> the check that must flag it, and what is wrong); a test checks that each is found.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from imgeda_ci.demo.images import photo

N_TRAIN = 24
N_TEST = 8

#: path -> (the check that must find it, the planted problem)
PLANTED: dict[str, tuple[str, str]] = {
    "train/corrupt.jpg": ("unreadable", "random bytes with a .jpg name (not an image)"),
    "train/truncated.jpg": ("truncated", "a JPEG cut off halfway"),
    "train/dark.jpg": ("dark", "an underexposed photo"),
    "train/overexposed.jpg": ("overexposed", "a washed-out photo"),
    "train/blurred.jpg": ("blurry", "an out-of-focus photo"),
    "train/photo_003_copy.jpg": ("duplicate_exact", "a byte-identical copy of train/photo_003.jpg"),
    "train/near_copy.jpg": ("near_duplicate", "train/photo_005.jpg resized and re-encoded"),
    "train/tiny.jpg": ("too_small", "a 24x18 thumbnail"),
    "train/panorama.jpg": ("odd_aspect_ratio", "a 12:1 strip"),
    "train/gps.jpg": ("gps_location", "a photo carrying GPS coordinates"),
    "train/png_named.jpg": ("extension_mismatch", "a PNG file named .jpg"),
    "test/leak.jpg": ("leakage", "a near-copy of train/photo_007.jpg in the test split"),
}


def _jpeg(img: Image.Image, quality: int = 90, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.6)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.2)
    return exif.tobytes()


def make_demo(folder: Path) -> list[str]:
    """Write the demo dataset into ``folder``; return the relative paths written."""
    files: dict[str, bytes] = {}
    for i in range(N_TRAIN):
        files[f"train/photo_{i:03d}.jpg"] = _jpeg(photo(i))
    for i in range(N_TEST):
        files[f"test/photo_{i:03d}.jpg"] = _jpeg(photo(1000 + i))
    rng = np.random.default_rng(7)
    files["train/corrupt.jpg"] = rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    whole = _jpeg(photo(101))
    files["train/truncated.jpg"] = whole[: len(whole) // 2]
    dark = (np.asarray(photo(102)).astype(np.float32) * 0.08).astype(np.uint8)
    files["train/dark.jpg"] = _jpeg(Image.fromarray(dark))
    bright = np.clip(205 + np.asarray(photo(103)).astype(np.float32) * 0.2, 0, 255)
    files["train/overexposed.jpg"] = _jpeg(Image.fromarray(bright.astype(np.uint8)))
    files["train/blurred.jpg"] = _jpeg(photo(104).filter(ImageFilter.GaussianBlur(8)))
    files["train/photo_003_copy.jpg"] = files["train/photo_003.jpg"]
    files["train/near_copy.jpg"] = _jpeg(photo(5).resize((512, 384)), quality=70)
    files["train/tiny.jpg"] = _jpeg(photo(105, (24, 18)))
    files["train/panorama.jpg"] = _jpeg(photo(106, (2400, 200)))
    files["train/gps.jpg"] = _jpeg(photo(107), exif=_gps_exif())
    buf = io.BytesIO()
    photo(108).save(buf, "PNG")
    files["train/png_named.jpg"] = buf.getvalue()
    files["test/leak.jpg"] = _jpeg(photo(7).resize((600, 450)), quality=80)
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return sorted(files)
