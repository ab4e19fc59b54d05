"""imgeda-ci check: list the findings per image of a manifest, as a table or JSON."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imgeda_ci.commands.common import JSON_OUT, POLICY_HELP, json_out_help
from imgeda_ci.errors import EXIT_OK, UserError

if TYPE_CHECKING:
    from imgeda_ci.evaluate import Evaluation, FindingResult


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="list the findings per image",
        description="Run the checks on a manifest and list what each image was flagged for, "
        "with its quality score. Never fails on findings (that is the gate's job).",
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument("-p", "--policy", help=POLICY_HELP)
    p.add_argument("--only", metavar="IDS", help="comma-separated check ids, e.g. dark,blurry")
    p.add_argument(JSON_OUT, metavar="FILE", help=json_out_help("the findings"))
    p.add_argument("--json", action="store_true", help=f"the same as {JSON_OUT} -")
    p.add_argument("--include-info", action="store_true", help="also list info-severity findings")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.evaluate import evaluate
    from imgeda_ci.judge_files import load_inputs
    from imgeda_ci.outputs import write_output
    from imgeda_ci.policy.discovery import policy_of
    from imgeda_ci.render.gate_table import findings_lines

    only = _only(args.only) if args.only else None
    header, records, policy = load_inputs(args.manifest, policy_of(args))
    ev = evaluate(records, policy, header=header, only=only)
    findings = [f for f in ev.findings if args.include_info or f.severity != "info"]
    target = args.json_out or ("-" if args.json else None)
    if target is not None:
        write_output(target, _json(ev, findings))
    if target != "-":
        for line in findings_lines(ev, findings):
            print(line)
    return EXIT_OK


def _only(arg: str) -> list[str]:
    """The check ids of ``--only``; an unknown id is refused with the closest known one."""
    from imgeda_ci.checks.registry import all_checks
    from imgeda_ci.policy import suggestion

    only = [s.strip() for s in arg.split(",") if s.strip()]
    known = all_checks()
    for cid in only:
        if cid not in known:
            best = suggestion(cid, list(known))
            hint = f"did you mean {best}?" if best else "run 'imgeda-ci checks' for the list"
            raise UserError(f"--only: unknown check id {cid!r}; {hint}")
    return only


def _json(ev: Evaluation, findings: Sequence[FindingResult]) -> bytes:
    """The ``--json`` document: the findings, the flagged images' scores, the quality summary."""
    import orjson

    q = ev.quality_of()
    flagged = {f.path for f in findings}
    doc = {
        "total_images": ev.total,
        "findings": [f.to_json() for f in findings],
        "images": [{"path": p, "quality": q.get(p)} for p in ev.paths if p in flagged],
        "quality": ev.quality_summary(),
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
