"""The gate as a library call: manifest + policy file -> :class:`~imgeda_ci.verdict.Verdict`.

``run_gate(manifest_path, policy_path, strict=...)`` loads the manifest once, validates the
policy (or takes the built-in defaults), evaluates and judges. The CLI's ``gate`` command, the
GitHub Action and the report renderers call this (or :func:`load_inputs` + ``evaluate`` +
``judge`` when they need the pieces).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from imgeda_ci import manifest
from imgeda_ci.errors import UserError
from imgeda_ci.evaluate import evaluate
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.policy import Policy, default_policy, load_policy
from imgeda_ci.verdict import Verdict, judge


def load_inputs(
    manifest_path: str | Path, policy_path: str | Path | None
) -> tuple[ManifestHeader | None, list[ImageRecord], Policy]:
    """Validate the policy first (cheap), then read the manifest."""
    policy = load_policy(policy_path) if policy_path else default_policy()
    header, records = manifest.load(manifest_path)
    return header, records, policy


def run_gate(
    manifest_path: str | Path,
    policy_path: str | Path | None,
    *,
    strict: bool = False,
    base: Sequence[ImageRecord] | None = None,
) -> Verdict:
    header, records, policy = load_inputs(manifest_path, policy_path)
    ev = evaluate(records, policy, header=dict(header) if header else None, base=base)
    return judge(ev, strict=strict)


def write_json(verdict: Verdict, out: str) -> None:
    data = orjson.dumps(verdict.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
    if out == "-":
        sys.stdout.buffer.write(data)
        return
    with manifest.atomic_writer(out) as fh:
        fh.write(data)


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return verdict.to_json()


__all__ = ["UserError", "load_inputs", "run_gate", "verdict_json", "write_json"]
