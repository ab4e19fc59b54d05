"""The README's checks table, generated from the registry.

``python -m imgeda_ci.checks.table --write README.md`` rewrites the text between
``<!-- checks-table:start -->`` and ``<!-- checks-table:end -->``; ``--check README.md`` exits 1
when it is out of date (a test does the same).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from imgeda_ci.checks.registry import all_checks

START = "<!-- checks-table:start -->"
END = "<!-- checks-table:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    lines = [
        "| check | kind | severity | default threshold | description |",
        "|---|---|---|---|---|",
    ]
    for c in all_checks().values():
        default = "" if c.default_threshold is None else f"{c.default_threshold:g}"
        if default and c.unit:
            default += f" ({c.unit})"
        opts = ""
        if c.options:
            opts = " Options: " + ", ".join(f"`{o.name}`" for o in c.options) + "."
        lines.append(
            f"| `{c.id}` | {c.kind} | {c.severity} | {_cell(default)} | "
            f"{_cell(c.description)}.{_cell(opts)} |"
        )
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    if START not in text or END not in text or text.index(START) > text.index(END):
        raise ValueError(f"markers {START} ... {END} not found")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m imgeda_ci.checks.table")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", metavar="README", help="rewrite the table in this file")
    g.add_argument("--check", metavar="README", help="exit 1 when the table is out of date")
    args = ap.parse_args(argv)
    block = markdown_table()
    target = args.write or args.check
    if not target:
        print(block)
        return 0
    path = Path(target)
    text = path.read_text(encoding="utf-8")
    new = replace_block(text, block)
    if args.check:
        if new != text:
            print(f"{path}: checks table out of date; run python -m imgeda_ci.checks.table "
                  f"--write {path}", file=sys.stderr)  # fmt: skip
            return 1
        return 0
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
