"""File format and pixel layout: wrong extension, disallowed format, unusual mode, animation.

These are facts rather than measurements, so there is nothing to tune; the defaults say what a
training pipeline built on Pillow/torchvision reads without surprises. On the 2,026 real photos
of /work/photos: ``extension_mismatch`` flags 1 (a PNG named .jpg), ``disallowed_format`` none
(JPEG 1,755, PNG 257, WEBP 14), ``unusual_mode`` 111 (5.5%: 97 RGBA and 1 LA wallpapers and
figures, 13 palette PNGs), ``animated`` none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import (
    Option,
    Outcome,
    VectorOutcome,
    image_check,
    image_check_with_options,
)
from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord

#: Formats with another name for the same thing (MPO is a JPEG with extra frames).
FORMAT_ALIASES = {"JPG": "JPEG", "MPO": "JPEG", "TIF": "TIFF", "HEIC": "HEIF"}
DEFAULT_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")
DEFAULT_MODES = ("RGB", "L")


def normalize_format(name: str) -> str:
    up = name.strip().upper()
    return FORMAT_ALIASES.get(up, up)


_OK = Outcome(False, 1.0, None, "")


def _zero_or_one(applies: np.ndarray[Any, Any], flagged: np.ndarray[Any, Any]) -> VectorOutcome:
    return VectorOutcome(applies, flagged, np.where(flagged, 0.0, 1.0))


def _extension_mismatch_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    return _zero_or_one(cols.present("ext_mismatch"), cols.truthy("ext_mismatch"))


def _disallowed_format_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    applies = ~cols.has_error & cols.is_str("format")
    allowed = {normalize_format(f) for f in options.get("allowed") or ()}
    if not allowed:
        return _zero_or_one(applies, np.zeros(cols.n, np.bool_))
    bad = cols.apply(
        cols.raw("format"), lambda f: isinstance(f, str) and normalize_format(f) not in allowed
    )
    return _zero_or_one(applies, bad)


def _unusual_mode_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    applies = ~cols.has_error & cols.is_str("mode")
    allowed = {str(m) for m in options.get("allowed_modes") or ()}
    flagged = np.zeros(cols.n, np.bool_)
    if allowed:
        flagged |= cols.apply(cols.raw("mode"), lambda m: m not in allowed)
    max_depth = options.get("max_bit_depth")
    if isinstance(max_depth, int):
        flagged |= cols.num("bit_depth", "int_or_bool") > max_depth
    return _zero_or_one(applies, flagged)


def _animated_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    frames = cols.num("frames", "int_or_bool")
    return _zero_or_one(~np.isnan(frames), frames > 1)


@image_check(
    "extension_mismatch",
    "the file extension names another format than the content",
    reads=("ext", "format", "ext_mismatch"),
    vector=_extension_mismatch_v,
)
def extension_mismatch(record: ImageRecord, threshold: float | None) -> Outcome | None:
    if "ext_mismatch" not in record:
        return None
    if record.get("ext_mismatch"):
        ext = record.get("ext") or ""
        return Outcome(True, 0.0, ext, f".{ext} file holds {record.get('format')}")
    return _OK


@image_check_with_options(
    "disallowed_format",
    "the image format (by content) is not in the allowed list",
    reads=("format",),
    options=(
        Option(
            "allowed",
            "strings",
            DEFAULT_FORMATS,
            "formats allowed, by content (case-insensitive; jpg = jpeg = mpo, tif = tiff)",
        ),
    ),
    vector=_disallowed_format_v,
)
def disallowed_format(
    record: ImageRecord, threshold: float | None, options: Mapping[str, Any]
) -> Outcome | None:
    fmt_name = record.get("format")
    if record.get("error") or not isinstance(fmt_name, str):
        return None
    allowed = {normalize_format(f) for f in options.get("allowed") or ()}
    if not allowed or normalize_format(fmt_name) in allowed:
        return _OK
    return Outcome(True, 0.0, fmt_name, f"{fmt_name} is not one of {', '.join(sorted(allowed))}")


@image_check_with_options(
    "unusual_mode",
    "pixel mode other than the allowed ones (CMYK, alpha, palette) or more than 8 bits",
    reads=("mode", "bit_depth"),
    options=(
        Option(
            "allowed_modes",
            "strings",
            DEFAULT_MODES,
            "Pillow modes allowed (e.g. RGB, L, RGBA)",
        ),
        Option("max_bit_depth", "integer", 8, "largest bits per channel allowed", 1, 32),
    ),
    quality_weight=0.0,
    vector=_unusual_mode_v,
)
def unusual_mode(
    record: ImageRecord, threshold: float | None, options: Mapping[str, Any]
) -> Outcome | None:
    mode = record.get("mode")
    if record.get("error") or not isinstance(mode, str):
        return None
    allowed = {str(m) for m in options.get("allowed_modes") or ()}
    depth = record.get("bit_depth")
    max_depth = options.get("max_bit_depth")
    problems = []
    if allowed and mode not in allowed:
        problems.append(f"mode {mode}")
    if isinstance(depth, int) and isinstance(max_depth, int) and depth > max_depth:
        problems.append(f"{depth}-bit")
    if problems:
        value = mode if not (isinstance(depth, int) and depth > 8) else f"{mode} ({depth}-bit)"
        return Outcome(True, 0.0, value, ", ".join(problems))
    return _OK


@image_check(
    "animated",
    "more than one frame (animated GIF/WebP/PNG, multi-page TIFF)",
    reads=("frames",),
    quality_weight=0.0,
    vector=_animated_v,
)
def animated(record: ImageRecord, threshold: float | None) -> Outcome | None:
    frames = record.get("frames")
    if not isinstance(frames, int):
        return None
    if frames > 1:
        return Outcome(True, 0.0, frames, f"{frames} frames")
    return _OK
