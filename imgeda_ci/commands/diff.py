"""imgeda-ci diff: what changed between two manifests."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from imgeda_ci import manifest
from imgeda_ci.commands.common import JSON_OUT, json_out_help
from imgeda_ci.errors import EXIT_OK, UserError
from imgeda_ci.outputs import human_stream, write_output


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "diff",
        help="compare two manifests (base vs head)",
        description="Compare a base manifest with a head manifest: added, removed, modified "
        "and renamed images (by content and path), dataset deltas and distribution shift.",
    )
    p.add_argument("--old", required=True, metavar="BASE", help="the base manifest")
    p.add_argument("--new", required=True, metavar="HEAD", help="the head manifest")
    p.add_argument(
        JSON_OUT, "--out", dest="out", metavar="FILE", help=json_out_help("the full diff")
    )
    p.add_argument("--limit", type=int, default=10, help="paths listed per kind (default 10)")
    p.set_defaults(func=run)
    return p


def summary_lines(d: Any, limit: int) -> list[str]:
    lines = [
        f"added {len(d.added)}, removed {len(d.removed)}, modified {len(d.modified)}, renamed "
        f"{len(d.renamed)}, unchanged {d.unchanged}"
    ]
    for kind in ("added", "removed", "modified"):
        paths = getattr(d, kind)
        for p in paths[:limit]:
            lines.append(f"  {kind[0].upper()} {p}")
        if len(paths) > limit:
            lines.append(f"  ... and {len(paths) - limit} more {kind}")
    for a, b in d.renamed[:limit]:
        lines.append(f"  R {a} -> {b}")
    if len(d.renamed) > limit:
        lines.append(f"  ... and {len(d.renamed) - limit} more renamed")
    lines.append("distribution shift (KS distance, PSI):")
    for name, s in d.shift.items():
        if s.ks is None:
            continue
        psi = "n/a" if s.psi is None else f"{s.psi:.3f}"
        lines.append(
            f"  {name:13s} median {s.base_median} -> {s.head_median}, KS {s.ks:.3f}, PSI {psi} "
            f"({s.level})"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.diff import diff

    if args.limit < 0:
        raise UserError("--limit must be 0 or more")
    _, base = manifest.load(args.old, strict=True)
    _, head = manifest.load(args.new)
    d = diff(base, head)
    people = human_stream(args.out)
    for line in summary_lines(d, args.limit):
        print(line, file=people)
    if args.out:
        data = orjson.dumps(d.to_json(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        write_output(args.out, data)
    return EXIT_OK
