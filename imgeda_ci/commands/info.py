"""imgeda-ci info: a short summary of a manifest."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.errors import EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "info", help="summarise a manifest", description="Print a short summary of a manifest."
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.set_defaults(func=run)
    return p


def summarize(path: str) -> list[str]:
    header, records = manifest.read(path)
    n = 0
    total_bytes = 0
    pixels = 0
    formats: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    gps = 0
    for rec in records:
        n += 1
        total_bytes += max(0, rec.get("size") or 0)
        pixels += rec.get("pixels") or 0
        formats[rec.get("format") or "?"] += 1
        err = rec.get("error")
        if err:
            errors[err["code"]] += 1
        if rec.get("split"):
            splits[str(rec.get("split"))] += 1
        if (rec.get("exif") or {}).get("gps"):
            gps += 1
    lines = [f"manifest: {path}"]
    if header:
        settings = header.get("settings", {})
        lines.append(
            f"schema {header.get('imgeda_ci_manifest')}, imgeda-ci {header.get('tool_version')}, "
            f"root {header.get('root')}, depth {settings.get('depth')}, analysis size "
            f"{settings.get('analysis_size')}"
        )
        ds = header.get("dataset")
        if isinstance(ds, dict) and ds.get("format"):
            lines.append(f"dataset format: {ds['format']}")
    lines.append(f"images: {n}, {total_bytes / 1e6:.1f} MB, {pixels / 1e6:.1f} megapixels in all")
    lines.append("formats: " + (", ".join(f"{k} {v}" for k, v in formats.most_common()) or "-"))
    lines.append(
        f"errors: {sum(errors.values())}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in errors.most_common()) + ")" if errors else "")
    )
    if splits:
        lines.append("splits: " + ", ".join(f"{k} {v}" for k, v in sorted(splits.items())))
    lines.append(f"with GPS coordinates: {gps}")
    return lines


def run(args: argparse.Namespace) -> int:
    for line in summarize(args.manifest):
        print(line)
    return EXIT_OK
