"""Image builders for tests: photo-like pictures made with numpy and Pillow, no binary fixtures.

``photo(seed)`` gives a smooth, textured, colourful scene (gradients, shapes, noise), so that
measurements behave as on real photos; the other builders plant one problem each.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from imgeda_ci.demo.images import photo as photo  # re-exported for the tests


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG" and img.mode not in ("RGB", "L", "CMYK"):
        img = img.convert("RGB")
    img.save(buf, fmt, **params)
    return buf.getvalue()


def save(path: Path, img: Image.Image, fmt: str | None = None, **params: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    formats = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF",
               "bmp": "BMP", "tif": "TIFF", "tiff": "TIFF"}  # fmt: skip
    fmt = fmt or formats[path.suffix.lower().lstrip(".")]
    path.write_bytes(encode(img, fmt, **params))
    return path


def dark(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    arr = np.asarray(photo(seed, size)).astype(np.float32) * 0.08
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def overexposed(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    arr = 200 + np.asarray(photo(seed, size)).astype(np.float32) * 0.25
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def blurred(seed: int = 0, size: tuple[int, int] = (640, 480), radius: float = 6) -> Image.Image:
    return photo(seed, size).filter(ImageFilter.GaussianBlur(radius))


def with_exif(img: Image.Image, fmt: str = "JPEG", **tags: object) -> bytes:
    """Encode with EXIF: orientation=N, make/model=str, gps=(lat, lon)."""
    exif = Image.Exif()
    if "orientation" in tags:
        exif[0x0112] = int(tags["orientation"])  # type: ignore[call-overload]
    if "make" in tags:
        exif[0x010F] = str(tags["make"])
    if "model" in tags:
        exif[0x0110] = str(tags["model"])
    if "gps" in tags:
        lat, lon = tags["gps"]  # type: ignore[misc]
        gps = exif.get_ifd(0x8825)

        def dms(v: float) -> tuple[float, float, float]:
            v = abs(v)
            d = int(v)
            m = int((v - d) * 60)
            return (float(d), float(m), round((v - d - m / 60) * 3600, 4))

        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = dms(lon)
    if "serial" in tags:
        exif.get_ifd(0x8769)[0xA431] = str(tags["serial"])
    return encode(img, fmt, exif=exif.tobytes())


def truncated_jpeg(img: Image.Image | None = None, keep: float = 0.5) -> bytes:
    data = encode(img or photo(1), "JPEG", quality=90)
    return data[: int(len(data) * keep)]
