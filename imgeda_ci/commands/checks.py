"""imgeda-ci checks: list the registered checks (id, kind, default severity/threshold, text)."""

from __future__ import annotations

import argparse
from typing import Any

from imgeda_ci.errors import EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "checks",
        help="list the checks and their defaults",
        description="List every registered check with its default severity and threshold.",
    )
    p.add_argument("--markdown", action="store_true", help="print the README's Markdown table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.checks.registry import all_checks

    if args.markdown:
        from imgeda_ci.checks.table import markdown_table

        print(markdown_table())
        return EXIT_OK
    from imgeda_ci.render.gate_table import checks_lines

    for line in checks_lines(list(all_checks().values())):
        print(line)
    return EXIT_OK
