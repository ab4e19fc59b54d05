"""Photo-like synthetic images (gradients, shapes, texture), for the demo dataset and tests."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


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
