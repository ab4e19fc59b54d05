"""imgeda-ci report: the self-contained HTML report of a manifest (and its base)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from imgeda_ci.commands.common import POLICY_HELP
from imgeda_ci.errors import EXIT_OK, UserError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write the self-contained HTML report",
        description="Judge a manifest against a policy and write one HTML file that works "
        "offline: the verdict and policy table, what the change introduced and resolved "
        "against a base manifest, distributions (with the base overlaid), duplicate groups, "
        "flagged images and a searchable table of every image. The output is deterministic "
        "(no timestamp unless --timestamp). Exit 0 when the report was written, whatever the "
        "verdict ('gate' and 'ci' fail the pipeline).",
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument("--base", metavar="MANIFEST", help="the base branch's manifest to compare with")
    p.add_argument("-p", "--policy", help=POLICY_HELP)
    p.add_argument(
        "--images",
        metavar="DIR",
        help="the scanned folder, for thumbnails of flagged and duplicated images "
        "(default: none; the report works without)",
    )
    p.add_argument("-o", "--output", default="report.html", help="(default: %(default)s)")
    p.add_argument("--strict", action="store_true", help="warnings fail the verdict too")
    p.add_argument(
        "--timestamp", action="store_true", help="print the time of making in the report"
    )
    p.set_defaults(func=run)
    return p


def load_result(
    manifest_path: str,
    policy_path: str | Path | None,
    base_path: str | None,
    *,
    strict: bool = False,
) -> Any:
    """Load the inputs and build the RunResult (shared by ``report`` and ``plot``)."""
    from imgeda_ci import manifest
    from imgeda_ci.policy import load_policy
    from imgeda_ci.run_result import build_result

    policy = load_policy(policy_path)
    header, records = manifest.load(manifest_path)
    base_header, base_records = manifest.load(base_path, strict=True) if base_path else (None, None)
    return build_result(
        records,
        policy,
        header=header,
        base_records=base_records,
        base_header=base_header,
        strict=strict,
    )


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.manifest import atomic_writer
    from imgeda_ci.policy.discovery import policy_of
    from imgeda_ci.render.html import render_html

    images = Path(args.images) if args.images else None
    if images is not None and not images.is_dir():
        raise UserError(f"--images {images}: not a folder")
    result = load_result(args.manifest, policy_of(args), args.base, strict=args.strict)
    stamp = None
    if args.timestamp:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data = render_html(result, images_root=images, timestamp=stamp).encode("utf-8")
    with atomic_writer(args.output) as fh:
        fh.write(data)
    verdict = "passed" if result.passed else "FAILED"
    print(
        f"wrote {args.output} ({len(data) / 1e6:.1f} MB): {len(result.records)} images, {verdict}"
    )
    return EXIT_OK
