"""imgeda-ci scan: a folder, a bucket prefix or a list of URLs into a JSONL manifest."""

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
        description="Scan a folder of images (or a bucket prefix: s3://, gs://, az://, https://; "
        "or a list of URLs) into a deterministic JSON Lines manifest of measurements. Re-running "
        "reuses every record whose content is unchanged (by SHA-256, or by git blob id inside a "
        "work tree), and an interrupted scan resumes where it stopped.",
    )
    p.add_argument(
        "root",
        metavar="DIR|URL",
        nargs="?",
        help="the dataset folder, or a bucket prefix such as s3://bucket/prefix (credentials "
        "from the backend's usual environment and config; pip install 'imgeda-ci[s3]', "
        "'[gcs]', '[azure]' or '[http]')",
    )
    _add_what_args(p)
    _add_analysis_args(p)
    _add_scaling_args(p.add_argument_group("scaling out"))
    _add_url_args(p.add_argument_group("URL lists and remote objects"))
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)
    return p


def _add_what_args(p: argparse.ArgumentParser) -> None:
    """Where the manifest goes and which files are scanned."""
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
        help="only paths matching GLOB, gitignore syntax (repeatable; e.g. 'train/')",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths matching GLOB, gitignore syntax (repeatable; e.g. 'cache/', '!keep.jpg')",
    )
    p.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="also follow symlinks that lead outside DIR (by default they are skipped, with "
        "one warning; symlinks inside DIR are always followed)",
    )


def _add_analysis_args(p: argparse.ArgumentParser) -> None:
    """How the scan runs: depth and analysis settings, workers, caches, dataset layout."""
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


def _add_scaling_args(scale: Any) -> None:
    scale.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where images are analysed: the local process pool (default) or a Dask cluster",
    )
    scale.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="with --executor dask: a scheduler address (tcp://host:8786), or 'local' for a "
        "LocalCluster of --workers processes on this machine (default)",
    )


def _add_url_args(urls: Any) -> None:
    urls.add_argument(
        "--urls",
        metavar="FILE",
        type=Path,
        help="download and scan the URLs listed in FILE (.txt: one per line; .csv/.parquet: a "
        "'url' column); each URL becomes a record whose path is the URL",
    )
    urls.add_argument(
        "--save-to",
        metavar="DIR",
        type=Path,
        help="with --urls: keep the downloaded files in DIR as <sha256>.<ext>",
    )
    urls.add_argument(
        "--concurrency", type=int, default=16, help="downloads at once (default: %(default)s)"
    )
    urls.add_argument(
        "--per-host",
        type=int,
        default=4,
        help="downloads at once from one host (default: %(default)s)",
    )
    urls.add_argument(
        "--download-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time limit of one download attempt (default: %(default)s)",
    )
    urls.add_argument(
        "--max-bytes",
        default="256M",
        metavar="SIZE",
        help="refuse downloads and objects larger than SIZE (bytes, or with K/M/G; default: "
        "%(default)s)",
    )
    urls.add_argument(
        "--retries",
        type=int,
        default=3,
        help="retries of a download after a timeout, a connection error, HTTP 429 or 5xx, "
        "with exponential backoff (default: %(default)s)",
    )


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    """'1048576', '512K', '256M', '2G' (powers of 1024; a trailing 'B'/'iB' is allowed)."""
    raw = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = raw[-1:] if raw[-1:] in _UNITS else ""
    number = raw[: len(raw) - len(unit)].strip()
    try:
        value = int(float(number) * _UNITS[unit])
    except ValueError:
        raise UserError(
            f"--max-bytes {text!r}: not a size; use e.g. 52428800, 512K or 50M"
        ) from None
    if value < 1:
        raise UserError("--max-bytes must be positive")
    return value


def _check_args(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    if args.urls is not None and args.root is not None:
        raise UserError("pass either a folder/URL to scan or --urls FILE, not both")
    if args.urls is None and args.root is None:
        raise UserError("nothing to scan: pass a folder, a bucket URL, or --urls FILE")
    if args.save_to is not None and args.urls is None:
        raise UserError("--save-to keeps downloaded files: it needs --urls FILE")
    if args.scheduler is not None and args.executor != "dask":
        raise UserError("--scheduler needs --executor dask")


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.scan import api
    from imgeda_ci.scan.remote import is_remote

    _check_args(args)
    common: dict[str, Any] = {
        "depth": args.depth,
        "workers": args.workers,
        "caches": args.cache,
        "analysis_size": args.analysis_size,
        "max_pixels": args.max_pixels,
        "timeout": args.timeout,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if args.timestamp
        else None,
        "progress": not args.quiet,
        "executor": args.executor,
        "scheduler": args.scheduler or "local",
    }
    try:
        if args.urls is not None:
            from imgeda_ci.scan.download import Limits

            limits = Limits(
                concurrency=args.concurrency,
                per_host=args.per_host,
                timeout=args.download_timeout,
                max_bytes=parse_size(args.max_bytes),
                retries=args.retries,
            )
            stats = api.scan_urls(
                args.urls, Path(args.output), limits=limits, save_to=args.save_to, **common
            )
        elif is_remote(args.root):
            if args.files_from:
                raise UserError("--files-from lists local files; use --urls FILE for URLs")
            stats = api.scan_bucket(
                args.root,
                Path(args.output),
                include=args.include,
                exclude=args.exclude,
                dataset_format=args.dataset_format,
                max_bytes=parse_size(args.max_bytes),
                **common,
            )
        else:
            stats = api.scan_folder(
                Path(args.root),
                Path(args.output),
                files_from=args.files_from,
                include=args.include,
                exclude=args.exclude,
                use_git=not args.no_git,
                dataset_format=args.dataset_format,
                follow_symlinks=args.follow_symlinks,
                **common,
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
