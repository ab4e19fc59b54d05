"""What checks return: per-row judgements of image checks, findings of dataset checks.

An image check judges every record of a :class:`~imgeda_ci.columns.Columns` at once and returns
a :class:`Judged`: per row whether it applies, whether it flags and its score (numpy arrays),
plus the observed value and the finding's message of one row, which the evaluator asks for on
the flagged rows only. A dataset check sees every record at once (through
:class:`DatasetContext`) and returns :class:`Finding` objects that may name several paths
(duplicate groups, leakage pairs).

Counting convention (how the policy counts a check's findings): each finding's ``paths[0]`` is
the image (or file) the finding counts against; further paths are related images (e.g. the
keeper of a duplicate group). A check's observed count is the number of distinct ``paths[0]``;
its percentage is that count over the number of images. A dataset-level finding about no one
file has ``paths=()`` and carries ``value``; it counts once.
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
Value = float | int | str | None


class Judged(NamedTuple):
    """An image check's judgement of every row of its columns (arrays aligned with them).

    ``flagged`` and ``score`` (in [0, 1], 1 = fine, below 0.5 exactly when flagged) are only
    read where ``applies``; ``value(i)`` is the observed measurement of row ``i`` and
    ``message(i)`` the finding's text, asked for where the row is flagged.
    """

    applies: BoolArray
    flagged: BoolArray
    score: FloatArray
    value: Callable[[int], Value]
    message: Callable[[int], str]


def no_value(i: int) -> Value:
    return None


def no_message(i: int) -> str:
    return ""


def nowhere(cols: Columns) -> Judged:
    """The judgement of a check that applies to no row (e.g. its threshold is unset)."""
    none = np.zeros(cols.n, np.bool_)
    return Judged(none, none, np.ones(cols.n), no_value, no_message)


def number(arr: FloatArray) -> Callable[[int], Value]:
    """The value of a row of a float column."""
    return lambda i: float(arr[i])


def integer(arr: FloatArray) -> Callable[[int], Value]:
    """The value of a row of an integer measurement (printed as an int)."""
    return lambda i: int(arr[i])


def fmt(x: float) -> str:
    """A number for a message: integers without decimals, others with up to 3 significant."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"


@dataclass(frozen=True)
class Outcome:
    """One row of a :class:`Judged` (what :meth:`ImageCheck.run` returns for one record)."""

    flagged: bool
    score: float  # in [0, 1]; 1 = fine
    value: Value = None  # the observed measurement
    reason: str = ""  # the finding's message when flagged: "luma p99 31 < 40"


@dataclass(frozen=True)
class Finding:
    """One problem: an image, or a group of images for dataset checks."""

    check: str
    severity: Severity
    paths: tuple[str, ...]
    message: str
    score: float | None = None
    value: Value = None
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
    #: the columns of :attr:`records` (the evaluator passes the ones its image checks read)
    cols: Columns | None = field(default=None, repr=False, compare=False)
    #: what the duplicate searches of the run share (see :mod:`imgeda_ci.dupes.search`)
    search: DupeSearch | None = field(default=None, repr=False, compare=False)

    def columns(self) -> Columns:
        """The columns of :attr:`records` (made on first use when none were given)."""
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
