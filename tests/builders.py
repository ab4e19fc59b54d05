"""Image builders for tests: photo-like pictures made with numpy and Pillow, no binary fixtures.

``photo(seed)`` gives a smooth, textured, colourful scene (gradients, shapes, noise), so that
measurements behave as on real photos; the other builders plant one problem each.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like RGB image: sky/ground gradient, a few shapes, fine texture."""
    rng = np.random.default_rng(seed)
    w, h = size
    y = np.linspace(0, 1, h)[:, None, None]
    x = np.linspace(0, 1, w)[None, :, None]
    top = rng.uniform(60, 200, 3)
    bottom = rng.uniform(30, 160, 3)
    base = top * (1 - y) + bottom * y + 25 * np.sin(x * rng.uniform(3, 9) + rng.uniform(0, 6))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(6, 12))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1 = x0 + int(rng.integers(w // 12, w // 3))
        y1 = y0 + int(rng.integers(h // 12, h // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
    arr = np.asarray(img).astype(np.int16) + rng.normal(0, 6, (h, w, 3)).astype(np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG" and img.mode not in ("RGB", "L", "CMYK"):
        img = img.convert("RGB")
    img.save(buf, fmt, **params)
    return buf.getvalue()


def save(path: Path, img: Image.Image, fmt: str | None = None, **params: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = fmt or {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF",
                  "bmp": "BMP", "tif": "TIFF", "tiff": "TIFF"}[path.suffix.lower().lstrip(".")]  # fmt: skip
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
