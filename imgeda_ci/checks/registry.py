"""The check registry: one explicit, importable list of checks.

A check is declared once, in its own module under ``imgeda_ci/checks/``, and listed in
``imgeda_ci/checks/__init__.py``'s ``CHECK_MODULES``. Each declares:

- ``id``: stable identifier used in policies, outputs and waivers (snake_case);
- ``description``: one line;
- ``reads``: the record fields it reads (documentation, and a test checks they exist);
- ``default_threshold`` (and ``unit``): what the policy may override as ``threshold``;
- ``severity``: the default severity (error / warning / info);
- a pure function.

Per-image checks (:class:`ImageCheck`) map one record and a threshold to an :class:`Outcome`
(score in [0, 1] where 1 is fine, flagged or not, the observed value and a reason), or ``None``
when the check does not apply (e.g. a measurement the record lacks). Dataset checks
(:class:`DatasetCheck`) see every record at once (through :class:`DatasetContext`) and return
findings that may name several paths (duplicate groups, leakage pairs).

Optional extras (all keyword-only, with defaults, so existing declarations keep working):

- ``threshold_range=(lo, hi)``: the values a policy may set as ``threshold`` (the policy loader
  refuses others, naming the range);
- ``quality_weight``: how much the check's score counts in the per-image quality score
  (0 for checks about metadata rather than pixels, e.g. GPS tags);
- ``options``: named parameters beyond the single threshold (a list of allowed formats, a
  minimum width), declared with :class:`Option` and received as a third argument by functions
  registered with :func:`image_check_with_options` / :func:`dataset_check_with_options`.

Counting convention (how the policy counts a check's findings): each :class:`Finding`'s
``paths[0]`` is the image (or file) the finding counts against; further paths are related images
(e.g. the keeper of a duplicate group). A check's observed count is the number of distinct
``paths[0]``; its percentage is that count over the number of images. A dataset-level finding
about no one file has ``paths=()`` and carries ``value``; it counts once.

Vectorised form (optional, for speed): ``vector=fn(cols, threshold, options) -> VectorOutcome``
next to the scalar function computes, for every record of a :class:`~imgeda_ci.columns.Columns`
at once, whether the check applies, whether it flags and its score (use :func:`ramp_low_v` /
:func:`ramp_high_v`). It must agree with the scalar function exactly (``tests/checks/
test_vector.py`` runs every check both ways); the scalar function stays the source of the
finding's message and value (the evaluator calls it on the flagged rows only) and the fallback
for checks without a vector form and for rows the columns cannot carry faithfully.

Score convention for per-image checks: ``score < 0.5`` exactly when the image is flagged (see
:func:`ramp_low` / :func:`ramp_high`), so the per-image quality score and the flags agree.

Top-level policy keys (e.g. imgeda's ``max_blurry_pct`` or a dataset-level
``min_images_per_class``) are shorthands for per-check settings; a module declares one with
:func:`policy_key` next to the check it configures, and the policy loader and its JSON Schema
pick it up without any change to :mod:`imgeda_ci.policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from imgeda_ci.columns import BoolArray, Columns, FloatArray
from imgeda_ci.model import ImageRecord

if TYPE_CHECKING:
    from imgeda_ci.dupes.search import DupeSearch

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Outcome:
    """The result of one per-image check on one record."""

    flagged: bool
    score: float  # in [0, 1]; 1 = fine
    value: float | int | str | None = None  # the observed measurement
    reason: str = ""  # readable: "luma p95 31 < 40"


@dataclass(frozen=True)
class Finding:
    """One problem: an image, or a group of images for dataset checks."""

    check: str
    severity: Severity
    paths: tuple[str, ...]
    message: str
    score: float | None = None
    value: float | int | str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.paths[0] if self.paths else ""


@dataclass
class DatasetContext:
    """What a dataset check sees: every record, and the base's records when comparing."""

    records: Sequence[ImageRecord]
    header: Mapping[str, Any] | None = None  # the manifest header (dataset-level facts)
    base: Sequence[ImageRecord] | None = None
    #: shared by the dataset checks of one evaluation: cache derived facts here (e.g.
    #: ``dataset_facts``), keyed by something specific to the check module
    extra: dict[str, Any] = field(default_factory=dict)
    cols: Columns | None = field(default=None, repr=False, compare=False)
    #: what the duplicate searches of the run share (see :mod:`imgeda_ci.dupes.search`)
    search: DupeSearch | None = field(default=None, repr=False, compare=False)

    def columns(self) -> Columns:
        """Numpy columns of :attr:`records` (made on first use, shared with the image checks
        when the evaluator made them)."""
        if self.cols is None or self.cols.records is not self.records:
            self.cols = Columns(self.records)
        return self.cols

    def dupe_search(self) -> DupeSearch:
        """The run's :class:`~imgeda_ci.dupes.search.DupeSearch` (one of this evaluation's own
        when none was given), knowing :meth:`columns`."""
        if self.search is None:
            from imgeda_ci.dupes.search import DupeSearch

            self.search = DupeSearch()
        self.search.columns(self.records, self.columns())
        return self.search


