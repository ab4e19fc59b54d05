"""imgeda-ci ci: the one command a CI job runs."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from imgeda_ci.commands.common import POLICY_HELP
from imgeda_ci.errors import UserError

OUTPUT_FLAGS = ("report", "comment", "summary", "sarif", "junit", "json")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "ci",
        help="scan, compare with the base branch, gate and write every output (exit 2 = failed)",
        description="Scan the dataset (incrementally: unchanged images are reused by git blob id "
        "or content hash), build the base branch's manifest (from a file, a manifest committed "
        "at the base ref, or the base commit's tree read straight from git), diff, judge against "
        "the policy (mode: absolute or new-only) and write the requested outputs.",
    )
    p.add_argument("path", metavar="PATH", help="the dataset folder")
    p.add_argument("-p", "--policy", type=Path, help=POLICY_HELP)
    base = p.add_mutually_exclusive_group()
    base.add_argument("--base-ref", metavar="REF", help="git ref of the base branch/commit")
    base.add_argument("--base-manifest", type=Path, metavar="FILE", help="the base's manifest")
    p.add_argument(
        "--manifest-out",
        type=Path,
        default=Path(".imgeda-ci/manifest.jsonl"),
        help="the head manifest (reused as a cache when it exists; default: %(default)s)",
    )
    p.add_argument("--cache", action="append", default=[], type=Path, metavar="MANIFEST",
                   help="more manifests whose records may be reused (repeatable)")  # fmt: skip
    verdicts = p.add_mutually_exclusive_group()
    verdicts.add_argument(
        "--verdicts",
        type=Path,
        metavar="FILE",
        help="the near-copy verdicts kept between runs, so that a run verifies only the pairs a "
        "change made (default: beside --manifest-out, manifest.verdicts; keep it with the "
        "manifest: commit it or cache it)",
    )
    verdicts.add_argument(
        "--no-verdicts", action="store_true", help="neither read nor write the verdict file"
    )
    for kind, what in (
        ("report", "the self-contained HTML report"),
        ("comment", "the PR comment (Markdown)"),
        ("summary", "the job summary (Markdown)"),
        ("sarif", "SARIF 2.1.0 for code scanning"),
        ("junit", "JUnit XML"),
        ("json", "the full result as JSON"),
    ):
        p.add_argument(
            f"--{kind}-out", type=Path, metavar="FILE", help=f"write {what} ('-' = stdout)"
        )
    p.add_argument(
        "--annotations",
        action="store_true",
        help="print GitHub workflow commands (::error/::warning) for top findings",
    )
    p.add_argument("--report-url", help="link to the report (artifact URL) in comment/summary")
    p.add_argument("--strict", action="store_true", help="warnings fail the gate too")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument(
        "--format",
        dest="dataset_format",
        default=None,
        help="dataset layout (yolo, coco, voc, classification, flat); default: detect",
    )
    p.add_argument("--include", action="append", default=[], metavar="GLOB")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    p.add_argument("--no-git", action="store_true", help="do not use git blob ids for reuse")
    p.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="also follow symlinks that lead outside PATH (by default they are skipped, with "
        "one warning)",
    )
    p.add_argument("--timestamp", action="store_true", help="stamp the report with the time")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci import base_evaluator
    from imgeda_ci.ci import CiOptions, run_ci, write_outputs
    from imgeda_ci.dupes.verdictfile import path_beside
    from imgeda_ci.outputs import human_stream, one_stdout
    from imgeda_ci.policy.discovery import choose_policy
    from imgeda_ci.render.gate_table import gate_lines

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    policy, said = choose_policy(args.policy, Path(args.path))
    outputs = {k: getattr(args, f"{k}_out") for k in OUTPUT_FLAGS if getattr(args, f"{k}_out")}
    one_stdout(
        {f"--{k}-out": v for k, v in outputs.items()},
        prints=["--annotations"] if args.annotations else [],
    )
    people = human_stream(*outputs.values())
    opts = CiOptions(
        path=Path(args.path),
        policy=policy,
        base_ref=args.base_ref,
        base_manifest=args.base_manifest,
        manifest_out=args.manifest_out,
        verdicts=None if args.no_verdicts else args.verdicts or path_beside(args.manifest_out),
        caches=args.cache,
        strict=args.strict,
        workers=args.workers,
        dataset_format=args.dataset_format,
        include=args.include,
        exclude=args.exclude,
        use_git=not args.no_git,
        follow_symlinks=args.follow_symlinks,
        progress=not args.quiet,
        outputs=outputs,
        annotations=args.annotations,
        report_url=args.report_url,
        timestamp=dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if args.timestamp else None,
    )
    print(f"imgeda-ci: {said}", file=sys.stderr)
    result = run_ci(opts, base_evaluator.default())
    args.keep(result)  # two manifests' records: the console script ends without freeing them
    scan = result.scan
    print(
        f"scanned {scan['images']} images: analysed {scan['analysed']}, reused {scan['reused']}"
        + (f"; base: {scan['base']}" if scan.get("base") else "; no base"),
        file=sys.stderr,
    )
    if result.diff is not None:
        s = result.diff.to_json()["summary"]
        print(
            f"change: added {s['added']}, removed {s['removed']}, modified {s['modified']}, "
            f"renamed {s['renamed']}; findings introduced {len(result.introduced)}, resolved "
            f"{len(result.resolved)}, existing {len(result.existing)} (mode: {result.mode})",
            file=people,
        )
    for line in gate_lines(result.verdict, show_passing=False):
        print(line, file=people)
    write_outputs(result, opts)
    return result.exit_code
