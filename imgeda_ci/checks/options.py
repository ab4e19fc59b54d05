"""A check's settings beyond its threshold (:class:`Option`) and the top-level policy keys that
are shorthands for per-check settings (:class:`PolicyKey`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

OptionType = Literal["number", "integer", "boolean", "string", "strings"]
OptionValue = float | int | bool | str | tuple[str, ...] | None
PolicyKeyTarget = Literal["threshold", "max_pct", "max_count", "option"]


@dataclass(frozen=True)
class Option:
    """A named check parameter beyond the threshold, settable in a policy under ``options``.

    ``strings`` options are lists of strings in YAML and tuples here. ``minimum`` / ``maximum``
    bound numeric options. ``None`` as default means "not set" (the check then uses its
    threshold or skips that test, as its description says). ``choices``, for a ``string`` or
    ``strings`` option, gives every value it accepts (spelled as accepted): the policy loader
    refuses any other and its JSON Schema lists them as an ``enum``.
    """

    name: str
    type: OptionType
    default: OptionValue
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: Callable[[], tuple[str, ...]] | None = None


def with_defaults(options: Sequence[Option], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options' defaults overridden by ``given``."""
    return {**{o.name: o.default for o in options}, **(given or {})}


@dataclass(frozen=True)
class PolicyKey:
    """A top-level policy key that is a shorthand for per-check settings.

    ``shorthand("max_blurry_pct", sets="max_pct")`` in the ``blurry`` check's declaration makes
    ``max_blurry_pct: 10`` mean ``checks: {blurry: {max_pct: 10, severity: error}}``. With
    several ``checks`` and ``sets`` = max_pct / max_count, the key is one limit over the union
    of their findings (distinct ``paths[0]``), e.g. imgeda's ``max_corrupt_pct``. ``option``
    names the option set when ``sets="option"``. ``implies`` holds the other settings the key
    brings (by default severity error, and ``max_count: 0`` for threshold and option keys: any
    flagged image fails, as in imgeda). A value in ``disabled_values`` turns the key off
    (imgeda's ``min_width: 0``, ``max_aspect_ratio: 0``, ``allowed_formats: []``).
    """

    name: str
    checks: tuple[str, ...]
    sets: PolicyKeyTarget
    description: str
    type: OptionType = "number"
    option: str = ""
    minimum: float | None = None
    maximum: float | None = None
    disabled_values: tuple[OptionValue, ...] = ()
    implies: Mapping[str, Any] | None = None

    def implied(self) -> dict[str, Any]:
        if self.implies is not None:
            return dict(self.implies)
        out: dict[str, Any] = {"severity": "error"}
        if self.sets in ("threshold", "option"):
            out["max_count"] = 0
        return out


def shorthand(
    name: str,
    *,
    sets: PolicyKeyTarget,
    description: str,
    type: OptionType = "number",
    option: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    disabled_values: Sequence[OptionValue] = (),
    implies: Mapping[str, Any] | None = None,
    checks: Sequence[str] = (),
) -> PolicyKey:
    """A :class:`PolicyKey` for a check's declaration (``checks`` defaults to that check)."""
    return PolicyKey(
        name,
        tuple(checks),
        sets,
        description,
        type,
        option,
        minimum,
        maximum,
        tuple(disabled_values),
        implies,
    )
