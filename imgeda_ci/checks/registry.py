"""The check registry: one explicit, importable list of checks, each declared once.

A check lives in its own module under ``imgeda_ci/checks/`` (listed in
``imgeda_ci/checks/__init__.py``'s ``CHECK_MODULES``) and is declared with :func:`check` on its
one function. The declaration carries all that is about the check:

- ``id``: stable identifier used in policies, outputs and waivers (snake_case);
- ``description``: one line (the README's checks table, SARIF rules, ``imgeda-ci checks``);
- ``kind``: ``"image"`` (judged per record) or ``"dataset"`` (sees every record at once);
- ``reads``: what it reads; for an image check, the measurements declared in
  :mod:`imgeda_ci.measurements` (checked here), for a dataset check the record fields;
- ``default_threshold`` / ``unit`` / ``threshold_range``: what a policy may set as
  ``threshold`` (the policy loader refuses values outside the range, naming it);
- ``severity``: the default severity (error / warning / info);
- ``options``: named parameters beyond the threshold (:class:`Option`);
- ``quality_weight``: how much an image check's score counts in the per-image quality score
  (0 for checks about metadata rather than pixels, e.g. GPS tags);
- ``policy_keys``: top-level policy keys that are shorthands for its settings (imgeda's
  ``max_near_duplicate_pct``, a dataset-level ``min_images_per_class``), made with
  :func:`~imgeda_ci.checks.options.shorthand`; the policy loader and its JSON Schema pick them up;
- ``staged``: whether the pre-commit hook runs it on each staged file on its own
  (:func:`staged_checks`; it must then judge a record without the rest of the dataset).

The function: an image check is ``fn(cols, threshold, options) -> Judged`` over
:class:`~imgeda_ci.columns.Columns` (see :mod:`imgeda_ci.checks.results`; score with
:func:`~imgeda_ci.checks.ramps.ramp_low` / :func:`~imgeda_ci.checks.ramps.ramp_high`); a dataset
check is ``fn(ctx, threshold, options) -> list[Finding]``. Both receive the threshold (the
default when the policy sets none) and every option (defaults filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from imgeda_ci import measurements
from imgeda_ci.checks.options import (
    Option,
    OptionType,
    OptionValue,
    PolicyKey,
    PolicyKeyTarget,
    shorthand,
    with_defaults,
)
from imgeda_ci.checks.ramps import ramp_high, ramp_low
from imgeda_ci.checks.results import (
    SEVERITIES,
    DatasetContext,
    Finding,
    Judged,
    Outcome,
    Severity,
)
from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord

__all__ = [
    "SEVERITIES",
    "Check",
    "DatasetCheck",
    "DatasetContext",
    "DatasetFn",
    "Finding",
    "ImageCheck",
    "ImageFn",
    "Judged",
    "Option",
    "OptionType",
    "OptionValue",
    "Outcome",
    "PolicyKey",
    "PolicyKeyTarget",
    "Severity",
    "all_checks",
    "all_policy_keys",
    "check",
    "get",
    "ramp_high",
    "ramp_low",
    "shorthand",
    "staged_checks",
]

ImageFn = Callable[[Columns, Any, Mapping[str, Any]], Judged]
DatasetFn = Callable[[DatasetContext, Any, Mapping[str, Any]], list[Finding]]
Range = tuple[float | None, float | None]
_Fn = TypeVar("_Fn", bound=Callable[..., Any])


@dataclass(frozen=True)
class ImageCheck:
    """A per-image check (see the module doc)."""

    id: str
    description: str
    reads: tuple[str, ...]
    fn: ImageFn
    default_threshold: float | None = None
    unit: str = ""
    severity: Severity = "warning"
    kind: Literal["image"] = "image"
    threshold_range: Range = (None, None)
    quality_weight: float = 1.0
    options: tuple[Option, ...] = ()
    staged: bool = False
    policy_keys: tuple[PolicyKey, ...] = ()

    def judge(
        self,
        cols: Columns,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Judged:
        """Judge every row of ``cols`` (the default threshold when ``threshold`` is None)."""
        t = self.default_threshold if threshold is None else threshold
        return self.fn(cols, t, with_defaults(self.options, options))

    def run(
        self,
        record: ImageRecord,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Outcome | None:
        """Judge one record: its :class:`Outcome`, or None when the check does not apply."""
        judged = self.judge(Columns([record]), threshold, options)
        if not judged.applies[0]:
            return None
        flagged = bool(judged.flagged[0])
        reason = judged.message(0) if flagged else ""
        return Outcome(flagged, float(judged.score[0]), judged.value(0), reason)


@dataclass(frozen=True)
class DatasetCheck:
    """A dataset-level check (see the module doc)."""

    id: str
    description: str
    reads: tuple[str, ...]
    fn: DatasetFn
    default_threshold: float | None = None
    unit: str = ""
    severity: Severity = "warning"
    kind: Literal["dataset"] = "dataset"
    threshold_range: Range = (None, None)
    quality_weight: float = 0.0  # dataset findings do not enter the per-image quality score
    options: tuple[Option, ...] = ()
    staged: bool = False
    policy_keys: tuple[PolicyKey, ...] = ()

    def run(
        self,
        ctx: DatasetContext,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        t = self.default_threshold if threshold is None else threshold
        return self.fn(ctx, t, with_defaults(self.options, options))


Check = ImageCheck | DatasetCheck

_REGISTRY: dict[str, Check] = {}
_POLICY_KEYS: dict[str, PolicyKey] = {}


def _register_key(key: PolicyKey) -> PolicyKey:
    if key.name in _POLICY_KEYS and _POLICY_KEYS[key.name] != key:
        raise ValueError(f"duplicate policy key {key.name!r}")
    if key.sets == "option" and not key.option:
        raise ValueError(f"policy key {key.name!r} sets an option but names none")
    _POLICY_KEYS[key.name] = key
    return key


def _register(c: Check) -> None:
    if c.id in _REGISTRY and _REGISTRY[c.id] is not c:
        raise ValueError(f"duplicate check id {c.id!r}")
    if isinstance(c, ImageCheck):
        for read in c.reads:
            measurements.get(read)  # an undeclared measurement is an error here, at import
    _REGISTRY[c.id] = c
    for key in c.policy_keys:
        _register_key(key)


def check(
    id: str,
    description: str,
    *,
    kind: Literal["image", "dataset"],
    reads: Sequence[str],
    default_threshold: float | None = None,
    unit: str = "",
    severity: Severity = "warning",
    threshold_range: Range = (None, None),
    options: Sequence[Option] = (),
    quality_weight: float | None = None,
    staged: bool = False,
    policy_keys: Sequence[PolicyKey] = (),
) -> Callable[[_Fn], _Fn]:
    """Decorator: declare and register a check on its function (see the module doc).

    ``quality_weight`` defaults to 1 for image checks; dataset checks have none. Policy keys
    declared without ``checks`` configure this check.
    """
    keys = tuple(k if k.checks else replace(k, checks=(id,)) for k in policy_keys)

    def deco(fn: _Fn) -> _Fn:
        c: Check
        if kind == "image":
            weight = 1.0 if quality_weight is None else quality_weight
            c = ImageCheck(
                id, description, tuple(reads), fn, default_threshold, unit, severity,
                threshold_range=threshold_range, quality_weight=weight, options=tuple(options),
                staged=staged, policy_keys=keys,
            )  # fmt: skip
        else:
            if quality_weight:
                raise ValueError(f"dataset check {id!r} cannot have a quality weight")
            c = DatasetCheck(
                id, description, tuple(reads), fn, default_threshold, unit, severity,
                threshold_range=threshold_range, options=tuple(options), staged=staged,
                policy_keys=keys,
            )  # fmt: skip
        _register(c)
        return fn

    return deco


def all_policy_keys() -> dict[str, PolicyKey]:
    """Every declared top-level policy key by name (imports the check modules)."""
    all_checks()
    return dict(_POLICY_KEYS)


def all_checks() -> dict[str, Check]:
    """Every registered check by id, in registration order (imports the check modules)."""
    from imgeda_ci import checks  # noqa: F401  (importing registers the built-in checks)

    return dict(_REGISTRY)


def get(check_id: str) -> Check:
    return all_checks()[check_id]


def staged_checks() -> tuple[str, ...]:
    """The ids of the checks the pre-commit hook runs on each staged file on its own."""
    return tuple(cid for cid, c in all_checks().items() if c.staged)
