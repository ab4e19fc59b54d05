"""imgeda-ci scan: a folder (or a list of files) into a JSONL manifest."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from imgeda_ci.errors import EXIT_OK, UserError
from imgeda_ci.model import DEPTHS
from imgeda_ci.scan.settings import DEFAULT_ANALYSIS_SIZE, DEFAULT_MAX_PIXELS, DEFAULT_TIMEOUT


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="scan images into a manifest",
        description="Scan a folder of images into a deterministic JSON Lines manifest of "
        "measurements. Re-running reuses every record whose content is unchanged (by SHA-256, "
        "or by git blob id inside a work tree), and an interrupted scan resumes where it stopped.",
    )
    p.add_argument("root", metavar="DIR", help="the dataset folder")
    p.add_argument(
        "-o",
        "--output",
        default="manifest.jsonl",
        help="manifest to write (default: %(default)s); an existing one is reused as a cache",
    )
    p.add_argument(
        "--files-from",
        metavar="FILE",
        help="scan only the files listed in FILE (one per line, relative to DIR; '-' reads stdin)",
    )
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="only paths matching GLOB (repeatable; e.g. 'train/**')",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths matching GLOB (repeatable)",
    )
    p.add_argument(
        "--depth",
        choices=DEPTHS,
        default="standard",
        help="fast: header and bytes only, no pixel decode (pre-commit); standard: "
        "decode and measure (default); deep: also full-resolution pixel hashes",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: number of cores)"
    )
    p.add_argument(
        "--cache",
        action="append",
        default=[],
        metavar="MANIFEST",
        type=Path,
        help="an earlier manifest whose records may be reused by content (repeatable)",
    )
    p.add_argument(
        "--no-git",
        action="store_true",
        help="do not use git blob ids to skip reading unchanged files",
    )
    p.add_argument(
        "--format",
        dest="dataset_format",
        default=None,
        help="dataset layout (yolo, coco, voc, classification, flat); default: detect",
    )
    p.add_argument(
        "--analysis-size",
        type=int,
        default=DEFAULT_ANALYSIS_SIZE,
        metavar="PX",
        help="long side of the image measurements are taken on (default: %(default)s)",
    )
    p.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help="refuse to decode larger images (decompression bombs; default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="per-image time limit (default: %(default)s)",
    )
    p.add_argument(
        "--timestamp",
        action="store_true",
        help="record the scan time in the header (off by default: manifests are "
        "byte-for-byte reproducible)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.scan.api import scan_folder

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    try:
        stats = scan_folder(
            Path(args.root),
            Path(args.output),
            files_from=args.files_from,
            include=args.include,
            exclude=args.exclude,
            depth=args.depth,
            workers=args.workers,
            caches=args.cache,
            use_git=not args.no_git,
            dataset_format=args.dataset_format,
            analysis_size=args.analysis_size,
            max_pixels=args.max_pixels,
            timeout=args.timeout,
            timestamp=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            if args.timestamp
            else None,
            progress=not args.quiet,
        )
    except ValueError as exc:  # invalid settings
        raise UserError(str(exc)) from None
    if not args.quiet:
        for w in stats.warnings:
            print(f"imgeda-ci: warning: {w}", file=sys.stderr)
        errs = ", ".join(f"{k} {v}" for k, v in sorted(stats.errors.items())) or "none"
        print(
            f"scanned {stats.images} images into {os.fspath(args.output)}: analysed "
            f"{stats.analysed}, reused {stats.reused} (journal {stats.reused_journal}, git "
            f"{stats.reused_git}, content {stats.reused_content}); errors: {errs}",
            file=sys.stderr,
        )
    return EXIT_OK
