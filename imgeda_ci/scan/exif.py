"""EXIF facts: camera, orientation, time, and privacy-sensitive tags (GPS, serials, owner).

Parsing never raises: a damaged EXIF block gives ``{"invalid": True}`` plus whatever was read.
Strings are cleaned (NULs removed, at most 128 characters) because they end up in reports.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image

from imgeda_ci.model import ExifFacts

_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_MAKE, _MODEL, _SOFTWARE, _DATETIME, _ORIENTATION, _ARTIST = (
    0x010F,
    0x0110,
    0x0131,
    0x0132,
    0x0112,
    0x013B,
)
_CAMERA_SERIAL_DNG = 0xC62F
_DATETIME_ORIGINAL = 0x9003
_OWNER = 0xA430
_BODY_SERIAL = 0xA431
_LENS_SERIAL = 0xA435
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT = 1, 2, 3, 4, 5, 6


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:128] or None


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return f if math.isfinite(f) else None


def _dms(value: Any, ref: Any) -> float | None:
    try:
        parts = [_num(v) for v in value]
    except TypeError:
        return None
    if len(parts) != 3 or any(p is None for p in parts):
        return None
    d, m, s = (p for p in parts if p is not None)
    deg = d + m / 60.0 + s / 3600.0
    if _text(ref) in ("S", "W"):
        deg = -deg
    return round(deg, 7)


def parse_exif(exif: Image.Exif) -> ExifFacts | None:
    """Extract the facts imgeda-ci records from a Pillow Exif mapping."""
    facts: ExifFacts = {}
    invalid = False
    try:
        if not len(exif):
            return None
        invalid = _camera(exif, facts)
        sub = _ifd(exif, _IFD_EXIF)
        invalid |= sub is None
        _capture(exif, sub or {}, facts)
        gps = _ifd(exif, _IFD_GPS)
        invalid |= gps is None
        invalid |= _position(gps or {}, facts)
    except Exception:
        invalid = True
    if invalid:
        facts["invalid"] = True
    return facts or None


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any] | None:
    """A sub-IFD's tags; None when it cannot be read."""
    try:
        return dict(exif.get_ifd(tag))
    except Exception:
        return None


def _camera(exif: Image.Exif, facts: ExifFacts) -> bool:
    """Make, model, software and orientation; True when the orientation is invalid."""
    for tag, key in ((_MAKE, "make"), (_MODEL, "model"), (_SOFTWARE, "software")):
        t = _text(exif.get(tag))
        if t:
            facts[key] = t  # type: ignore[literal-required]
    orientation = exif.get(_ORIENTATION)
    if orientation is None:
        return False
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        facts["orientation"] = orientation
        return False
    return True


def _capture(exif: Image.Exif, sub: dict[int, Any], facts: ExifFacts) -> None:
    """When the photo was taken, and whether a serial number or an owner is recorded."""
    dt = _text(sub.get(_DATETIME_ORIGINAL)) or _text(exif.get(_DATETIME))
    if dt:
        facts["datetime"] = dt
    if any(_text(sub.get(t)) for t in (_BODY_SERIAL, _LENS_SERIAL)) or _text(
        exif.get(_CAMERA_SERIAL_DNG)
    ):
        facts["serial"] = True
    if _text(sub.get(_OWNER)) or _text(exif.get(_ARTIST)):
        facts["owner"] = True


def _position(gps: dict[int, Any], facts: ExifFacts) -> bool:
    """GPS position and altitude; True when the position is invalid."""
    if _GPS_LAT not in gps or _GPS_LON not in gps:
        return False
    facts["gps"] = True
    invalid = False
    lat = _dms(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF))
    lon = _dms(gps.get(_GPS_LON), gps.get(_GPS_LON_REF))
    if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
        facts["lat"], facts["lon"] = lat, lon
    else:
        invalid = True
    alt = _num(gps.get(_GPS_ALT))
    if alt is not None:
        facts["alt"] = round(-alt if gps.get(_GPS_ALT_REF) in (1, b"\x01") else alt, 2)
    return invalid