ImageFn = Callable[[ImageRecord, float | None], Outcome | None]
DatasetFn = Callable[[DatasetContext, float | None], list[Finding]]
ImageOptFn = Callable[[ImageRecord, float | None, Mapping[str, Any]], Outcome | None]
DatasetOptFn = Callable[[DatasetContext, float | None, Mapping[str, Any]], list[Finding]]
BoundImageFn = Callable[[ImageRecord], Outcome | None]


class VectorOutcome(NamedTuple):
    """Per-row results of a vectorised image check (arrays aligned with the columns' records).

    ``score`` and ``flagged`` are only read where ``applies`` is true.
    """

    applies: BoolArray
    flagged: BoolArray
    score: FloatArray


VectorFn = Callable[[Columns, float | None, Mapping[str, Any]], VectorOutcome]

OptionType = Literal["number", "integer", "boolean", "string", "strings"]
OptionValue = float | int | bool | str | tuple[str, ...] | None


@dataclass(frozen=True)
class Option:
    """A named check parameter beyond the threshold, settable in a policy under ``options``.

    ``strings`` options are lists of strings in YAML and tuples here. ``minimum`` / ``maximum``
    bound numeric options. ``None`` as default means "not set" (the check then uses its
    threshold or skips that test, as its description says).
    """

    name: str
    type: OptionType
    default: OptionValue
    description: str
    minimum: float | None = None
    maximum: float | None = None


def _option_defaults(options: Sequence[Option]) -> dict[str, OptionValue]:
    return {o.name: o.default for o in options}


def ramp_low(value: float, threshold: float, fine: float, worst: float) -> float:
    """Score for a measurement where *low* is bad: 1 at or above ``fine``, 0.5 at ``threshold``,
    0 at or below ``worst`` (``worst < threshold < fine``), linear in between. Flag when
    ``value < threshold``; the score is then below 0.5."""
    if not worst < threshold < fine:  # degenerate settings: a plain step at the threshold
        return 1.0 if value >= threshold else 0.0
    if value >= fine:
        return 1.0
    if value >= threshold:
        return 0.5 + 0.5 * (value - threshold) / (fine - threshold)
    if value <= worst:
        return 0.0
    return min(0.4999, 0.5 * (value - worst) / (threshold - worst))


def ramp_high(value: float, threshold: float, fine: float, worst: float) -> float:
    """Mirror of :func:`ramp_low` for measurements where *high* is bad
    (``fine < threshold < worst``); flag when ``value > threshold``."""
    return ramp_low(-value, -threshold, -fine, -worst)


