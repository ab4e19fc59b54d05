"""The policy's JSON Schema, generated from the check registry and the declared policy keys.

Published at ``imgeda_ci/schemas/policy.schema.json`` (shipped in the wheel) for editors (e.g.
``# yaml-language-server: $schema=...``). ``python -m imgeda_ci.policy.schema --write``
regenerates it after a check or policy key is added; a test keeps the file in sync and checks
that the schema and :mod:`imgeda_ci.policy`'s loader accept and refuse the same documents
(except what a schema cannot express: expiry against today's date, glob syntax, key clashes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from imgeda_ci.checks.registry import (
    SEVERITIES,
    Check,
    Option,
    OptionType,
    PolicyKey,
    all_checks,
    all_policy_keys,
)
from imgeda_ci.policy.enums import SPLIT_NAME_PATTERN, SPLIT_WORDS, key_option, option_choices
from imgeda_ci.policy.model import (
    CHECK_KEYS,
    INCREASE,
    MODES,
    OVERRIDE_KEYS,
    TOP_KEYS,
    VERSION,
    WAIVER_KEYS,
)

SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "policy.schema.json"
SCHEMA_ID = "https://imgeda-ci.dev/schemas/policy.schema.json"


def _typed(
    kind: OptionType, lo: float | None, hi: float | None, choices: Sequence[str] | None = None
) -> dict[str, Any]:
    if kind in ("number", "integer"):
        out: dict[str, Any] = {"type": kind}
        if lo is not None:
            out["minimum"] = lo
        if hi is not None:
            out["maximum"] = hi
        return out
    if kind == "boolean":
        return {"type": "boolean"}
    one = {"enum": list(choices)} if choices is not None else {"type": "string"}
    if kind == "string":
        return one
    return {"type": "array", "items": one}


def _option(o: Option) -> dict[str, Any]:
    s = _typed(o.type, o.minimum, o.maximum, option_choices(o))
    s["description"] = o.description
    return {"anyOf": [s, {"type": "null"}], "description": o.description}


def _check(c: Check, in_override: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": {"$ref": "#/$defs/severity"},
        "max_count": {"type": "integer", "minimum": 0},
        "max_pct": {"type": "number", "minimum": 0, "maximum": 100},
        "max_count_increase": {"type": "integer", "minimum": 0},
        "max_pct_increase": {"type": "number", "minimum": 0, "maximum": 100},
    }
    dataset_fixed = in_override and c.kind == "dataset"
    if c.default_threshold is not None and not dataset_fixed:
        lo, hi = c.threshold_range
        props["threshold"] = _typed("number", lo, hi)
        props["threshold"]["description"] = f"default {c.default_threshold:g} {c.unit}".strip()
    if c.options and not dataset_fixed:
        props["options"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {o.name: _option(o) for o in c.options},
        }
    body = {
        "type": "object",
        "description": c.description,
        "additionalProperties": False,
        "properties": props,
    }
    return {"anyOf": [body, {"const": False}, {"const": "off"}], "description": c.description}


def _checks_block(checks: Mapping[str, Check], in_override: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {cid: _check(c, in_override) for cid, c in checks.items()},
    }


def _globs() -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        ]
    }


def _check_ids(checks: Mapping[str, Check]) -> dict[str, Any]:
    return {
        "anyOf": [
            {"enum": [*checks, "*"]},
            {"type": "array", "minItems": 1, "items": {"enum": [*checks, "*"]}},
        ]
    }


def _overrides(checks: Mapping[str, Check]) -> dict[str, Any]:
    props = {"paths": _globs(), "path": _globs(), "checks": _checks_block(checks, True)}
    assert set(props) == set(OVERRIDE_KEYS)
    return {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": props,
            "required": ["checks"],
            "oneOf": [{"required": ["paths"]}, {"required": ["path"]}],
        },
    }


def _waivers(checks: Mapping[str, Check]) -> dict[str, Any]:
    props = {
        "path": _globs(),
        "paths": _globs(),
        "check": _check_ids(checks),
        "checks": _check_ids(checks),
        "reason": {"type": "string", "minLength": 1, "pattern": "\\S"},
        "expires": {"type": "string", "format": "date"},
    }
    assert set(props) == set(WAIVER_KEYS)
    return {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": props,
            "required": ["reason"],
            "allOf": [
                {"oneOf": [{"required": ["path"]}, {"required": ["paths"]}]},
                {"oneOf": [{"required": ["check"]}, {"required": ["checks"]}]},
            ],
        },
    }


def _key_props(keys: Iterable[PolicyKey], checks: Mapping[str, Check]) -> dict[str, Any]:
    """The declared top-level keys, each followed by its ``_increase`` form if it has one."""
    props: dict[str, Any] = {}
    for k in keys:
        s = _typed(k.type, k.minimum, k.maximum, option_choices(key_option(k, checks)))
        s["description"] = k.description
        props[k.name] = s
        if k.sets in ("max_pct", "max_count"):
            pct = k.sets == "max_pct"
            inc = _typed("number" if pct else "integer", 0, 100 if pct else None)
            inc["description"] = (
                f"relative form of {k.name}: the head may exceed the base branch by at most this"
            )
            props[k.name + INCREASE] = inc
    return props


def build_schema() -> dict[str, Any]:
    checks = all_checks()
    props: dict[str, Any] = {
        "version": {"const": VERSION},
        "mode": {"enum": list(MODES), "description": "how findings are judged"},
        "splits": {
            "type": "object",
            "description": "split name -> globs of its images (for the leakage checks); a "
            "name holds a split word: " + ", ".join(SPLIT_WORDS),
            "propertyNames": {"pattern": SPLIT_NAME_PATTERN},
            "additionalProperties": _globs(),
        },
        "checks": _checks_block(checks, False),
        "overrides": _overrides(checks),
        "waivers": _waivers(checks),
    }
    assert set(props) == set(TOP_KEYS)
    props.update(_key_props(all_policy_keys().values(), checks))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "imgeda-ci policy",
        "description": "Quality gate policy for image datasets (imgeda-ci). imgeda's policy keys "
        "are accepted unchanged. Check settings: " + ", ".join(CHECK_KEYS) + ".",
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": props,
        "$defs": {"severity": {"enum": [*SEVERITIES, "off", False]}},
    }


def render() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m imgeda_ci.policy.schema")
    ap.add_argument("--write", action="store_true", help=f"rewrite {SCHEMA_PATH.name}")
    ap.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH}: out of date; run python -m imgeda_ci.policy.schema --write",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    if args.write:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
