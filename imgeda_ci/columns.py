"""Numpy columns of manifest records, extracted lazily and cached: what the checks read.

``Columns(records)`` reads nothing up front. Each accessor makes one pass over the records (in
C: ``itemgetter`` / ``dict.get`` maps) the first time a column is asked for, and keeps it:

- :meth:`Columns.measure` / :meth:`Columns.text`: a measurement declared in
  :mod:`imgeda_ci.measurements`, typed, with the one rule for values of the wrong shape (they
  are missing: NaN / ``None``). This is how the checks read records;
- :meth:`Columns.raw` (``"stats.luma_p.p99"``): the raw values at a dotted key (``None`` where the
  key or a parent mapping is missing), and :attr:`Columns.has_error`, :meth:`Columns.truthy`,
  :meth:`Columns.is_none`, :meth:`Columns.is_dict`: facts about the structure (labels, EXIF);
- :meth:`Columns.apply`: a Python function over the *distinct* values of a column;
- :meth:`Columns.derive`: any derived column, cached by name.

:meth:`Columns.num` reads undeclared numbers for other stages (the diff's metrics) by the same
rule: a value it cannot carry exactly (a float NaN, a numpy scalar, an int beyond 2**53, under a
parent that is not a mapping) is missing.
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

from imgeda_ci import measurements
from imgeda_ci.measurements import Measurement
from imgeda_ci.model import ImageRecord

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Which values count as numbers: ``number`` = int or float (not bool), ``number_or_bool`` =
#: int, float or bool, ``int`` = int (not bool), ``int_or_bool`` = int or bool.
NumKind = Literal["number", "number_or_bool", "int", "int_or_bool"]

_PLAIN: dict[str, frozenset[type]] = {
    "number": frozenset({int, float}),
    "number_or_bool": frozenset({int, float, bool}),
    "int": frozenset({int}),
    "int_or_bool": frozenset({int, bool}),
}
_NAN = float("nan")
_ODD = object()  # sentinel: an error that is not a mapping with a code
_EMPTY: dict[str, Any] = {}  # what a row that is not a mapping holds


def _values(rows: Sequence[dict[str, Any]], key: str) -> list[Any]:
    """The value of ``key`` in every row (``None`` where a row lacks it), read in C."""
    try:  # every row holds it: the quickest pass
        return list(map(operator.itemgetter(key), rows))
    except KeyError:
        return list(map(dict.get, rows, repeat(key)))


def _items(vals: Sequence[Any], item: int) -> list[Any]:
    """Item ``item`` of each list in ``vals`` (``None`` where a value is no list that long)."""
    if set(map(type, vals)) <= {list, type(None)}:
        try:  # the usual case, read in C
            return list(
                map(operator.itemgetter(item), [_NOTHING if v is None else v for v in vals])
            )
        except IndexError:
            pass
    return [v[item] if v.__class__ in (list, tuple) and len(v) > item else None for v in vals]


class _Nothing:
    """Holds ``None`` at every index: stands in for a missing list."""

    def __getitem__(self, item: int) -> None:
        return None


_NOTHING = _Nothing()


def _floats(vals: Sequence[Any], kind: NumKind) -> FloatArray:
    """``vals`` as float64, NaN where a value is missing or not a plain number of ``kind``
    (a float NaN, a numpy scalar and an int of 2**53 or more, which float64 cannot hold
    exactly, are NaN too)."""
    plain = _PLAIN[kind]
    kinds = set(map(type, vals))
    if kinds <= plain | {type(None)}:  # numpy turns None into NaN
        arr = np.array(vals, dtype=np.float64)
    else:
        arr = np.array([v if v.__class__ in plain else _NAN for v in vals], dtype=np.float64)
    if int in kinds:
        arr[np.isfinite(arr) & (np.abs(arr) >= 2.0**53)] = _NAN
    return arr


def _bool_code(v: Any) -> float:
    return 1.0 if v is True else 0.0 if v is False else _NAN


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
        self._raw: dict[str, list[Any]] = {}
        self._num: dict[tuple[str, str], FloatArray] = {}
        self._measured: dict[str, FloatArray] = {}
        self._texts: dict[str, list[str | None]] = {}
        self._derived: dict[str, Any] = {}

    def __len__(self) -> int:
        return self.n

    # --- raw values -------------------------------------------------------------------------

    def prefetch(self, keys: Iterable[str]) -> None:
        """Extract several columns at once: one pass per parent mapping for all its wanted
        children (a pass over large records costs mostly memory access, so fewer is faster)."""
        by_head: dict[str, list[str]] = {}
        for key in keys:
            parts = key.split("[", 1)[0].split(".")
            for depth in range(1, len(parts) + 1):
                head, last = ".".join(parts[: depth - 1]), parts[depth - 1]
                full = f"{head}.{last}" if head else last
                if full not in self._raw and last not in by_head.setdefault(head, []):
                    by_head[head].append(last)
        with gc_paused():
            for head in sorted(by_head, key=lambda h: (h.count(".") if h else -1, h)):
                self._extract(head, by_head[head])

    def _extract(self, head: str, wanted: list[str]) -> None:
        """One pass over the parent column ``head`` (the records when empty) per ``wanted``
        child."""
        rows: Sequence[Any] = self.records
        if head:
            rows = self.raw(head)
        if set(map(type, rows)) != {dict}:  # a missing (or damaged) parent holds nothing
            rows = [r if r.__class__ is dict else _EMPTY for r in rows]
        for k in wanted:
            self._raw[f"{head}.{k}" if head else k] = _values(rows, k)

    def raw(self, key: str) -> list[Any]:
        """Values at the dotted ``key``; ``None`` where it or a parent mapping is missing (a
        parent that is neither ``None`` nor a dict holds nothing)."""
        got = self._raw.get(key)
        if got is None:
            self.prefetch([key])
            got = self._raw[key]
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
            vals = [None if v is _ODD else v for v in vals]
            got = self._derived["error_code"] = vals
        return got

    # --- numbers ----------------------------------------------------------------------------

    def num(self, key: str, kind: NumKind = "number") -> FloatArray:
        """The numbers at ``key`` as float64, NaN where missing or not a plain number of
        ``kind`` (see :func:`_floats`); for readers outside the checks, which read
        :meth:`measure`."""
        got = self._num.get((key, kind))
        if got is None:
            got = _floats(self.raw(key), kind)
            self._num[(key, kind)] = got
        return got

    # --- declared measurements ----------------------------------------------------------------

    def _declared(self, key: str) -> tuple[Measurement, list[Any]]:
        m = measurements.get(key)
        vals = self.raw(m.path)
        if m.item is not None:
            vals = _items(vals, m.item)
        return m, vals

    def measure(self, key: str) -> FloatArray:
        """The declared number or bool measurement at record ``key`` as float64 (a bool as 1.0
        or 0.0), NaN where it is missing. What counts as missing (a value of the wrong type, a
        stored NaN, a parent that is not a mapping, a decoded measurement of a record with an
        error) is decided here, as :mod:`imgeda_ci.measurements` documents."""
        got = self._measured.get(key)
        if got is not None:
            return got
        m, vals = self._declared(key)
        if m.type == "str":
            raise TypeError(f"{key!r} is a str measurement: read it with Columns.text")
        if m.type == "bool":
            got = np.fromiter(map(_bool_code, vals), np.float64, len(vals))
        else:
            got = _floats(vals, "number")  # values of the wrong shape are NaN: missing
        if m.decoded:
            got = np.where(self.has_error, _NAN, got)
        self._measured[key] = got
        return got

    def text(self, key: str) -> list[str | None]:
        """The declared str measurement at record ``key``, ``None`` where it is missing (as
        :meth:`measure` decides)."""
        got = self._texts.get(key)
        if got is None:
            m, vals = self._declared(key)
            if m.type != "str":
                raise TypeError(f"{key!r} is a {m.type} measurement: read it with Columns.measure")
            got = [v if v.__class__ is str else None for v in vals]
            if m.decoded:
                got = [None if e else v for v, e in zip(got, self.has_error.tolist(), strict=True)]
            self._texts[key] = got
        return got

    @property
    def ok(self) -> BoolArray:
        """The image was read without error (``not record.get("error")``)."""
        got: BoolArray = self.derive("ok", lambda c: ~c.has_error)
        return got

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

        Unhashable values are passed over (the dtype's zero).
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
                    out[i] = np.zeros((), dtype=dtype)
                    continue
                out[i] = fn(v)
            return out
        table = np.array([fn(v) for _, v in index], dtype=dtype)
        if not len(vals):
            return np.empty(0, dtype=dtype)
        return table[np.asarray(codes, dtype=np.intp)]
