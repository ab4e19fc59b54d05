"""imgeda-ci demo: generate the demo dataset and run the main job on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from imgeda_ci.errors import EXIT_OK, UserError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="make a demo dataset with planted problems and run imgeda-ci on it",
        description="Write a small demo dataset (train/test photos with one of each problem "
        "imgeda-ci finds: corrupt, truncated, dark, overexposed, blurred, duplicated, "
        "near-duplicated, tiny, odd aspect ratio, GPS EXIF, wrong extension, train/test "
        "leakage) into DIR and run the main job on it. The demo 'fails' on purpose: it exits 0 "
        "when imgeda-ci ran and found the planted problems.",
    )
    p.add_argument(
        "dir",
        nargs="?",
        default="imgeda-demo",
        metavar="DIR",
        help="where to write the dataset and outputs (default: %(default)s)",
    )
    p.add_argument("--only-create", action="store_true", help="write the dataset and stop")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.demo.dataset import PLANTED, make_demo

    root = Path(args.dir)
    data = root / "dataset"
    if data.exists() and any(data.iterdir()) and not (data / "train" / "photo_000.jpg").exists():
        raise UserError(f"{data}: exists and is not a demo dataset; pick another DIR")
    written = make_demo(data)
    print(f"demo dataset: {len(written)} images in {data} ({len(PLANTED)} with planted problems)")
    if args.only_create:
        return EXIT_OK
    from imgeda_ci.demo.job import run_demo_job

    code = run_demo_job(data, root)
    print(
        f"\nThe demo dataset fails the policy on purpose (exit code {code} of the gate). "
        f"Outputs are in {root}/.",
        file=sys.stderr,
    )
    return EXIT_OK
