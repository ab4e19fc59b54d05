"""Checks on files that could not be read or decoded (the scan's error codes).

``unreadable`` covers every error code except the three that have their own check
(``empty_file``, ``truncated``, ``decompression_bomb``), so each bad file has exactly one of these
four findings; imgeda's ``max_corrupt_pct`` limits all four together. No thresholds: a scan error
is a fact, and each of these is an error by default (a training job would crash or silently skip
the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import Outcome, VectorFn, VectorOutcome, image_check
from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord, error_code

_OWN_CHECK = frozenset({"empty_file", "truncated", "decompression_bomb"})


def _message(record: ImageRecord) -> str:
    err = record.get("error") or {"code": "", "message": ""}
    return f"{err['code']}: {err['message']}" if err.get("message") else err["code"]


def _flag_if(record: ImageRecord, codes: frozenset[str], negate: bool = False) -> Outcome:
    code = error_code(record)
    hit = code is not None and ((code not in codes) if negate else (code in codes))
    if hit:
        return Outcome(True, 0.0, code, _message(record))
    return Outcome(False, 1.0, None, "")


def _flag_if_v(codes: frozenset[str], negate: bool = False) -> VectorFn:
    def vector(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> VectorOutcome:
        def hit(code: Any) -> bool:
            return code is not None and ((code not in codes) if negate else (code in codes))

        flagged = cols.apply(cols.error_code(), hit)
        return VectorOutcome(np.ones(cols.n, dtype=np.bool_), flagged, np.where(flagged, 0.0, 1.0))

    return vector


@image_check(
    "unreadable",
    "the file could not be read or decoded (value: the scan's error code)",
    reads=("error",),
    severity="error",
    vector=_flag_if_v(_OWN_CHECK, negate=True),
)
def unreadable(record: ImageRecord, threshold: float | None) -> Outcome | None:
    return _flag_if(record, _OWN_CHECK, negate=True)


@image_check(
    "truncated",
    "the image data ends before the image is complete",
    reads=("error",),
    severity="error",
    vector=_flag_if_v(frozenset({"truncated"})),
)
def truncated(record: ImageRecord, threshold: float | None) -> Outcome | None:
    return _flag_if(record, frozenset({"truncated"}))


@image_check(
    "decompression_bomb",
    "the pixel count exceeds the scan's max_pixels; refused before decoding",
    reads=("error",),
    severity="error",
    vector=_flag_if_v(frozenset({"decompression_bomb"})),
)
def decompression_bomb(record: ImageRecord, threshold: float | None) -> Outcome | None:
    return _flag_if(record, frozenset({"decompression_bomb"}))


@image_check(
    "empty_file",
    "the file has zero bytes",
    reads=("error",),
    severity="error",
    vector=_flag_if_v(frozenset({"empty_file"})),
)
def empty_file(record: ImageRecord, threshold: float | None) -> Outcome | None:
    return _flag_if(record, frozenset({"empty_file"}))
