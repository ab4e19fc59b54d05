"""The all-images table of the report: one row per image, packed small.

The page receives the table as column arrays (JSON), gzip-compressed and base64-encoded, and
decompresses it with the browser's ``DecompressionStream``. Paths dominate the size: gzip
brings a 100k-image table (about 9 MB of JSON) to 2-3 MB, which keeps the whole report within
its 5 MB budget, and base64 needs no escaping inside a ``<script>`` element. Categorical columns
(split, format, error, flagged checks) are indices into small lists; numbers are rounded to what
a reader compares (3 significant digits).

Columns: ``p`` path, ``s`` split, ``f`` format, ``w``/``h`` size in px, ``b`` bytes, ``l`` mean
luma, ``c`` contrast, ``sh`` sharpness, ``q`` quality score, ``e`` error code, ``k`` flagged
checks, ``n`` objects (labelled datasets), ``d`` change against the base (with a base).
"""

from __future__ import annotations

import base64
import gzip
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from imgeda_ci.evaluate import FindingResult
from imgeda_ci.model import ImageRecord
from imgeda_ci.render.ranking import repo_path

CHANGE_KINDS = ("", "added", "modified", "renamed")


_NUMBER = (int, float)


def _r(v: Any, digits: int) -> float | None:
    if type(v) not in _NUMBER or not math.isfinite(v):
        return None
    return round(v, digits)  # type: ignore[no-any-return]


def _sig(v: Any) -> float | None:
    if type(v) not in _NUMBER or not math.isfinite(v):
        return None
    return float(f"{v:.3g}")


class _Index:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def __call__(self, v: str | None) -> int:
        if v is None:
            return -1
        i = self.values.get(v)
        if i is None:
            i = self.values[v] = len(self.values)
        return i

    @property
    def names(self) -> list[str]:
        return list(self.values)


def table_columns(
    records: Sequence[ImageRecord],
    quality: Mapping[str, float | None],
    findings: Iterable[FindingResult],
    change: Mapping[str, str] | None = None,
    root: str = "",
) -> dict[str, Any]:
    """The table as columns plus the lists the indices refer to; ``p`` holds each path relative
    to the repository (``root`` is the scanned folder in it), as every output shows it."""
    checks, flags = _flags(findings)
    splits, formats, errors = _Index(), _Index(), _Index()
    cols = _image_columns(records, quality, flags, splits, formats, errors)
    if root:
        cols["p"] = [repo_path(p, root) for p in cols["p"]]
    if any("labels" in r for r in records):
        cols["n"] = [_objects(r.get("labels")) for r in records]
    if change is not None:
        cols["d"] = [CHANGE_KINDS.index(change.get(r["path"], "")) for r in records]
    return {
        "rows": len(records),
        "cols": cols,
        "splits": splits.names,
        "formats": formats.names,
        "errors": errors.names,
        "checks": checks.names,
        "changes": list(CHANGE_KINDS) if change is not None else [],
    }


def _flags(findings: Iterable[FindingResult]) -> tuple[_Index, dict[str, list[int]]]:
    """The checks that flag an image (unwaived), and path -> their indices in first-seen order."""
    checks = _Index()
    flags: dict[str, list[int]] = {}
    for f in findings:
        if f.paths and f.waived is None:
            idx = checks(f.check)
            lst = flags.setdefault(f.paths[0], [])
            if idx not in lst:
                lst.append(idx)
    return checks, flags


def _image_columns(
    records: Sequence[ImageRecord],
    quality: Mapping[str, float | None],
    flags: Mapping[str, list[int]],
    splits: _Index,
    formats: _Index,
    errors: _Index,
) -> dict[str, list[Any]]:
    """The columns every table has (``p`` to ``k``), in one pass over the records."""
    cols: dict[str, list[Any]] = {k: [] for k in ("p", "s", "f", "w", "h", "b", "l", "c", "sh")}
    cols.update(q=[], e=[], k=[])
    p, s, fm, w, h, b = (cols[k] for k in ("p", "s", "f", "w", "h", "b"))
    lu, co, sh, q, e, k = (cols[x] for x in ("l", "c", "sh", "q", "e", "k"))
    no_stats: dict[str, Any] = {}
    for rec in records:
        path = rec["path"]
        stats = rec.get("stats") or no_stats
        err = rec.get("error")
        p.append(path)
        s.append(splits(rec.get("split")))
        fm.append(formats(rec.get("format")))
        w.append(rec.get("width"))
        h.append(rec.get("height"))
        b.append(rec.get("size"))
        lu.append(_r(stats.get("luma_mean"), 1))
        co.append(_r(stats.get("luma_std"), 1))
        sh.append(_sig(stats.get("sharpness")))
        q.append(_r(quality.get(path), 3))
        e.append(errors(err["code"]) if err else -1)
        k.append(sorted(flags[path]) if path in flags else [])
    return cols


def _objects(labels: Mapping[str, Any] | None) -> Any:
    """The ``n`` column: objects of a labelled image, None for an image without labels."""
    return labels.get("n", 0) if labels else None


def pack(table: Mapping[str, Any]) -> str:
    """gzip (fixed mtime: same input, same bytes) + base64 of the JSON."""
    raw = orjson.dumps(table)
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def unpack(packed: str) -> dict[str, Any]:
    """The inverse of :func:`pack` (for tests)."""
    out: dict[str, Any] = orjson.loads(gzip.decompress(base64.b64decode(packed)))
    return out
