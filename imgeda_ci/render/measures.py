"""Per-image measurements as numpy columns, and the category counts the report charts read.

:func:`measures` walks the records once. Missing values are NaN, so a manifest scanned at
``fast`` depth (no pixel statistics) still yields dimensions and file sizes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from imgeda_ci.model import ImageRecord

Array = npt.NDArray[np.float64]

#: name -> (title, unit) of the numeric columns
COLUMNS: dict[str, tuple[str, str]] = {
    "width": ("width", "px"),
    "height": ("height", "px"),
    "size": ("file size", "bytes"),
    "aspect": ("aspect ratio (width / height)", ""),
    "luma": ("brightness (mean luma)", "0-255"),
    "contrast": ("contrast (luma std)", "0-128"),
    "sharpness": ("sharpness (Laplacian variance)", ""),
    "mean_r": ("mean red", "0-255"),
    "mean_g": ("mean green", "0-255"),
    "mean_b": ("mean blue", "0-255"),
    "pad": ("largest padded fraction of a side", ""),
    "boxes": ("objects per image", ""),
}


@dataclass
class Measures:
    n: int
    cols: dict[str, Array]
    formats: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    cameras: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    labelled: bool = False  # any record carries a ``labels`` field

    def values(self, name: str) -> Array:
        """The finite values of a column."""
        v = self.cols[name]
        return v[np.isfinite(v)]


_NUMBER = (int, float)


def _num(v: object) -> float:
    # type() rather than isinstance: bool is an int, and this runs millions of times
    return float(v) if type(v) in _NUMBER else np.nan  # type: ignore[arg-type]


def camera(rec: ImageRecord) -> str | None:
    exif = rec.get("exif") or {}
    make = str(exif.get("make") or "").strip()
    model = str(exif.get("model") or "").strip()
    if model.lower().startswith(make.lower()):
        make = ""
    name = f"{make} {model}".strip()
    return name or None


def measures(records: Sequence[ImageRecord]) -> Measures:
    cols, labelled = _numeric_columns(records)
    out = Measures(len(records), cols, labelled=labelled)
    _count_categories(records, out)
    return out


def _numeric_columns(records: Sequence[ImageRecord]) -> tuple[dict[str, Array], bool]:
    """The :data:`COLUMNS` (NaN where missing), and whether any record carries labels."""
    n = len(records)
    nan = np.nan
    lists: dict[str, list[float]] = {name: [nan] * n for name in COLUMNS}
    labelled = False
    w, h, size = lists["width"], lists["height"], lists["size"]
    luma, contrast, sharp = lists["luma"], lists["contrast"], lists["sharpness"]
    mr, mg, mb, pad, boxes = (lists[k] for k in ("mean_r", "mean_g", "mean_b", "pad", "boxes"))
    for i, rec in enumerate(records):
        w[i] = _num(rec.get("width"))
        h[i] = _num(rec.get("height"))
        size[i] = _num(rec.get("size"))
        stats = rec.get("stats")
        if stats:
            luma[i] = _num(stats.get("luma_mean"))
            contrast[i] = _num(stats.get("luma_std"))
            sharp[i] = _num(stats.get("sharpness"))
            mean = stats.get("mean")
            if type(mean) is list and len(mean) == 3:
                mr[i], mg[i], mb[i] = _num(mean[0]), _num(mean[1]), _num(mean[2])
            p = stats.get("pad")
            if type(p) is dict and p:
                pad[i] = max(_num(x) for x in p.values())
        labels = rec.get("labels")
        if labels is not None:
            labelled = True
            boxes[i] = _num(labels.get("n") or 0)
    cols = {name: np.asarray(v, dtype=np.float64) for name, v in lists.items()}
    wa, ha = cols["width"], cols["height"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["aspect"] = np.where((wa > 0) & (ha > 0), wa / ha, np.nan)
    return cols, labelled


def _count_categories(records: Sequence[ImageRecord], out: Measures) -> None:
    """Count formats, pixel modes, cameras and error codes into ``out``."""
    formats, modes, cameras, errors = out.formats, out.modes, out.cameras, out.errors
    for rec in records:
        err = rec.get("error")
        if err:
            errors[err["code"]] += 1
        fmt = rec.get("format")
        formats[str(fmt) if fmt else ("error" if err else "unknown")] += 1
        mode = rec.get("mode")
        if mode:
            modes[str(mode)] += 1
        if rec.get("exif"):
            cam = camera(rec)
            if cam:
                cameras[cam] += 1
