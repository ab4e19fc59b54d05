"""imgeda-ci info: a short summary of a manifest."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.errors import EXIT_OK
from imgeda_ci.model import ImageRecord, ManifestHeader


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "info", help="summarise a manifest", description="Print a short summary of a manifest."
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
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


def summarize(path: str) -> list[str]:
    header, records = manifest.read(path)
    t = _Tally()
    for rec in records:
        t.add(rec)
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


def run(args: argparse.Namespace) -> int:
    for line in summarize(args.manifest):
        print(line)
    return EXIT_OK
