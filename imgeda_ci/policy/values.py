"""One value of a policy file at a time: type and range checks, worded as one-line errors.

:class:`Values` knows the file name and each value's line (from
:func:`~imgeda_ci.policy.yaml_lines.load_with_lines`), so every refusal names the file, line
and key, and for a typo the closest valid key (:func:`~imgeda_ci.policy.enums.suggestion`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from imgeda_ci.checks.registry import SEVERITIES, OptionType
from imgeda_ci.globs import GlobError, compile_glob
from imgeda_ci.policy.enums import listing, suggestion
from imgeda_ci.policy.model import PolicyError, SeverityOrOff
from imgeda_ci.policy.yaml_lines import Path_


def _fmt_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return f"the text {v!r}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, dt.date):
        return "a date"
    return type(v).__name__


#: Whole numbers stay within a signed 64-bit integer (what JSON outputs carry).
_INT_LIMIT = 2**63


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class Values:
    """Validates the values of one policy file; each method returns the value or raises."""

    def __init__(self, source: str, lines: Mapping[Path_, int]) -> None:
        self.source = source
        self.lines = lines

    # errors ----------------------------------------------------------------------------
    def fail(self, path: Path_, problem: str, hint: str = "") -> PolicyError:
        line = 0
        for i in range(len(path), -1, -1):
            if path[:i] in self.lines:
                line = self.lines[path[:i]]
                break
        where = f"{self.source}:{line}" if line else self.source
        key = f" {_fmt_path(path)}:" if path else ""
        msg = f"{where}:{key} {problem}"
        if hint:
            msg += f"; {hint}"
        return PolicyError(msg)

    def unknown(self, path: Path_, key: str, valid: Iterable[str], what: str) -> PolicyError:
        valid = list(valid)
        best = suggestion(key, valid)
        hint = f"did you mean {best}?" if best else f"valid {what}: {', '.join(sorted(valid))}"
        return self.fail(path, f"unknown {what[:-1] if what.endswith('s') else what} {key!r}", hint)

    # scalars ---------------------------------------------------------------------------
    def number(
        self,
        path: Path_,
        v: Any,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
    ) -> float:
        if integer:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if not isinstance(v, int) or isinstance(v, bool):
                raise self.fail(path, f"expected a whole number, got {type_name(v)}")
        elif not _is_number(v):
            raise self.fail(path, f"expected a number, got {type_name(v)}")
        if v != v:  # NaN
            raise self.fail(path, "expected a number, got NaN")
        if v in (math.inf, -math.inf):
            raise self.fail(path, f"expected a finite number, got {v}")
        if integer and abs(v) >= _INT_LIMIT:
            raise self.fail(path, f"{v:.3g} is too large: a whole number here is below 2**63")
        if lo is not None and v < lo:
            rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
            raise self.fail(path, f"{v} is out of range: must be {rng}")
        if hi is not None and v > hi:
            rng = f"between {lo:g} and {hi:g}" if lo is not None else f"at most {hi:g}"
            raise self.fail(path, f"{v} is out of range: must be {rng}")
        return v  # type: ignore[no-any-return]

    def mapping(self, path: Path_, v: Any, what: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(path, f"expected {what} (a mapping), got {type_name(v)}")
        return v

    def strings(self, path: Path_, v: Any, allow_single: bool = False) -> tuple[str, ...]:
        if allow_single and isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(path, f"expected a list of strings, got {type_name(v)}")
        return tuple(v)

    def globs(self, path: Path_, v: Any) -> tuple[str, ...]:
        globs = self.strings(path, v, allow_single=True)
        if not globs:
            raise self.fail(path, "expected at least one glob")
        for i, g in enumerate(globs):
            try:
                compile_glob(g)
            except GlobError as exc:
                sub = (*path, i) if isinstance(v, list) else path
                raise self.fail(sub, f"bad glob: {exc}") from None
        return globs

    def severity(self, path: Path_, v: Any) -> SeverityOrOff:
        if v is False:  # YAML 1.1 reads a bare `off` / `no` as false
            return "off"
        valid = (*SEVERITIES, "off")
        if not isinstance(v, str) or v not in valid:
            best = suggestion(v, valid) if isinstance(v, str) else None
            raise self.fail(
                path,
                f"severity must be one of {', '.join(valid)}, got {type_name(v)}",
                f"did you mean {best}?" if best else "",
            )
        return v  # type: ignore[return-value]

    def not_one_of(self, path: Path_, v: str, choices: Sequence[str], what: str) -> PolicyError:
        """The error for a value ``v`` that is none of ``choices`` (a ``what``)."""
        best = suggestion(v, choices)
        hint = f"did you mean {best}?" if best else f"valid {what}s: {listing(choices)}"
        return self.fail(path, f"unknown {what} {v!r}", hint)

    def one_of(
        self, path: Path_, values: Sequence[str], choices: Sequence[str], listed: bool
    ) -> None:
        """Refuse every item of ``values`` that is not one of ``choices``, a line each (at
        ``path[i]`` when the values are a YAML list, else at ``path``)."""
        bad = [
            str(self.not_one_of((*path, i) if listed else path, x, choices, "value"))
            for i, x in enumerate(values)
            if x not in choices
        ]
        if bad:
            raise PolicyError("\n".join(bad))

    def typed(
        self,
        path: Path_,
        kind: OptionType,
        v: Any,
        lo: float | None,
        hi: float | None,
        choices: Sequence[str] | None = None,
    ) -> Any:
        """A value of an option or a top-level key, of type ``kind`` (in ``[lo, hi]``; one of
        ``choices`` when given)."""
        if kind in ("number", "integer"):
            return self.number(path, v, lo, hi, integer=kind == "integer")
        if kind == "boolean":
            if not isinstance(v, bool):
                raise self.fail(path, f"expected true or false, got {type_name(v)}")
            return v
        if kind == "string":
            if not isinstance(v, str):
                raise self.fail(path, f"expected a string, got {type_name(v)}")
            if choices is not None:
                self.one_of(path, (v,), choices, listed=False)
            return v
        strings = self.strings(path, v)
        if choices is not None:
            self.one_of(path, strings, choices, listed=True)
        return strings
