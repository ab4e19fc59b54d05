"""imgeda-ci plot: the report's charts as PNG or SVG files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from imgeda_ci.errors import EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "plot",
        help="write the report's charts as PNG or SVG files",
        description="Write the charts of the HTML report (dimensions, file size, aspect ratio, "
        "brightness, channel means, sharpness, contrast, borders, formats, modes, cameras, "
        "quality score, splits, class balance, objects per image, box sizes) as one file "
        "each, rendered offline. Charts without data are left out.",
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument("--base", metavar="MANIFEST", help="overlay a base manifest")
    p.add_argument("-p", "--policy", help="policy YAML, for the quality score (default: built-in)")
    p.add_argument("-o", "--output", default="plots", metavar="DIR", help="(default: %(default)s)")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="(default: png)")
    p.add_argument("--only", metavar="NAMES", help="comma-separated chart names, e.g. brightness")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.commands.report import load_result
    from imgeda_ci.render.plot import write_plots

    result = load_result(args.manifest, args.policy, args.base)
    only = {x.strip() for x in args.only.split(",") if x.strip()} if args.only else None
    paths = write_plots(result, Path(args.output), fmt=args.format, only=only)
    for path in paths:
        print(path)
    return EXIT_OK
