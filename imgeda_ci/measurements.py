"""Every field of a manifest record, declared once: its record key, type, unit and the scan
algorithm version that produces it.

The checks read measurements only through these declarations
(:meth:`imgeda_ci.columns.Columns.measure`), and ``imgeda-ci export`` takes its flat columns,
their order and their Parquet types from them. :mod:`imgeda_ci.model` describes what each field
means.

A measurement's ``key`` is its dotted place in the record (``stats.luma_p.p99``); a trailing
``[i]`` takes item ``i`` of a list there (``stats.mean[0]``, the mean of R). Its ``name`` is the
column name of the flat export (``stats.luma_p99``).

How a value of the wrong shape is read is decided in one place,
:meth:`imgeda_ci.columns.Columns.measure`, by the declared ``type``:

- ``int`` / ``float``: a Python ``int`` or ``float`` (not a ``bool``); anything else (a string, a
  list, ``None``, a float NaN stored in the record, an ``int`` of 2**53 or more, which float64
  cannot hold exactly) is *missing*;
- ``bool``: ``True`` or ``False``; anything else is missing;
- ``str``: a ``str``; anything else is missing;
- a parent that is not a mapping (``"stats": ["x"]``) makes every measurement under it missing;
- a ``decoded`` measurement (the pixel statistics) is missing when the record has an ``error``:
  the image was not measured, whatever the record still holds.

A check does not apply to a row whose measurement is missing (it neither flags nor scores it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The scan algorithm version of the measurements below
#: (:data:`imgeda_ci.scan.settings.ALGORITHM_VERSION`; a test holds them equal).
ALGORITHM = 7

MeasurementType = Literal["int", "float", "bool", "str"]


@dataclass(frozen=True)
class Measurement:
    """One record field (see the module doc)."""

    name: str  # the export column
    key: str  # dotted record key, optionally ending in [i]
    type: MeasurementType
    unit: str = ""
    decoded: bool = False  # measured on the decoded pixels: missing when the record has an error
    version: int = ALGORITHM  # the scan algorithm version that produces it
    export: bool = True  # a column of ``imgeda-ci export``

    @property
    def path(self) -> str:
        """The dotted key without the list item."""
        return self.key.split("[", 1)[0]

    @property
    def item(self) -> int | None:
        """The list item the key ends with, if any."""
        if "[" not in self.key:
            return None
        return int(self.key.split("[", 1)[1].rstrip("]"))


def _m(
    name: str,
    type: MeasurementType,
    unit: str = "",
    key: str | None = None,
    decoded: bool = False,
    export: bool = True,
) -> Measurement:
    return Measurement(name, key or name, type, unit, decoded, ALGORITHM, export)


def _stat(name: str, key: str, unit: str, export: bool = True) -> Measurement:
    return _m(name, "float", unit, key, decoded=True, export=export)


_SIDES = ("top", "bottom", "left", "right")
_CLIP = tuple(enumerate(("r", "g", "b", "luma")))  # stats.clip.low / .high items

#: Every declared measurement, in the export's column order.
MEASUREMENTS: tuple[Measurement, ...] = (
    _m("path", "str"),
    _m("size", "int", "bytes"),
    _m("sha256", "str"),
    _m("git_oid", "str"),
    _m("depth", "str"),
    _m("error_code", "str", key="error.code"),
    _m("error_message", "str", key="error.message"),
    _m("ext", "str"),
    _m("format", "str"),
    _m("ext_mismatch", "bool"),
    _m("width", "int", "px"),
    _m("height", "int", "px"),
    _m("pixels", "int", "px"),
    _m("mode", "str"),
    _m("bit_depth", "int", "bits per channel"),
    _m("channels", "int"),
    _m("frames", "int"),
    _m("icc", "bool"),
    *(_m(f"exif.{k}", "str") for k in ("make", "model", "software", "datetime")),
    _m("exif.orientation", "int", "EXIF orientation (1-8)"),
    _m("exif.gps", "bool"),
    _m("exif.lat", "float", "degrees"),
    _m("exif.lon", "float", "degrees"),
    _m("exif.alt", "float", "m"),
    *(_m(f"exif.{k}", "bool") for k in ("serial", "owner", "invalid")),
    *(_stat(f"stats.mean_{c}", f"stats.mean[{i}]", "0-255") for i, c in enumerate("rgb")),
    *(_stat(f"stats.std_{c}", f"stats.std[{i}]", "0-255") for i, c in enumerate("rgb")),
    _stat("stats.luma_mean", "stats.luma_mean", "luma (0-255)"),
    _stat("stats.luma_std", "stats.luma_std", "luma (0-128)"),
    *(
        _stat(f"stats.luma_{p}", f"stats.luma_p.{p}", "luma (0-255)")
        for p in ("p1", "p5", "p50", "p95", "p99")
    ),
    _stat("stats.luma_p999", "stats.luma_p.p999", "luma (0-255)"),
    *(_stat(f"stats.clip_low_{c}", f"stats.clip.low[{i}]", "fraction") for i, c in _CLIP),
    *(_stat(f"stats.clip_high_{c}", f"stats.clip.high[{i}]", "fraction") for i, c in _CLIP),
    _stat("stats.clip_rim", "stats.clip.rim", "fraction"),
    _stat("stats.dynamic_range", "stats.dynamic_range", "luma (0-255)"),
    _stat("stats.entropy", "stats.entropy", "bits (0-8)"),
    _stat("stats.colorfulness", "stats.colorfulness", "Hasler-Süsstrunk"),
    _stat("stats.chroma_p99", "stats.chroma_p99", "0-255"),
    _stat("stats.sharpness", "stats.sharpness", "Laplacian variance"),
    _stat("stats.edge_density", "stats.edge_density", "fraction"),
    _stat("stats.blur_sigma", "stats.blur_sigma", "px at analysis size"),
    _stat("stats.noise", "stats.noise", "luma sigma (0-255)"),
    *(_stat(f"stats.pad_{s}", f"stats.pad.{s}", "fraction of the side") for s in _SIDES),
    _stat("stats.border_corners", "stats.border.corners", "luma (0-255)"),
    _stat("stats.border_center", "stats.border.center", "luma (0-255)"),
    *(
        _stat(f"stats.border_{s}", f"stats.border.{s}[0]", "luma (0-255)", export=False)
        for s in _SIDES
    ),
    _m("phash", "str"),
    _m("dhash", "str"),
    _m("pixel_sha256", "str"),
    _m("copysig", "str", export=False),
    _m("thumb", "str", export=False),
    _m("split", "str"),
)

#: The measurements by record key.
BY_KEY: dict[str, Measurement] = {m.key: m for m in MEASUREMENTS}


def get(key: str) -> Measurement:
    """The measurement at record ``key``; a clear error for an undeclared one."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a declared measurement (imgeda_ci.measurements)") from None


def exported() -> tuple[Measurement, ...]:
    """The columns of ``imgeda-ci export``, in order."""
    return tuple(m for m in MEASUREMENTS if m.export)
