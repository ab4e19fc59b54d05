"""Checks on files that could not be read or decoded (the scan's error codes).

``unreadable`` covers every error code except the three that have their own check
(``empty_file``, ``truncated``, ``decompression_bomb``), so each bad file has exactly one of these
four findings; imgeda's ``max_corrupt_pct`` limits all four together. No thresholds: a scan error
is a fact, and each of these is an error by default (a training job would crash or silently skip
the file). All four run in the pre-commit hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import Judged, check, shorthand
from imgeda_ci.columns import Columns

_OWN_CHECK = frozenset({"empty_file", "truncated", "decompression_bomb"})


def _error_check(codes: frozenset[str], negate: bool = False) -> Callable[..., Judged]:
    """Flag the records whose error code is in ``codes`` (not in them, with ``negate``)."""

    def judge(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
        code = cols.text("error.code")

        def hit(c: str | None) -> bool:
            return c is not None and ((c not in codes) if negate else (c in codes))

        flagged = cols.apply(code, hit)
        text = cols.text("error.message")

        def value(i: int) -> str | None:
            return code[i] if flagged[i] else None

        def message(i: int) -> str:
            return f"{code[i]}: {text[i]}" if text[i] else str(code[i])

        score = np.where(flagged, 0.0, 1.0)
        return Judged(np.ones(cols.n, dtype=np.bool_), flagged, score, value, message)

    return judge


check(
    "unreadable",
    "the file could not be read or decoded (value: the scan's error code)",
    kind="image",
    reads=("error.code", "error.message"),
    severity="error",
    staged=True,
    policy_keys=(
        shorthand(
            "max_corrupt_pct",
            checks=("unreadable", "truncated", "decompression_bomb", "empty_file"),
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images cannot be read (imgeda)",
        ),
    ),
)(_error_check(_OWN_CHECK, negate=True))

check(
    "truncated",
    "the image data ends before the image is complete",
    kind="image",
    reads=("error.code", "error.message"),
    severity="error",
    staged=True,
)(_error_check(frozenset({"truncated"})))

check(
    "decompression_bomb",
    "the pixel count exceeds the scan's max_pixels; refused before decoding",
    kind="image",
    reads=("error.code", "error.message"),
    severity="error",
    staged=True,
)(_error_check(frozenset({"decompression_bomb"})))

check(
    "empty_file",
    "the file has zero bytes",
    kind="image",
    reads=("error.code", "error.message"),
    severity="error",
    staged=True,
)(_error_check(frozenset({"empty_file"})))
