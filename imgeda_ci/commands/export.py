"""imgeda-ci export: a manifest as CSV, JSON or Parquet (flattened columns)."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from imgeda_ci import manifest
from imgeda_ci.errors import EXIT_OK, UserError
from imgeda_ci.measurements import Measurement, exported
from imgeda_ci.model import ImageRecord

#: Columns of the flat table, in order: every exported measurement of
#: :mod:`imgeda_ci.measurements` (nested measurements have dotted names).
COLUMNS: tuple[str, ...] = tuple(m.name for m in exported())
_CHUNK = 20_000


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="export a manifest as csv, json or parquet",
        description="Export a manifest as a flat table (CSV, Parquet) or a JSON array. Parquet "
        "needs the 'parquet' extra (pip install 'imgeda-ci[parquet]') and is written in "
        "streaming row groups.",
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    p.add_argument("-o", "--output", default="-", help="output file ('-' = stdout; not parquet)")
    p.set_defaults(func=run)
    return p


def _at(rec: ImageRecord, m: Measurement) -> Any:
    """The raw value of ``m`` in ``rec`` (``None`` where a parent or the item is missing)."""
    v: Any = rec
    for part in m.path.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    item = m.item
    if item is not None:
        v = v[item] if isinstance(v, list | tuple) and len(v) > item else None
    return v


def flatten(rec: ImageRecord) -> dict[str, Any]:
    """One row of the flat table: the record's value of every exported measurement."""
    return {m.name: _at(rec, m) for m in exported()}


def _rows(path: str) -> Iterator[dict[str, Any]]:
    _, records = manifest.read(path)
    for rec in records:
        yield flatten(rec)


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_parquet(path: str, out: str) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError("Parquet export needs pyarrow: pip install 'imgeda-ci[parquet]'") from None
    if out == "-":
        raise UserError("Parquet cannot go to stdout; pass -o FILE.parquet")
    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
    fields = [pa.field(m.name, types[m.type]) for m in exported()]
    schema = pa.schema(fields)
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in _chunks(_rows(path), _CHUNK):
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            n += len(chunk)
    return n


def run(args: argparse.Namespace) -> int:
    if args.format == "parquet":
        write_parquet(args.manifest, args.output)
        return EXIT_OK
    out = sys.stdout.buffer if args.output == "-" else None
    try:
        fh = out or Path(args.output).open("wb")
    except OSError as exc:
        raise UserError(f"{args.output}: cannot write: {exc.strerror}") from None
    try:
        if args.format == "json":
            fh.write(b"[")
            for i, (_, rec) in enumerate(manifest.iter_lines(args.manifest)):
                if manifest.is_header(rec):
                    continue
                fh.write(
                    (b",\n" if i > 1 else b"\n") + orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
                )
            fh.write(b"\n]\n")
        else:
            import io

            text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
            writer = csv.DictWriter(text, fieldnames=list(COLUMNS))
            writer.writeheader()
            for row in _rows(args.manifest):
                writer.writerow(row)
            text.detach()
    finally:
        if out is None:
            fh.close()
    return EXIT_OK
