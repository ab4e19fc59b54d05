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
from imgeda_ci.model import ImageRecord

#: Columns of the flat table, in order. Nested measurements become dotted names.
COLUMNS: tuple[str, ...] = (
    "path", "size", "sha256", "git_oid", "depth", "error_code", "error_message", "ext", "format",
    "ext_mismatch", "width", "height", "pixels", "mode", "bit_depth", "channels", "frames", "icc",
    "exif.make", "exif.model", "exif.software", "exif.datetime", "exif.orientation", "exif.gps",
    "exif.lat", "exif.lon", "exif.alt", "exif.serial", "exif.owner", "exif.invalid",
    "stats.mean_r", "stats.mean_g", "stats.mean_b", "stats.std_r", "stats.std_g", "stats.std_b",
    "stats.luma_mean", "stats.luma_std", "stats.luma_p1", "stats.luma_p5", "stats.luma_p50",
    "stats.luma_p95", "stats.luma_p99", "stats.dynamic_range", "stats.entropy",
    "stats.colorfulness", "stats.chroma_p99", "stats.sharpness", "stats.edge_density",
    "stats.pad_top", "stats.pad_bottom", "stats.pad_left", "stats.pad_right",
    "stats.border_corners", "stats.border_center", "phash", "dhash", "pixel_sha256", "split",
)  # fmt: skip
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


def flatten(rec: ImageRecord) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in COLUMNS}
    for key in ("path", "size", "sha256", "git_oid", "depth", "ext", "format", "ext_mismatch",
                "width", "height", "pixels", "mode", "bit_depth", "channels", "frames", "icc",
                "phash", "dhash", "pixel_sha256", "split"):  # fmt: skip
        row[key] = rec.get(key)
    err = rec.get("error")
    if err:
        row["error_code"], row["error_message"] = err["code"], err["message"]
    for k, v in (rec.get("exif") or {}).items():
        if f"exif.{k}" in row:
            row[f"exif.{k}"] = v
    st = rec.get("stats") or {}
    for i, c in enumerate("rgb"):
        if st.get("mean"):
            row[f"stats.mean_{c}"] = st["mean"][i]
            row[f"stats.std_{c}"] = st["std"][i]
    for k in ("luma_mean", "luma_std", "dynamic_range", "entropy", "colorfulness", "chroma_p99",
              "sharpness", "edge_density"):  # fmt: skip
        row[f"stats.{k}"] = st.get(k)
    for k, v in (st.get("luma_p") or {}).items():
        row[f"stats.luma_{k}"] = v
    for k, v in (st.get("pad") or {}).items():
        row[f"stats.pad_{k}"] = v
    border = st.get("border") or {}
    row["stats.border_corners"] = border.get("corners")
    row["stats.border_center"] = border.get("center")
    return row


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
    types = {
        "size": pa.int64(), "width": pa.int64(), "height": pa.int64(), "pixels": pa.int64(),
        "bit_depth": pa.int64(), "channels": pa.int64(), "frames": pa.int64(),
        "exif.orientation": pa.int64(), "ext_mismatch": pa.bool_(), "icc": pa.bool_(),
        "exif.gps": pa.bool_(), "exif.serial": pa.bool_(), "exif.owner": pa.bool_(),
        "exif.invalid": pa.bool_(),
    }  # fmt: skip
    fields = []
    for c in COLUMNS:
        if c in types:
            fields.append(pa.field(c, types[c]))
        elif c.startswith("stats.") or c in ("exif.lat", "exif.lon", "exif.alt"):
            fields.append(pa.field(c, pa.float64()))
        else:
            fields.append(pa.field(c, pa.string()))
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