def ramp_low_v(value: FloatArray, threshold: float, fine: float, worst: float) -> FloatArray:
    """:func:`ramp_low` over an array (same arithmetic, so the same floats)."""
    if not worst < threshold < fine:
        return np.where(value >= threshold, 1.0, 0.0)
    with np.errstate(all="ignore"):
        upper = 0.5 + 0.5 * (value - threshold) / (fine - threshold)
        lower = np.minimum(0.4999, 0.5 * (value - worst) / (threshold - worst))
    return np.where(
        value >= fine,
        1.0,
        np.where(value >= threshold, upper, np.where(value <= worst, 0.0, lower)),
    )


def ramp_high_v(value: FloatArray, threshold: float, fine: float, worst: float) -> FloatArray:
    """:func:`ramp_high` over an array."""
    return ramp_low_v(-value, -threshold, -fine, -worst)


@dataclass(frozen=True)
class ImageCheck:
    id: str
    description: str
    reads: tuple[str, ...]
    fn: ImageFn
    default_threshold: float | None = None
    unit: str = ""
    severity: Severity = "warning"
    kind: Literal["image"] = "image"
    threshold_range: tuple[float | None, float | None] = (None, None)
    quality_weight: float = 1.0
    options: tuple[Option, ...] = ()
    fn_options: ImageOptFn | None = None
    vector: VectorFn | None = None  # optional vectorised form (see the module doc)

    def run(
        self,
        record: ImageRecord,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Outcome | None:
        return self.bind(threshold, options)(record)

    def bind(
        self, threshold: float | None = None, options: Mapping[str, Any] | None = None
    ) -> BoundImageFn:
        """The check with its threshold and options fixed: ``record -> Outcome | None``."""
        t = self.default_threshold if threshold is None else threshold
        fn_options = self.fn_options
        if fn_options is None:
            fn = self.fn
            return lambda record: fn(record, t)
        opts = {**_option_defaults(self.options), **(options or {})}
        return lambda record: fn_options(record, t, opts)

    def run_vector(
        self,
        cols: Columns,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> VectorOutcome | None:
        """The vectorised form over ``cols`` (``None`` when the check has none)."""
        if self.vector is None:
            return None
        t = self.default_threshold if threshold is None else threshold
        opts = {**_option_defaults(self.options), **(options or {})}
        return self.vector(cols, t, opts)


@dataclass(frozen=True)
class DatasetCheck:
    id: str
    description: str
    reads: tuple[str, ...]
    fn: DatasetFn
    default_threshold: float | None = None
    unit: str = ""
    severity: Severity = "warning"
    kind: Literal["dataset"] = "dataset"
    threshold_range: tuple[float | None, float | None] = (None, None)
    quality_weight: float = 0.0  # dataset findings do not enter the per-image quality score
    options: tuple[Option, ...] = ()
    fn_options: DatasetOptFn | None = None

    def run(
        self,
        ctx: DatasetContext,
        threshold: float | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        t = self.default_threshold if threshold is None else threshold
        if self.fn_options is None:
            return self.fn(ctx, t)
        return self.fn_options(ctx, t, {**_option_defaults(self.options), **(options or {})})


Check = ImageCheck | DatasetCheck

_REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Add a check to the registry; ids must be unique."""
    if check.id in _REGISTRY and _REGISTRY[check.id] is not check:
        raise ValueError(f"duplicate check id {check.id!r}")
    _REGISTRY[check.id] = check
    return check


def image_check(
    id: str,
    description: str,
    *,
    reads: Sequence[str],
    default_threshold: float | None = None,
    unit: str = "",
    severity: Severity = "warning",
    threshold_range: tuple[float | None, float | None] = (None, None),
    quality_weight: float = 1.0,
    vector: VectorFn | None = None,
) -> Callable[[ImageFn], ImageFn]:
    """Decorator: register a pure per-image function as a check."""

    def deco(fn: ImageFn) -> ImageFn:
        register(
            ImageCheck(
                id,
                description,
                tuple(reads),
                fn,
                default_threshold,
                unit,
                severity,
                threshold_range=threshold_range,
                quality_weight=quality_weight,
                vector=vector,
            )
        )
        return fn

    return deco


def image_check_with_options(
    id: str,
    description: str,
    *,
    reads: Sequence[str],
    options: Sequence[Option],
    default_threshold: float | None = None,
    unit: str = "",
    severity: Severity = "warning",
    threshold_range: tuple[float | None, float | None] = (None, None),
    quality_weight: float = 1.0,
    vector: VectorFn | None = None,
) -> Callable[[ImageOptFn], ImageOptFn]:
    """Decorator: like :func:`image_check` for ``fn(record, threshold, options)``."""

    def deco(fn: ImageOptFn) -> ImageOptFn:
        defaults = _option_defaults(options)
        register(
            ImageCheck(
                id,
                description,
                tuple(reads),
                lambda record, t: fn(record, t, defaults),
                default_threshold,
                unit,
                severity,
                threshold_range=threshold_range,
                quality_weight=quality_weight,
                options=tuple(options),
                fn_options=fn,
                vector=vector,
            )
        )
        return fn

    return deco


def dataset_check(
    id: str,
    description: str,
    *,
    reads: Sequence[str],
    default_threshold: float | None = None,
    unit: str = "",
    severity: Severity = "warning",
    threshold_range: tuple[float | None, float | None] = (None, None),
) -> Callable[[DatasetFn], DatasetFn]:
    """Decorator: register a pure dataset-level function as a check."""

    def deco(fn: DatasetFn) -> DatasetFn:
        register(
            DatasetCheck(
                id,
                description,
                tuple(reads),
                fn,
                default_threshold,
                unit,
                severity,
                threshold_range=threshold_range,
            )
        )
        return fn

    return deco


def dataset_check_with_options(
    id: str,
    description: str,
    *,
    reads: Sequence[str],
    options: Sequence[Option],
    default_threshold: float | None = None,
    unit: str = "",
    severity: Severity = "warning",
    threshold_range: tuple[float | None, float | None] = (None, None),
) -> Callable[[DatasetOptFn], DatasetOptFn]:
    """Decorator: like :func:`dataset_check` for ``fn(ctx, threshold, options)``."""

    def deco(fn: DatasetOptFn) -> DatasetOptFn:
        defaults = _option_defaults(options)
        register(
            DatasetCheck(
                id,
                description,
                tuple(reads),
                lambda ctx, t: fn(ctx, t, defaults),
                default_threshold,
                unit,
                severity,
                threshold_range=threshold_range,
                options=tuple(options),
                fn_options=fn,
            )
        )
        return fn

    return deco


# --- top-level policy keys ---------------------------------------------------------------

PolicyKeyTarget = Literal["threshold", "max_pct", "max_count", "option"]


@dataclass(frozen=True)
class PolicyKey:
    """A top-level policy key that is a shorthand for per-check settings.

    ``policy_key("max_blurry_pct", checks=("blurry",), sets="max_pct")`` makes
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


_POLICY_KEYS: dict[str, PolicyKey] = {}


def policy_key(
    name: str,
    *,
    checks: Sequence[str],
    sets: PolicyKeyTarget,
    description: str,
    type: OptionType = "number",
    option: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    disabled_values: Sequence[OptionValue] = (),
    implies: Mapping[str, Any] | None = None,
) -> PolicyKey:
    """Declare a top-level policy key (see :class:`PolicyKey`); names must be unique."""
    key = PolicyKey(
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
    if name in _POLICY_KEYS and _POLICY_KEYS[name] != key:
        raise ValueError(f"duplicate policy key {name!r}")
    if sets == "option" and not option:
        raise ValueError(f"policy key {name!r} sets an option but names none")
    _POLICY_KEYS[name] = key
    return key


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
