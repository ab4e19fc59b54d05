"""imgeda-ci info: a short summary of a manifest."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.commands.common import JSON_OUT, json_out_help
from imgeda_ci.errors import EXIT_OK
from imgeda_ci.model import ImageRecord, ManifestHeader


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "info", help="summarise a manifest", description="Print a short summary of a manifest."
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument(JSON_OUT, metavar="FILE", help=json_out_help("the summary"))
    p.set_defaults(func=run)
    return p


@dataclass
class _Tally:
    """What ``info`` counts over the records."""

    images: int = 0
    total_bytes: int = 0
    pixels: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    splits: Counter[str] = field(default_factory=Counter)
    gps: int = 0

    def add(self, rec: ImageRecord) -> None:
        self.images += 1
        self.total_bytes += max(0, rec.get("size") or 0)
        self.pixels += rec.get("pixels") or 0
        self.formats[rec.get("format") or "?"] += 1
        err = rec.get("error")
        if err:
            self.errors[err["code"]] += 1
        if rec.get("split"):
            self.splits[str(rec.get("split"))] += 1
        if (rec.get("exif") or {}).get("gps"):
            self.gps += 1


def tally(path: str) -> tuple[ManifestHeader | None, _Tally]:
    header, records = manifest.read(path)
    t = _Tally()
    for rec in records:
        t.add(rec)
    return header, t


def summarize(path: str, header: ManifestHeader | None, t: _Tally) -> list[str]:
    lines = [f"manifest: {path}", *_header_lines(header)]
    lines.append(
        f"images: {t.images}, {t.total_bytes / 1e6:.1f} MB, {t.pixels / 1e6:.1f} megapixels in all"
    )
    lines.append("formats: " + (", ".join(f"{k} {v}" for k, v in t.formats.most_common()) or "-"))
    errors = t.errors
    lines.append(
        f"errors: {sum(errors.values())}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in errors.most_common()) + ")" if errors else "")
    )
    if t.splits:
        lines.append("splits: " + ", ".join(f"{k} {v}" for k, v in sorted(t.splits.items())))
    lines.append(f"with GPS coordinates: {t.gps}")
    return lines


def _header_lines(header: ManifestHeader | None) -> list[str]:
    """The scan settings and dataset format the header records (nothing without a header)."""
    if not header:
        return []
    settings = header.get("settings", {})
    lines = [
        f"schema {header.get('imgeda_ci_manifest')}, imgeda-ci {header.get('tool_version')}, "
        f"root {header.get('root')}, depth {settings.get('depth')}, analysis size "
        f"{settings.get('analysis_size')}"
    ]
    ds = header.get("dataset")
    if isinstance(ds, dict) and ds.get("format"):
        lines.append(f"dataset format: {ds['format']}")
    return lines


def as_json(path: str, header: ManifestHeader | None, t: _Tally) -> dict[str, Any]:
    """The ``--json-out`` document: the counts the summary prints, and the header's facts."""
    settings = (header or {}).get("settings", {})
    dataset = (header or {}).get("dataset")
    return {
        "manifest": path,
        "tool_version": (header or {}).get("tool_version"),
        "analysis_size": settings.get("analysis_size"),
        "depth": settings.get("depth"),
        "dataset_format": dataset.get("format") if isinstance(dataset, dict) else None,
        "images": t.images,
        "bytes": t.total_bytes,
        "pixels": t.pixels,
        "formats": dict(t.formats.most_common()),
        "errors": dict(t.errors.most_common()),
        "splits": dict(sorted(t.splits.items())),
        "with_gps": t.gps,
    }


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.outputs import human_stream, write_output

    people = human_stream(args.json_out)
    header, t = tally(args.manifest)
    for line in summarize(args.manifest, header, t):
        print(line, file=people)
    if args.json_out:
        import orjson

        write_output(
            args.json_out,
            orjson.dumps(as_json(args.manifest, header, t), option=orjson.OPT_INDENT_2),
        )
    return EXIT_OK
