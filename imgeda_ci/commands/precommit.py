"""imgeda-ci precommit: the pre-commit hooks (staged images one by one, or the whole dataset)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from imgeda_ci.errors import UserError


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "precommit",
        help="pre-commit hook: check staged images, or refresh the manifest and gate",
        description="With FILES (what pre-commit passes for staged images): check each file on "
        "its own for problems that need no other image (unreadable, truncated, empty, too "
        "small, GPS or identity EXIF) and, with --manifest, for copies of images already in "
        "that committed manifest (same bytes, same pixels, or a near copy by perceptual hash). "
        "Exit 1 when a finding of --fail-on severity or worse is found. With --dataset DIR: "
        "rescan DIR into --manifest (unchanged images are reused) and gate it with the policy "
        "(exit 2 when the policy fails).",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="staged image files")
    p.add_argument("-m", "--manifest", help="the committed manifest (JSONL)")
    p.add_argument("-p", "--policy", help="policy YAML (default: the built-in defaults)")
    p.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="warning",
        help="lowest severity that refuses the commit (default: %(default)s)",
    )
    p.add_argument("--dataset", metavar="DIR", help="refresh --manifest from DIR and gate it")
    p.add_argument("--strict", action="store_true", help="with --dataset: warnings fail too")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if args.dataset:
        from imgeda_ci.integrations.precommit_dataset import run_dataset

        _check_dataset_args(args)
        code, lines = run_dataset(
            args.dataset, args.manifest, policy_path=args.policy, strict=args.strict
        )
        for line in lines:
            print(line)
        return code
    if not args.files:
        raise UserError(
            "imgeda-ci precommit got no files and no --dataset: in .pre-commit-config.yaml use "
            "hook id imgeda-ci-images (pre-commit passes it the staged images) or give "
            "imgeda-ci-dataset args: [--dataset DIR, --manifest DIR/manifest.jsonl]"
        )
    from imgeda_ci.integrations.precommit import check_files

    result = check_files(
        args.files, manifest_path=args.manifest, policy_path=args.policy, fail_on=args.fail_on
    )
    for line in result.lines():
        print(line, file=sys.stdout)
    return result.exit_code


def _check_dataset_args(args: argparse.Namespace) -> None:
    """One-line errors for a misconfigured dataset hook."""
    if args.files:
        raise UserError(
            f"--dataset {args.dataset} takes no FILE arguments (got {args.files[0]}, ...): in "
            ".pre-commit-config.yaml give --dataset to hook id imgeda-ci-dataset "
            "(pass_filenames: false), not to imgeda-ci-images"
        )
    if not args.manifest:
        raise UserError(
            f"--dataset {args.dataset} needs --manifest: in .pre-commit-config.yaml write "
            f"args: [--dataset {args.dataset}, --manifest {args.dataset}/manifest.jsonl]"
        )
    if not os.path.isdir(args.dataset):
        raise UserError(
            f"--dataset {args.dataset}: no such folder (relative to the repository root): fix "
            "the --dataset argument of hook imgeda-ci-dataset in .pre-commit-config.yaml"
        )
