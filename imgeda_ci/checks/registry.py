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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from imgeda_ci.model import ImageRecord

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
    extra: dict[str, Any] = field(default_factory=dict)


ImageFn = Callable[[ImageRecord, float | None], Outcome | None]
DatasetFn = Callable[[DatasetContext, float | None], list[Finding]]


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

    def run(self, record: ImageRecord, threshold: float | None = None) -> Outcome | None:
        return self.fn(record, self.default_threshold if threshold is None else threshold)


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

    def run(self, ctx: DatasetContext, threshold: float | None = None) -> list[Finding]:
        return self.fn(ctx, self.default_threshold if threshold is None else threshold)


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
) -> Callable[[ImageFn], ImageFn]:
    """Decorator: register a pure per-image function as a check."""

    def deco(fn: ImageFn) -> ImageFn:
        register(
            ImageCheck(id, description, tuple(reads), fn, default_threshold, unit, severity)
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
) -> Callable[[DatasetFn], DatasetFn]:
    """Decorator: register a pure dataset-level function as a check."""

    def deco(fn: DatasetFn) -> DatasetFn:
        register(
            DatasetCheck(id, description, tuple(reads), fn, default_threshold, unit, severity)
        )
        return fn

    return deco


def all_checks() -> dict[str, Check]:
    """Every registered check by id, in registration order (imports the check modules)."""
    from imgeda_ci import checks  # noqa: F401  (importing registers the built-in checks)

    return dict(_REGISTRY)


def get(check_id: str) -> Check:
    return all_checks()[check_id]
