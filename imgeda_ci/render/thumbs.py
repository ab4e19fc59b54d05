"""Small embedded thumbnails for the report: a few KB each, a fixed number per page.

:class:`Thumbnailer` turns a record path into a ``data:`` URI (WebP, JPEG where Pillow has no
WebP) of at most ``size`` pixels on the long side, or ``None``: no image folder given, a path
outside the folder or remote, an unreadable or undecodable file, or the budget spent. JPEGs
are decoded in draft mode (DCT scaling), so a 12 MP photo costs a few milliseconds; EXIF
orientation is applied so the thumbnail looks as the image is meant to be seen. Thumbnails are
cached by path, so an image shown twice (a flagged duplicate) is encoded and counted once.
"""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, features

#: Refuse to thumbnail anything larger than this (pixels), whatever Pillow's own limit.
MAX_PIXELS = 100_000_000


class Thumbnailer:
    def __init__(
        self, root: Path | None, *, budget: int = 120, size: int = 128, quality: int = 60
    ) -> None:
        self.root = root.resolve() if root is not None and root.is_dir() else None
        self.budget = budget
        self.size = size
        self.quality = quality
        self.webp = bool(features.check("webp"))
        self._cache: dict[str, str | None] = {}
        self.made = 0
        self.bytes = 0

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def get(self, path: str) -> str | None:
        """The thumbnail of ``path`` (relative to the root) as a data URI, or None."""
        if self.root is None:
            return None
        if path in self._cache:
            return self._cache[path]
        if self.made >= self.budget:
            return None
        uri = self._make(path)
        self._cache[path] = uri
        if uri is not None:
            self.made += 1
            self.bytes += len(uri)
        return uri

    def _resolve(self, path: str) -> Path | None:
        assert self.root is not None
        if not path or "://" in path or "\0" in path:
            return None
        try:
            full = (self.root / path).resolve()
            full.relative_to(self.root)
        except (ValueError, OSError):
            return None
        return full if full.is_file() else None

    def _make(self, path: str) -> str | None:
        full = self._resolve(path)
        if full is None:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(full) as img:
                    if img.width * img.height > MAX_PIXELS:
                        return None
                    if img.format == "JPEG":
                        scale = max(img.width, img.height) / self.size
                        if scale > 1:
                            target = (
                                max(1, int(img.width / scale)),
                                max(1, int(img.height / scale)),
                            )
                            img.draft("RGB", target)
                    small = ImageOps.exif_transpose(img)
                    small.thumbnail((self.size, self.size), Image.Resampling.BILINEAR)
                    small = _rgb(small)
                    buf = io.BytesIO()
                    if self.webp:
                        small.save(buf, "WEBP", quality=self.quality, method=4)
                        mime = "image/webp"
                    else:
                        small.save(buf, "JPEG", quality=self.quality + 10, optimize=True)
                        mime = "image/jpeg"
        except Exception:  # any decoder failure: the card shows no thumbnail
            return None
        return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency onto mid-gray (readable in light and dark pages); anything -> RGB."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (128, 128, 128, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return ImageOps.autocontrast(img.convert("L")).convert("RGB")
    return img.convert("RGB")
