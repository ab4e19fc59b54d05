"""The policy model: what a validated policy says, and each check's effective settings.

:class:`Policy` holds the per-check settings (:class:`CheckSettings`), the per-glob
:class:`Override` s, the :class:`Waiver` s and the multi-check limits (:class:`GroupLimit`);
:meth:`Policy.resolve` gives a check's effective settings (:class:`Resolved`) in one scope.
The names of the keys a policy file may use are declared here too, for the loader and the
JSON Schema. Build a policy with :func:`~imgeda_ci.policy.load_policy` or
:func:`default_policy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from imgeda_ci.checks.registry import Check, Severity
from imgeda_ci.errors import UserError
from imgeda_ci.globs import match_any

SeverityOrOff = Severity | Literal["off"]
MODES: tuple[str, ...] = ("absolute", "new-only")
VERSION = 1
TOP_KEYS: tuple[str, ...] = ("version", "mode", "splits", "checks", "overrides", "waivers")
CHECK_KEYS: tuple[str, ...] = (
    "threshold",
    "severity",
    "max_count",
    "max_pct",
    "max_count_increase",
    "max_pct_increase",
    "options",
)
#: Suffix of the relative form of every max_pct / max_count policy key.
INCREASE = "_increase"
OVERRIDE_KEYS: tuple[str, ...] = ("paths", "path", "checks")
WAIVER_KEYS: tuple[str, ...] = ("path", "paths", "check", "checks", "reason", "expires")


class PolicyError(UserError):
    """An invalid policy: one line with file, line, key, problem and a hint."""


@dataclass(frozen=True)
class CheckSettings:
    """What a policy says about one check (base or override); ``None`` = not said."""

    severity: SeverityOrOff | None = None
    threshold: float | None = None
    max_count: int | None = None
    max_pct: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    max_count_increase: int | None = None
    max_pct_increase: float | None = None

    def merged(self, other: CheckSettings) -> CheckSettings:
        """``self`` updated by the fields ``other`` sets."""

        def pick(name: str) -> Any:
            v = getattr(other, name)
            return v if v is not None else getattr(self, name)

        return CheckSettings(
            pick("severity"),
            pick("threshold"),
            pick("max_count"),
            pick("max_pct"),
            {**self.options, **other.options},
            pick("max_count_increase"),
            pick("max_pct_increase"),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in (
            "severity",
            "threshold",
            "max_count",
            "max_pct",
            "max_count_increase",
            "max_pct_increase",
        ):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.options:
            out["options"] = {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.options.items()
            }
        return out


@dataclass(frozen=True)
class Resolved:
    """Effective settings of one check in one scope."""

    check: str
    severity: SeverityOrOff
    threshold: float | None
    options: Mapping[str, Any]
    max_count: int | None
    max_pct: float | None
    max_count_increase: int | None = None
    max_pct_increase: float | None = None


@dataclass(frozen=True)
class Override:
    globs: tuple[str, ...]
    checks: Mapping[str, CheckSettings]
    line: int = 0

    def matches(self, path: str) -> bool:
        return match_any(self.globs, path)

    @property
    def label(self) -> str:
        return ", ".join(self.globs)


@dataclass(frozen=True)
class Waiver:
    globs: tuple[str, ...]
    checks: tuple[str, ...]  # check ids, or ("*",)
    reason: str
    expires: dt.date | None = None
    line: int = 0

    def matches(self, check: str, path: str) -> bool:
        if "*" not in self.checks and check not in self.checks:
            return False
        return match_any(self.globs, path)

    def to_json(self) -> dict[str, Any]:
        return {
            "paths": list(self.globs),
            "checks": list(self.checks),
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "line": self.line,
        }


@dataclass(frozen=True)
class GroupLimit:
    """One limit over the union of several checks' findings (a multi-check policy key)."""

    name: str
    checks: tuple[str, ...]
    severity: Severity
    max_count: int | None
    max_pct: float | None
    max_count_increase: int | None = None
    max_pct_increase: float | None = None


@dataclass(frozen=True)
class Policy:
    """A validated policy. Build with :func:`load_policy` or :func:`default_policy`."""

    source: str | None = None  # the file, or None for the built-in defaults
    mode: str = "absolute"
    checks: Mapping[str, CheckSettings] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    groups: tuple[GroupLimit, ...] = ()
    keys: Mapping[str, Any] = field(default_factory=dict)  # top-level shorthand keys as given
    splits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # split -> globs

    @property
    def covered(self) -> frozenset[str]:
        """Checks whose own default limit is replaced by a group limit."""
        return frozenset(c for g in self.groups for c in g.checks)

    def resolve(self, check: Check, override: Override | None = None) -> Resolved:
        """Effective settings of ``check`` in the base scope or in ``override``'s scope."""
        s = self.checks.get(check.id, CheckSettings())
        if override is not None and check.id in override.checks:
            s = s.merged(override.checks[check.id])
        max_count, max_pct = s.max_count, s.max_pct
        relative = s.max_count_increase is not None or s.max_pct_increase is not None
        if max_count is None and max_pct is None and not relative and check.id not in self.covered:
            max_count = 0
        defaults = {o.name: o.default for o in check.options}
        return Resolved(
            check.id,
            s.severity if s.severity is not None else check.severity,
            s.threshold if s.threshold is not None else check.default_threshold,
            {**defaults, **s.options},
            max_count,
            max_pct,
            s.max_count_increase,
            s.max_pct_increase,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mode": self.mode,
            "splits": {k: list(v) for k, v in self.splits.items()},
            "keys": {k: list(v) if isinstance(v, tuple) else v for k, v in self.keys.items()},
            "checks": {k: v.to_json() for k, v in self.checks.items()},
            "overrides": [
                {"paths": list(o.globs), "checks": {k: v.to_json() for k, v in o.checks.items()}}
                for o in self.overrides
            ],
            "waivers": [w.to_json() for w in self.waivers],
        }


def default_policy() -> Policy:
    """The built-in policy: every check at its defaults."""
    return Policy()
