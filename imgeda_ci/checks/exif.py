"""EXIF facts: stored orientation and privacy-sensitive metadata.

No thresholds: these are facts. On the 2,026 real photos of /work/photos: ``exif_orientation``
flags 16 (the exif-samples orientation set), ``gps_location`` 24 (1.2%), ``exif_identity`` 11
(camera serial numbers or owner/artist names). GPS and identity tags do not lower the quality
score (quality_weight 0): they are about privacy, not pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import Outcome, VectorOutcome, image_check
from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord

_OK = Outcome(False, 1.0, None, "")
_ORIENTATION = {
    2: "mirrored",
    3: "rotated 180°",
    4: "mirrored vertically",
    5: "transposed",
    6: "rotated 90° (needs 90° CW)",
    7: "transversed",
    8: "rotated 270° (needs 90° CCW)",
}


def _zero_or_one(applies: np.ndarray[Any, Any], flagged: np.ndarray[Any, Any]) -> VectorOutcome:
    return VectorOutcome(applies, flagged, np.where(flagged, 0.0, 1.0))


def _exif_orientation_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    applies = ~(cols.has_error & ~cols.truthy("exif"))
    flagged = cols.apply(
        cols.raw("exif.orientation"), lambda o: isinstance(o, int) and o in _ORIENTATION
    )
    return _zero_or_one(applies, flagged)


def _gps_location_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    return _zero_or_one(np.ones(cols.n, np.bool_), cols.truthy("exif.gps"))


def _exif_identity_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    flagged = cols.truthy("exif.owner") | cols.truthy("exif.serial")
    return _zero_or_one(np.ones(cols.n, np.bool_), flagged)


@image_check(
    "exif_orientation",
    "stored non-upright: EXIF orientation other than 1 (readers that ignore EXIF see it turned)",
    reads=("exif.orientation",),
    quality_weight=0.0,
    vector=_exif_orientation_v,
)
def exif_orientation(record: ImageRecord, threshold: float | None) -> Outcome | None:
    exif = record.get("exif")
    if record.get("error") and not exif:
        return None
    orientation = (exif or {}).get("orientation")
    if isinstance(orientation, int) and orientation in _ORIENTATION:
        return Outcome(
            True, 0.0, orientation, f"EXIF orientation {orientation}: {_ORIENTATION[orientation]}"
        )
    return _OK


@image_check(
    "gps_location",
    "EXIF GPS tags: the photo tells where it was taken",
    reads=("exif.gps", "exif.lat", "exif.lon"),
    quality_weight=0.0,
    vector=_gps_location_v,
)
def gps_location(record: ImageRecord, threshold: float | None) -> Outcome | None:
    exif = record.get("exif") or {}
    if not exif.get("gps"):
        return _OK
    lat, lon = exif.get("lat"), exif.get("lon")
    where = f" ({lat:.4f}, {lon:.4f})" if isinstance(lat, float) and isinstance(lon, float) else ""
    return Outcome(True, 0.0, "gps", f"GPS location in EXIF{where}")


@image_check(
    "exif_identity",
    "EXIF names a person or device: owner/artist name or camera/lens serial number",
    reads=("exif.owner", "exif.serial"),
    severity="info",
    quality_weight=0.0,
    vector=_exif_identity_v,
)
def exif_identity(record: ImageRecord, threshold: float | None) -> Outcome | None:
    exif = record.get("exif") or {}
    what = [k for k, label in (("owner", "owner"), ("serial", "serial")) if exif.get(label)]
    if not what:
        return _OK
    names = {"owner": "owner/artist name", "serial": "serial number"}
    return Outcome(True, 0.0, ",".join(what), "EXIF has " + " and ".join(names[w] for w in what))
