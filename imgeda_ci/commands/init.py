"""imgeda-ci init: set a git repository up (policy, workflow, pre-commit hook); see
:mod:`imgeda_ci.setup_repo`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imgeda_ci.errors import EXIT_OK, UserError

Input = Callable[[str], str]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "init",
        help="set a repository up: starter policy, workflow, pre-commit hook",
        description="In a git repository: find the dataset folder (the top-level folder with "
        "the most images) and its format, scan it, and write imgeda-ci.yml (today's findings "
        "become waivers expiring in 90 days, or --baseline new-only), "
        ".github/workflows/imgeda-ci.yml (the Action on every pull request) and the dataset "
        "hook in .pre-commit-config.yaml (merged into an existing one). On a terminal it asks; "
        "--yes asks nothing and never overwrites a file (--force does).",
    )
    p.add_argument("--dataset", metavar="DIR", help="the dataset folder, relative to the root")
    p.add_argument(
        "--baseline",
        choices=("waivers", "new-only"),
        help="today's findings: waived for 90 days (default) or, with new-only, only what a "
        "change introduces fails",
    )
    p.add_argument("-y", "--yes", action="store_true", help="ask nothing (for scripts)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument(
        "--action",
        metavar="OWNER/REPO@REF",
        help="the Action the workflow uses (pin it to a full commit SHA)",
    )
    p.set_defaults(func=run)
    return p


def ask_text(question: str, default: str, read: Input = input) -> str:
    """The answer to ``question``; an empty answer is ``default``."""
    answer = read(f"{question} [{default}]: ").strip()
    return answer or default


def ask_yes(question: str, default: bool, read: Input = input) -> bool:
    """Yes or no; an empty (or unclear) answer is ``default``."""
    answer = read(f"{question} [{'Y/n' if default else 'y/N'}]: ").strip().lower()
    if answer in ("y", "yes"):
        return True
    if answer in ("n", "no"):
        return False
    return default


def ask_choice(question: str, choices: tuple[str, ...], read: Input = input) -> str:
    """One of ``choices`` (the first is the default); asked again on another answer."""
    while True:
        answer = ask_text(f"{question} ({'/'.join(choices)})", choices[0], read)
        if answer in choices:
            return answer
        print(f"  please answer one of: {', '.join(choices)}", file=sys.stderr)


def choose_folder(root: Path, given: str | None, read: Input | None) -> str:
    """The dataset folder: ``--dataset``, else asked (on a terminal), else the one with the
    most images."""
    from imgeda_ci.setup_repo import dataset_folders

    folders = dataset_folders(root)
    if not folders:
        raise UserError(
            f"{root}: no images found in the repository (tracked or not, ignored files left "
            "out): add the dataset's images, or pass --dataset DIR, and run 'imgeda-ci init' again"
        )
    if given is None and read is not None:
        listed = ", ".join(f"{f} ({n} images)" for f, n in folders[:5])
        print(f"image folders: {listed}")
        given = ask_text("dataset folder", folders[0][0], read)
    folder = given or folders[0][0]
    where = (root / folder).resolve()
    if not where.is_dir() or not where.is_relative_to(root.resolve()):
        raise UserError(
            f"--dataset {folder}: no such folder in the repository {root}: name a folder "
            "relative to its root"
        )
    return where.relative_to(root.resolve()).as_posix()


def run(args: argparse.Namespace, read: Input | None = None) -> int:
    import datetime as dt

    from imgeda_ci import setup_repo as s

    root = s.repository_root(Path.cwd())
    if args.action is not None and not s.ACTION_REF.fullmatch(args.action):
        raise UserError(
            f"--action {args.action}: not an action reference: write OWNER/REPO@REF, e.g. "
            "OWNER/imgeda-ci@<full commit SHA>"
        )
    if read is None and not args.yes and sys.stdin.isatty():
        read = input
    folder = choose_folder(root, args.dataset, read)
    baseline = args.baseline or (
        ask_choice("today's findings", s.BASELINES, read) if read is not None else s.BASELINES[0]
    )
    found = s.survey(root, folder)
    if found.images == 0:
        raise UserError(
            f"{folder}: no images found: add the dataset's images, or pass --dataset DIR, and "
            "run 'imgeda-ci init' again"
        )
    waived = sum(len(p) for p in found.findings.values())
    print(
        f"dataset: {folder} ({found.images} images, {found.format} layout); "
        f"{waived} finding(s) today in {len(found.findings)} check(s)"
    )
    ask = (lambda q, d: ask_yes(q, d, read)) if read is not None else None
    writer = s.Writer(root, force=args.force, ask=ask)
    writer.precommit(folder)  # first: a config it cannot read stops init before any write
    policy = s.policy_text(found, baseline, dt.date.today())
    writer.write(s.POLICY, policy)
    writer.write(s.WORKFLOW, s.workflow_text(folder, args.action or s.ACTION))
    for line in writer.said:
        print(line)
    if not found.passes(policy):
        print(
            f"note: without a base to compare with (the dataset hook, 'imgeda-ci gate') the "
            f"policy fails today's {folder}: fix what 'imgeda-ci gate' lists"
            + (
                " (the workflow judges only what a pull request changes)"
                if baseline == "new-only"
                else ""
            )
        )
    print(
        "next: review the files, 'git add' them and commit; the hook writes "
        f"{s.manifest_of(folder)} on the first commit ('pre-commit install' to run it)"
    )
    return EXIT_OK
