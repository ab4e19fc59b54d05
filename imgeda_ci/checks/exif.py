"""EXIF facts: stored orientation and privacy-sensitive metadata.

No thresholds: these are facts. On the 2,026 real photos of /work/photos: ``exif_orientation``
flags 16 (the exif-samples orientation set), ``gps_location`` 24 (1.2%), ``exif_identity`` 11
(camera serial numbers or owner/artist names). GPS and identity tags do not lower the quality
score (quality_weight 0): they are about privacy, not pixels; the pre-commit hook checks them on
each staged file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import Judged, check
from imgeda_ci.checks.results import Value
from imgeda_ci.columns import BoolArray, Columns

_ORIENTATION = {
    2: "mirrored",
    3: "rotated 180°",
    4: "mirrored vertically",
    5: "transposed",
    6: "rotated 90° (needs 90° CW)",
    7: "transversed",
    8: "rotated 270° (needs 90° CCW)",
}


def _zero_or_one(applies: BoolArray, flagged: BoolArray, value: Any, message: Any) -> Judged:
    return Judged(applies, flagged, np.where(flagged, 0.0, 1.0), value, message)


@check(
    "exif_orientation",
    "stored non-upright: EXIF orientation other than 1 (readers that ignore EXIF see it turned)",
    kind="image",
    reads=("exif.orientation",),
    quality_weight=0.0,
)
def exif_orientation(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    orientation = cols.measure("exif.orientation")
    applies = ~(cols.has_error & ~cols.truthy("exif"))
    flagged = np.isin(orientation, list(_ORIENTATION))

    def value(i: int) -> Value:
        return int(orientation[i]) if flagged[i] else None

    def message(i: int) -> str:
        o = int(orientation[i])
        return f"EXIF orientation {o}: {_ORIENTATION[o]}"

    return _zero_or_one(applies, flagged, value, message)


@check(
    "gps_location",
    "EXIF GPS tags: the photo tells where it was taken",
    kind="image",
    reads=("exif.gps", "exif.lat", "exif.lon"),
    quality_weight=0.0,
    staged=True,
)
def gps_location(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    flagged = cols.measure("exif.gps") == 1.0
    lat, lon = cols.measure("exif.lat"), cols.measure("exif.lon")

    def value(i: int) -> Value:
        return "gps" if flagged[i] else None

    def message(i: int) -> str:
        where = "" if np.isnan(lat[i]) or np.isnan(lon[i]) else f" ({lat[i]:.4f}, {lon[i]:.4f})"
        return f"GPS location in EXIF{where}"

    return _zero_or_one(np.ones(cols.n, np.bool_), flagged, value, message)


_IDENTITY = {"owner": "owner/artist name", "serial": "serial number"}


@check(
    "exif_identity",
    "EXIF names a person or device: owner/artist name or camera/lens serial number",
    kind="image",
    reads=("exif.owner", "exif.serial"),
    severity="info",
    quality_weight=0.0,
    staged=True,
)
def exif_identity(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    has = {k: cols.measure(f"exif.{k}") == 1.0 for k in _IDENTITY}
    flagged = has["owner"] | has["serial"]

    def found(i: int) -> list[str]:
        return [k for k in _IDENTITY if has[k][i]]

    def value(i: int) -> Value:
        return ",".join(found(i)) if flagged[i] else None

    def message(i: int) -> str:
        return "EXIF has " + " and ".join(_IDENTITY[k] for k in found(i))

    return _zero_or_one(np.ones(cols.n, np.bool_), flagged, value, message)
