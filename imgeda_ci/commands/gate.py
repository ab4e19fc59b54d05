"""imgeda-ci gate: judge a manifest against a policy; exit 0 pass, 2 policy failed, 1 cannot run."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from imgeda_ci.commands.common import JSON_OUT, POLICY_HELP, json_out_help
from imgeda_ci.errors import EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "gate",
        help="judge a manifest against a policy (exit 2 when it fails)",
        description="Run the checks on a manifest, compare them with the policy's limits, print "
        "a table (check, observed, allowed, pass/fail, sample paths) and exit 0 when the policy "
        "passes, 2 when it fails, 1 when the gate cannot run. Without -p the built-in defaults "
        "apply (error checks allow no finding; warnings never fail without --strict).",
    )
    p.add_argument("-m", "--manifest", default="manifest.jsonl", help="(default: %(default)s)")
    p.add_argument("-p", "--policy", help=POLICY_HELP)
    p.add_argument(
        JSON_OUT, "--json", dest="json", metavar="FILE", help=json_out_help("the verdict")
    )
    p.add_argument("--strict", action="store_true", help="warnings fail the gate too")
    p.add_argument(
        "--failures-only", action="store_true", help="print only the rows that did not pass"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.judge_files import judge_files, write_verdict
    from imgeda_ci.policy.discovery import policy_of
    from imgeda_ci.render.gate_table import gate_lines

    verdict = judge_files(args.manifest, policy_of(args), strict=args.strict)
    out = sys.stderr if args.json == "-" else sys.stdout
    for line in gate_lines(verdict, show_passing=not args.failures_only):
        print(line, file=out)
    if args.json:
        write_verdict(verdict, args.json)
    return EXIT_OK if verdict.passed else verdict.exit_code
