"""Judge files: a manifest file and a policy file in, a :class:`~imgeda_ci.verdict.Verdict` out.

The library form of the ``gate`` command. :func:`load_inputs` validates the policy (or takes
the built-in defaults) and reads the manifest once; :func:`judge_files` then evaluates
(:func:`~imgeda_ci.evaluate.evaluate`: what the checks found) and judges
(:func:`~imgeda_ci.verdict.judge`: pass or fail against the policy's limits);
:func:`write_verdict` writes the verdict as JSON. The ``check`` command uses
:func:`load_inputs` alone: it lists findings and judges nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson

from imgeda_ci import manifest
from imgeda_ci.evaluate import evaluate
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.outputs import write_output
from imgeda_ci.policy import Policy, load_policy
from imgeda_ci.verdict import Verdict, judge


def load_inputs(
    manifest_path: str | Path, policy_path: str | Path | None
) -> tuple[ManifestHeader | None, list[ImageRecord], Policy]:
    """Validate the policy first (cheap), then read the manifest."""
    policy = load_policy(policy_path)
    header, records = manifest.load(manifest_path)
    return header, records, policy


def judge_files(
    manifest_path: str | Path,
    policy_path: str | Path | None,
    *,
    strict: bool = False,
    base: Sequence[ImageRecord] | None = None,
) -> Verdict:
    """The verdict of the manifest at ``manifest_path`` under the policy at ``policy_path``."""
    header, records, policy = load_inputs(manifest_path, policy_path)
    ev = evaluate(records, policy, header=dict(header) if header else None, base=base)
    return judge(ev, strict=strict)


def write_verdict(verdict: Verdict, out: str) -> None:
    """Write ``verdict`` as indented JSON to the file ``out`` (atomically), or ``-`` = stdout."""
    write_output(out, orjson.dumps(verdict.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
