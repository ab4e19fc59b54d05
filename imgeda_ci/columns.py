"""Numpy columns of manifest records, extracted lazily and cached: what vectorised checks read.

``Columns(records)`` reads nothing up front. Each accessor makes one Python pass over the
records the first time a column is asked for, and keeps the result:

- :meth:`Columns.raw` (``"stats.luma_p.p99"``): the raw values at a dotted key (``None`` where the
  key or a parent mapping is missing);
- :meth:`Columns.num`: the same as float64, NaN where the value is missing or not a number of
  the accepted ``kind`` (see :data:`NumKind`);
- :attr:`Columns.has_error`, :meth:`Columns.present`, :meth:`Columns.truthy`,
  :meth:`Columns.is_str`, :meth:`Columns.error_code`;
- :meth:`Columns.apply`: a Python function over the *distinct* values of a column;
- :meth:`Columns.derive`: any derived column, cached by name.

Exactness: a vectorised check must give the same result as its scalar function on every row.
Values that the NaN encoding cannot represent faithfully (a float NaN actually stored in the
record, a number of another type such as a numpy scalar, a non-mapping where a mapping should
be, a value that cannot be hashed) mark the row in :attr:`Columns.fallback`; the evaluator runs
the scalar function on those rows instead of trusting the vector form.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from imgeda_ci.model import ImageRecord

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Which values count as numbers: ``number`` = int or float (not bool, as
#: ``imgeda_ci.checks._common.stat``), ``number_or_bool`` = ``isinstance(v, int | float)``,
#: ``int`` = int (not bool), ``int_or_bool`` = ``isinstance(v, int)``.
NumKind = Literal["number", "number_or_bool", "int", "int_or_bool"]

_PLAIN: dict[str, frozenset[type]] = {
    "number": frozenset({int, float}),
    "number_or_bool": frozenset({int, float, bool}),
    "int": frozenset({int}),
    "int_or_bool": frozenset({int, bool}),
}
_ISINSTANCE: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "number_or_bool": (int, float),
    "int": (int,),
    "int_or_bool": (int,),
}
_NAN = float("nan")
_ODD = object()  # sentinel: a value the vector forms must not interpret
_MISSING = object()  # sentinel: a top-level key absent from the record


def _getter(keys: Sequence[str], default: Any) -> Callable[[Any], tuple[Any, ...]]:
    """``lambda d: (d.get(k1, default), d.get(k2, default), ...)``, compiled once: one call per
    row instead of a loop over the keys."""
    body = ", ".join(f"d.get({k!r}, default)" for k in keys)
    fn: Callable[[Any], tuple[Any, ...]] = eval(  # keys are repr-quoted
        f"lambda d: ({body},)", {"default": default}
    )
    return fn


def _every_key(
    rows: Sequence[Any], keys: list[str], default: Any
) -> list[tuple[list[Any], bool]] | None:
    """The values of ``keys`` in every row (``default`` where a row lacks one), one list per
    key, read in C (a pass per key beats one pass and a transposition), each with whether
    every row had the key; None when a row is not a dict (the caller reads them one by one)."""
    if not rows or set(map(type, rows)) != {dict}:
        return None
    out = []
    for k in keys:
        try:  # every row has it: the quickest pass
            out.append((list(map(operator.itemgetter(k), rows)), True))
        except KeyError:
            out.append((list(map(dict.get, rows, repeat(k), repeat(default))), False))
    return out


def _columns_of(rows: list[tuple[Any, ...]], width: int, n: int) -> list[list[Any]]:
    """Transpose ``n`` rows of ``width`` values into ``width`` lists."""
    return [[row[j] for row in rows] for j in range(width)]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: extracting columns allocates one tuple per record
    and no cycles, and every collection would walk all the (large) records."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Columns:
    """Lazy, cached numpy columns over ``records`` (see the module doc)."""

    def __init__(self, records: Sequence[ImageRecord]) -> None:
        self.records = records
        self.n = len(records)
        #: rows a vector form must not be trusted for: the evaluator runs the scalar function
        self.fallback: BoolArray = np.zeros(self.n, dtype=np.bool_)
        self._raw: dict[str, list[Any]] = {}
        self._top: dict[str, list[Any]] = {}  # top-level values with _MISSING where absent
        self._parents_checked: set[str] = set()
        self._num: dict[tuple[str, str], FloatArray] = {}
        self._derived: dict[str, Any] = {}

    def __len__(self) -> int:
        return self.n

    # --- raw values -------------------------------------------------------------------------

    def prefetch(self, keys: Iterable[str]) -> None:
        """Extract several columns at once: one pass per parent mapping for all its wanted
        children (a pass over large records costs mostly memory access, so fewer is faster)."""
        by_head: dict[str, list[str]] = {}
        for key in keys:
            parts = key.split(".")
            for depth in range(1, len(parts) + 1):
                head, last = ".".join(parts[: depth - 1]), parts[depth - 1]
                full = f"{head}.{last}" if head else last
                if full not in self._raw and last not in by_head.setdefault(head, []):
                    by_head[head].append(last)
        with gc_paused():
            for head in sorted(by_head, key=lambda h: (h.count(".") if h else -1, h)):
                self._extract(head, by_head[head])

    def _extract(self, head: str, wanted: list[str]) -> None:
        """One pass over the parent column ``head`` (the records when empty) for ``wanted``."""
        if not wanted:
            return
        if not head:
            whole = _every_key(self.records, wanted, _MISSING)
            if whole is not None:  # the usual case: every record is a dict
                for k, (vals, every) in zip(wanted, whole, strict=True):
                    self._top[k] = vals
                    self._raw[k] = vals if every else [None if v is _MISSING else v for v in vals]
                return
            get = _getter(wanted, _MISSING)
            rows = [get(r) for r in self.records]
            for k, vals in zip(wanted, _columns_of(rows, len(wanted), self.n), strict=True):
                self._top[k] = vals
                self._raw[k] = [None if v is _MISSING else v for v in vals]
            return
        parent = self.raw(head)
        self._check_parent(head, parent)
        whole = _every_key(parent, wanted, None)
        if whole is not None:
            for k, (vals, _) in zip(wanted, whole, strict=True):
                self._raw[f"{head}.{k}"] = vals
            return
        none = (None,) * len(wanted)
        get = _getter(wanted, None)
        rows = [get(p) if p.__class__ is dict else none for p in parent]
        for k, vals in zip(wanted, _columns_of(rows, len(wanted), self.n), strict=True):
            self._raw[f"{head}.{k}"] = vals

    def raw(self, key: str) -> list[Any]:
        """Values at the dotted ``key``; ``None`` where it or a parent mapping is missing.

        A parent that is neither ``None`` nor a dict (a damaged record) marks the row fallback.
        """
        got = self._raw.get(key)
        if got is None:
            self.prefetch([key])
            got = self._raw[key]
        return got

    def _check_parent(self, head: str, parent: list[Any]) -> None:
        if head in self._parents_checked:
            return
        self._parents_checked.add(head)
        kinds = set(map(type, parent))
        if kinds <= {dict, type(None)}:
            return
        odd = [i for i, p in enumerate(parent) if p is not None and p.__class__ is not dict]
        if odd:
            self.fallback[odd] = True

    def present(self, key: str) -> BoolArray:
        """Top-level ``key in record``."""
        name = f"present:{key}"
        got = self._derived.get(name)
        if got is None:
            if key not in self._top:
                self.prefetch([key])
            got = np.array([v is not _MISSING for v in self._top[key]], dtype=np.bool_)
            self._derived[name] = got
        return got

    def truthy(self, key: str) -> BoolArray:
        """``bool(value)`` of the value at ``key`` (``None`` when missing)."""
        got: BoolArray = self.derive(
            f"truthy:{key}", lambda c: np.array(list(map(bool, c.raw(key))), dtype=np.bool_)
        )
        return got

    def is_none(self, key: str) -> BoolArray:
        """The value at ``key`` is ``None`` (or missing, as in :meth:`raw`)."""

        def build(c: Columns) -> BoolArray:
            vals = c.raw(key)
            return np.fromiter((v is None for v in vals), dtype=np.bool_, count=len(vals))

        got: BoolArray = self.derive(f"is_none:{key}", build)
        return got

    def is_dict(self, key: str) -> BoolArray:
        """The value at ``key`` is a dict."""

        def build(c: Columns) -> BoolArray:
            vals = c.raw(key)
            if set(map(type, vals)) == {dict}:
                return np.ones(len(vals), dtype=np.bool_)
            return np.fromiter((v.__class__ is dict for v in vals), np.bool_, len(vals))

        got: BoolArray = self.derive(f"is_dict:{key}", build)
        return got

    def is_str(self, key: str) -> BoolArray:
        got: BoolArray = self.derive(
            f"is_str:{key}",
            lambda c: np.array([isinstance(v, str) for v in c.raw(key)], dtype=np.bool_),
        )
        return got

    @property
    def has_error(self) -> BoolArray:
        """``bool(record.get("error"))``: the image could not be read."""
        return self.truthy("error")

    def error_code(self) -> list[Any]:
        """The error code of each record (``None`` without error), as :func:`model.error_code`."""
        got = self._derived.get("error_code")
        if got is None:
            vals = [
                (e.get("code", _ODD) if e.__class__ is dict else _ODD) if e else None
                for e in self.raw("error")
            ]
            odd = [i for i, v in enumerate(vals) if v is _ODD]
            if odd:
                self.fallback[odd] = True
                for i in odd:
                    vals[i] = None
            got = self._derived["error_code"] = vals
        return got

    # --- numbers ----------------------------------------------------------------------------

    def num(self, key: str, kind: NumKind = "number") -> FloatArray:
        """The numbers at ``key`` as float64, NaN where missing or not a number of ``kind``.

        Rows whose value is a number by ``isinstance`` but cannot be carried faithfully (a float
        NaN, a numpy scalar, an int beyond 2**53) are marked fallback.
        """
        got = self._num.get((key, kind))
        if got is not None:
            return got
        arr = self.to_float(self.raw(key), kind)
        self._num[(key, kind)] = arr
        return arr

    def to_float(
        self, vals: Sequence[Any], kind: NumKind = "number", rows: Sequence[int] | None = None
    ) -> FloatArray:
        """Like :meth:`num` for a list of values aligned with the records, or with ``rows`` of
        them when given (then the fallback marks land on those rows)."""
        at: Any = (lambda odd: odd) if rows is None else (lambda odd: [rows[k] for k in odd])
        plain = _PLAIN[kind]
        kinds = set(map(type, vals))
        if kinds <= plain | {type(None)}:  # numpy turns None into NaN
            arr = np.array(vals, dtype=np.float64)
        else:
            arr = np.array([v if v.__class__ in plain else _NAN for v in vals], dtype=np.float64)
        missing = np.flatnonzero(np.isnan(arr))
        if missing.size:
            types = _ISINSTANCE[kind]
            no_bool = kind in ("number", "int")
            odd = [
                i
                for i in missing.tolist()
                if (v := vals[i]) is not None
                and isinstance(v, types)
                and not (no_bool and isinstance(v, bool))
            ]
            if odd:
                self.fallback[at(odd)] = True
        if float in kinds or int in kinds:
            big = np.flatnonzero(np.isfinite(arr) & (np.abs(arr) >= 2.0**53))
            if big.size:  # an int beyond 2**53 is not exact in float64
                self.fallback[at([i for i in big.tolist() if isinstance(vals[i], int)])] = True
        return arr

    # --- anything else ----------------------------------------------------------------------

    def derive(self, name: str, build: Callable[[Columns], Any]) -> Any:
        """A cached derived column: ``build(self)`` the first time ``name`` is asked for."""
        if name not in self._derived:
            self._derived[name] = build(self)
        return self._derived[name]

    def put(self, name: str, value: Any) -> None:
        """Take ``value`` as the derived column ``name`` (made elsewhere from these records, such
        as in another process: see :func:`imgeda_ci.dupes.content.with_content`)."""
        self._derived[name] = value

    def apply(
        self, vals: Sequence[Any], fn: Callable[[Any], Any], dtype: npt.DTypeLike = np.bool_
    ) -> npt.NDArray[Any]:
        """``fn`` over the values, called once per distinct value (by type and value).

        Unhashable values are passed to ``fn`` one by one, and their rows marked fallback.
        """
        kinds = set(map(type, vals)) - {type(None)}
        if len(kinds) <= 1 and kinds <= {str, int, bool}:  # equal values are the same value
            uniq = list(dict.fromkeys(vals))
            pos = {u: i for i, u in enumerate(uniq)}
            table = np.array([fn(u) for u in uniq], dtype=dtype)
            if not len(vals):
                return np.empty(0, dtype=dtype)
            return table[np.fromiter(map(pos.__getitem__, vals), np.intp, len(vals))]
        index: dict[tuple[type, Any], int] = {}
        try:
            codes = [index.setdefault((v.__class__, v), len(index)) for v in vals]
        except TypeError:
            out = np.empty(len(vals), dtype=dtype)
            for i, v in enumerate(vals):
                try:
                    hash(v)
                except TypeError:
                    self.fallback[i] = True
                    out[i] = np.zeros((), dtype=dtype)
                    continue
                out[i] = fn(v)
            return out
        table = np.array([fn(v) for _, v in index], dtype=dtype)
        if not len(vals):
            return np.empty(0, dtype=dtype)
        return table[np.asarray(codes, dtype=np.intp)]
