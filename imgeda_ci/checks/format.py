"""File format and pixel layout: wrong extension, disallowed format, unusual mode, animation.

These are facts rather than measurements, so there is nothing to tune; the defaults say what a
training pipeline built on Pillow/torchvision reads without surprises. On the 2,026 real photos
of /work/photos: ``extension_mismatch`` flags 1 (a PNG named .jpg), ``disallowed_format`` none
(JPEG 1,755, PNG 257, WEBP 14; :data:`DEFAULT_FORMATS` says which formats pass and why),
``unusual_mode`` 111 (5.5%: 97 RGBA and 1 LA wallpapers and figures, 13 palette PNGs),
``animated`` none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from imgeda_ci.checks.registry import Judged, Option, check, shorthand
from imgeda_ci.checks.results import Value
from imgeda_ci.columns import BoolArray, Columns
from imgeda_ci.scan.sniff import IMAGE_FORMATS_WITHOUT_DECODER

#: Formats with another name for the same thing (MPO is a JPEG with extra frames).
FORMAT_ALIASES = {"JPG": "JPEG", "MPO": "JPEG", "TIF": "TIFF", "HEIC": "HEIF"}
#: The formats a training pipeline built on Pillow/torchvision reads with a stock ``pip install
#: Pillow``: JPEG, PNG, WebP, BMP, TIFF, GIF, and AVIF (the Pillow wheels decode it since 11.3).
#: The check only sees images that were decoded, so an AVIF this installation cannot decode is
#: an ``unsupported_format`` error, never ``disallowed_format``. HEIF/HEIC is not in the list:
#: it needs the pillow-heif plugin in the training loader too (``[heif]`` lets the scan measure
#: it; add HEIF to ``allowed_formats`` once the loader registers pillow-heif).
DEFAULT_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "AVIF")
DEFAULT_MODES = ("RGB", "L")


def format_names() -> tuple[str, ...]:
    """Every name ``allowed`` accepts, in upper and in lower case: the formats Pillow has
    registered (after ``Image.init()``: every plugin), the image formats the scan names without
    a decoder (HEIF, AVIF, JXL, SVG, RAW; see :mod:`imgeda_ci.scan.sniff`) and the aliases."""
    Image.init()
    names = {*Image.OPEN, *IMAGE_FORMATS_WITHOUT_DECODER, *FORMAT_ALIASES}
    return tuple(sorted({*names, *(n.lower() for n in names)}))


def mode_names() -> tuple[str, ...]:
    """Every Pillow image mode (``Image.MODES``), as ``allowed_modes`` accepts them: modes are
    case-sensitive (``RGBa`` is not ``RGBA``)."""
    return tuple(Image.MODES)


def normalize_format(name: str) -> str:
    up = name.strip().upper()
    return FORMAT_ALIASES.get(up, up)


def _zero_or_one(applies: BoolArray, flagged: BoolArray, value: Any, message: Any) -> Judged:
    return Judged(applies, flagged, np.where(flagged, 0.0, 1.0), value, message)


@check(
    "extension_mismatch",
    "the file extension names another format than the content",
    kind="image",
    reads=("ext", "format", "ext_mismatch"),
)
def extension_mismatch(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> Judged:
    mismatch = cols.measure("ext_mismatch")
    ext, fmt_name = cols.text("ext"), cols.text("format")
    flagged = mismatch == 1.0

    def value(i: int) -> Value:
        return (ext[i] or "") if flagged[i] else None

    def message(i: int) -> str:
        return f".{ext[i] or ''} file holds {fmt_name[i]}"

    return _zero_or_one(~np.isnan(mismatch), flagged, value, message)


@check(
    "disallowed_format",
    "the image format (by content) is not in the allowed list",
    kind="image",
    reads=("format",),
    options=(
        Option(
            "allowed",
            "strings",
            DEFAULT_FORMATS,
            "formats allowed, by content (Pillow's format names, upper or lower case; jpg = "
            "jpeg = mpo, tif = tiff, heic = heif); the default is what stock Pillow decodes: "
            "HEIF is left out, as a loader needs pillow-heif to read it",
            choices=format_names,
        ),
    ),
    policy_keys=(
        shorthand(
            "allowed_formats",
            sets="option",
            option="allowed",
            type="strings",
            disabled_values=((),),
            description="fail when any image's format is not in this list; [] = off (imgeda)",
        ),
    ),
)
def disallowed_format(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    fmt_name = cols.text("format")
    applies = cols.ok & np.fromiter((f is not None for f in fmt_name), np.bool_, cols.n)
    allowed = {normalize_format(f) for f in options.get("allowed") or ()}
    flagged = np.zeros(cols.n, np.bool_)
    if allowed:
        flagged = cols.apply(
            fmt_name, lambda f: f is not None and normalize_format(f) not in allowed
        )

    def value(i: int) -> Value:
        return fmt_name[i] if flagged[i] else None

    def message(i: int) -> str:
        return f"{fmt_name[i]} is not one of {', '.join(sorted(allowed))}"

    return _zero_or_one(applies, flagged, value, message)


@check(
    "unusual_mode",
    "pixel mode other than the allowed ones (CMYK, alpha, palette) or more than 8 bits",
    kind="image",
    reads=("mode", "bit_depth"),
    options=(
        Option(
            "allowed_modes",
            "strings",
            DEFAULT_MODES,
            "Pillow modes allowed (e.g. RGB, L, RGBA; case-sensitive)",
            choices=mode_names,
        ),
        Option("max_bit_depth", "integer", 8, "largest bits per channel allowed", 1, 32),
    ),
    quality_weight=0.0,
)
def unusual_mode(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    mode, depth = cols.text("mode"), cols.measure("bit_depth")
    applies = cols.ok & np.fromiter((m is not None for m in mode), np.bool_, cols.n)
    allowed = {str(m) for m in options.get("allowed_modes") or ()}
    max_depth = options.get("max_bit_depth")
    odd_mode = np.zeros(cols.n, np.bool_)
    if allowed:
        odd_mode = cols.apply(mode, lambda m: m not in allowed)
    deep = np.zeros(cols.n, np.bool_)
    if isinstance(max_depth, int):
        deep = depth > max_depth

    def value(i: int) -> Value:
        if not (odd_mode[i] or deep[i]):
            return None
        return f"{mode[i]} ({int(depth[i])}-bit)" if depth[i] > 8 else mode[i]

    def message(i: int) -> str:
        problems = [f"mode {mode[i]}"] if odd_mode[i] else []
        return ", ".join(problems + ([f"{int(depth[i])}-bit"] if deep[i] else []))

    return _zero_or_one(applies, odd_mode | deep, value, message)


@check(
    "animated",
    "more than one frame (animated GIF/WebP/PNG, multi-page TIFF)",
    kind="image",
    reads=("frames",),
    quality_weight=0.0,
)
def animated(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    frames = cols.measure("frames")
    flagged = frames > 1

    def value(i: int) -> Value:
        return int(frames[i]) if flagged[i] else None

    def message(i: int) -> str:
        return f"{int(frames[i])} frames"

    return _zero_or_one(~np.isnan(frames), flagged, value, message)
