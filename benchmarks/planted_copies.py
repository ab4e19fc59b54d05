"""The planted copies the near-copy benchmarks make of real photos: one transform per name.

Shared by ``bench_nearcopy.py`` (what the verifier calls each pair) and
``bench_copy_candidates.py`` (which pairs the copy signature finds), so both measure the same
copies. Every copy is saved as JPEG (quality 95 unless the transform is a re-encode).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

Make = Callable[[Image.Image], bytes]


def jpeg(img: Image.Image, quality: int = 95) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def watermark(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
    font = ImageFont.load_default(size=max(10, rgba.height // 14))
    ImageDraw.Draw(layer).text(
        (rgba.width * 0.05, rgba.height * 0.82), "© example.com 2024", (255, 255, 255, 150), font
    )
    return Image.alpha_composite(rgba, layer).convert("RGB")


def _crop(*sides: float) -> Make:
    return lambda im: jpeg(crop(im, *sides))


def _one_side(f: float, rng: random.Random) -> Make:
    def make(im: Image.Image) -> bytes:
        sides = [0.0, 0.0, 0.0, 0.0]
        sides[rng.randrange(4)] = f
        return jpeg(crop(im, *sides))

    return make


def transforms(rng: random.Random) -> dict[str, Make]:
    """Every planted transform, by name (``rng`` picks the side of one-sided crops)."""
    rot = Image.Transpose
    return {
        "jpeg q70": lambda im: jpeg(im, 70),
        "resize 0.5": lambda im: jpeg(im.resize((im.width // 2, im.height // 2), 1)),
        "bright +15%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.15)),
        "bright -15%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(0.85)),
        "blur r2": lambda im: jpeg(im.filter(ImageFilter.GaussianBlur(2))),
        "watermark": lambda im: jpeg(watermark(im)),
        **{f"crop {p}%/side": _crop(*[p / 100] * 4) for p in (1, 3, 5)},
        **{f"crop {p}% one side": _one_side(p / 100, rng) for p in (1, 3, 5)},
        "crop 5% left+top": _crop(0.05, 0.05, 0.0, 0.0),
        "mirror": lambda im: jpeg(im.transpose(rot.FLIP_LEFT_RIGHT)),
        "flip": lambda im: jpeg(im.transpose(rot.FLIP_TOP_BOTTOM)),
        "rot90": lambda im: jpeg(im.transpose(rot.ROTATE_90)),
        "rot180": lambda im: jpeg(im.transpose(rot.ROTATE_180)),
        "rot270": lambda im: jpeg(im.transpose(rot.ROTATE_270)),
        "rot90 + crop 3%": lambda im: jpeg(crop(im.transpose(rot.ROTATE_90), *[0.03] * 4)),
    }
