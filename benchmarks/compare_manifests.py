#!/usr/bin/env python3
"""Compare two scan manifests record by record: did a change of the scan's code change any value?

Run by hand (never in the test suite):

    python benchmarks/compare_manifests.py OLD.jsonl NEW.jsonl [OLD2 NEW2 ...]

Records are matched by ``path``; every field of every record is compared (nested values as a
whole). Of the header only ``created`` (the run's time stamp) is ignored: the scan writes no other
timing or run field. Prints, per pair, the records compared, the paths found in one manifest
only, and each field that differs with its count and a first example; exits 1 when anything
differs.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

IGNORED_HEADER = frozenset({"created"})


def _read(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    lines = path.read_bytes().splitlines()
    head = orjson.loads(lines[0])
    records = {}
    for line in lines[1:]:
        rec = orjson.loads(line)
        records[rec["path"]] = rec
    return head, records


def compare(old: Path, new: Path) -> bool:
    """Print the differences of ``new`` from ``old``; True when there are none."""
    head_a, recs_a = _read(old)
    head_b, recs_b = _read(new)
    diffs: Counter[str] = Counter()
    example: dict[str, str] = {}
    for key in (set(head_a) | set(head_b)) - IGNORED_HEADER:
        if head_a.get(key) != head_b.get(key):
            diffs[f"header.{key}"] += 1
    for path in recs_a.keys() & recs_b.keys():
        a, b = recs_a[path], recs_b[path]
        for key in a.keys() | b.keys():
            if a.get(key) != b.get(key):
                diffs[key] += 1
                example.setdefault(key, f"{path}: {a.get(key)!r} -> {b.get(key)!r}"[:200])
    only = len(recs_a.keys() ^ recs_b.keys())
    print(f"{old.name} vs {new.name}: {len(recs_a.keys() & recs_b.keys())} records compared, "
          f"{only} paths in one only, {sum(diffs.values())} differing values")  # fmt: skip
    for key, count in diffs.most_common():
        print(f"  {key}: {count} ({example.get(key, '')})")
    return not diffs and not only


def main() -> None:
    args = [Path(a) for a in sys.argv[1:]]
    if not args or len(args) % 2:
        sys.exit("usage: compare_manifests.py OLD NEW [OLD NEW ...]")
    same = [compare(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    sys.exit(0 if all(same) else 1)


if __name__ == "__main__":
    main()
