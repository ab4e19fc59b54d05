"""EXIF facts: stored orientation and privacy-sensitive metadata.

No thresholds: these are facts. On the 2,026 real photos of /work/photos: ``exif_orientation``
flags 16 (the exif-samples orientation set), ``gps_location`` 24 (1.2%), ``exif_identity`` 11
(camera serial numbers or owner/artist names). GPS and identity tags do not lower the quality
score (quality_weight 0): they are about privacy, not pixels.
"""

from __future__ import annotations

from imgeda_ci.checks.registry import Outcome, image_check
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


@image_check(
    "exif_orientation",
    "stored non-upright: EXIF orientation other than 1 (readers that ignore EXIF see it turned)",
    reads=("exif.orientation",),
    quality_weight=0.0,
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
)
def exif_identity(record: ImageRecord, threshold: float | None) -> Outcome | None:
    exif = record.get("exif") or {}
    what = [k for k, label in (("owner", "owner"), ("serial", "serial")) if exif.get(label)]
    if not what:
        return _OK
    names = {"owner": "owner/artist name", "serial": "serial number"}
    return Outcome(True, 0.0, ",".join(what), "EXIF has " + " and ".join(names[w] for w in what))
