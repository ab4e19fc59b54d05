"""Photo-like synthetic scenes for the duplicate tests, and the copies people make of them.

A scene is a large canvas (gradient sky, soft blobs, shapes, sensor-like noise); a *shot* is a
window of it. Two shots of one scene at different offsets are look-alikes (same scene, other
framing), not copies.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

CANVAS = (960, 720)
SHOT = (640, 480)


def scene(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = CANVAS
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    angle = rng.uniform(0, np.pi)
    t = (xx * np.cos(angle) + yy * np.sin(angle)) / (w + h)
    c0, c1 = rng.uniform(20, 235, 3), rng.uniform(20, 235, 3)
    img = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    for _ in range(6):  # soft light and shadow
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(60, 260)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
        img += blob[..., None] * rng.uniform(-70, 70, 3)[None, None, :]
    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(pic)
    for _ in range(14):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        x1, y1 = x0 + rng.uniform(30, 220), y0 + rng.uniform(30, 220)
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=fill)
    arr = np.asarray(pic.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float64)
    arr += rng.normal(0, 6, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def shot(canvas: Image.Image, dx: int = 0, dy: int = 0) -> Image.Image:
    return canvas.crop((dx, dy, dx + SHOT[0], dy + SHOT[1]))


def crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """``img`` with the given fractions of its width/height cut off each side."""
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def jpeg(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _resize(img: Image.Image, f: float) -> Image.Image:
    return img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.LANCZOS)


def _crop(img: Image.Image, f: float) -> Image.Image:
    dx, dy = round(img.width * f), round(img.height * f)
    return img.crop((dx, dy, img.width - dx, img.height - dy))


def _watermark(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
    font = ImageFont.load_default(size=28)
    ImageDraw.Draw(layer).text((30, img.height - 60), "© example.com", (255, 255, 255, 150), font)
    return Image.alpha_composite(rgba, layer).convert("RGB")


#: The copies people make: name -> original image -> file bytes.
COPIES: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg q90": lambda im: jpeg(im, 90),
    "jpeg q70": lambda im: jpeg(im, 70),
    "jpeg q50": lambda im: jpeg(im, 50),
    "resize 0.8": lambda im: jpeg(_resize(im, 0.8)),
    "resize 0.5": lambda im: jpeg(_resize(im, 0.5)),
    "crop 1%": lambda im: jpeg(_crop(im, 0.01)),
    "brightness +12%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.12)),
    "brightness -12%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(0.88)),
    "blur r1": lambda im: jpeg(im.filter(ImageFilter.GaussianBlur(1))),
    "watermark": lambda im: jpeg(_watermark(im)),
}
