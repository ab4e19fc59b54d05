"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

- One ``reportingDescriptor`` (rule) per registered check, in registry order, with its
  description, default level and threshold; ``ruleIndex`` points into that list. Each rule has a
  ``name`` (the check id in PascalCase, as SARIF asks) and a ``helpUri`` (the README's checks
  table); the driver's ``informationUri`` is the project's homepage (``project.urls`` in
  pyproject.toml, read from the installed metadata).
- One result per cause (:mod:`imgeda_ci.render.causes`): the findings of several checks about
  the same images (a leaked near-copy is ``leakage``, ``near_duplicate`` and
  ``duplicate_of_base``) are one result under the most severe check's rule, whose message and
  ``properties.alsoFlaggedBy`` name the others. Its location is the image's path relative to
  the repository root (``uriBaseId: %SRCROOT%``) without a region: an image has no lines.
  Further paths of a finding (the other copy of a duplicate) are ``relatedLocations``; the
  message writes every path relative to the repository root too.
- ``partialFingerprints["imgedaFinding/v1"]`` is the finding's fingerprint (check + path), so
  code scanning tracks an alert across runs instead of opening a new one per commit.
- With a base, ``baselineState`` says whether the change introduced the finding (``new``) or it
  existed before (``unchanged``). Waived findings are kept with an external suppression carrying
  the waiver's reason.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, metadata
from typing import Any

from imgeda_ci import __version__
from imgeda_ci.checks.registry import all_checks
from imgeda_ci.render.causes import Cause, by_cause
from imgeda_ci.render.ranking import (
    SEVERITY_RANK,
    introduced_ids,
    repo_path,
    scan_root,
    shown_message,
)
from imgeda_ci.run_result import RunResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "imgedaFinding/v1"
#: When the package metadata is not there (running from a source tree that was not installed).
FALLBACK_HOMEPAGE = "https://github.com/OWNER/imgeda-ci"


@lru_cache(maxsize=1)
def homepage() -> str:
    """The project's ``Homepage`` URL from the installed package's metadata."""
    try:
        urls: list[str] = metadata("imgeda-ci").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "homepage" and url.strip():
            return url.strip()
    return FALLBACK_HOMEPAGE


def _rule_name(check_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part)


def _rules() -> list[dict[str, Any]]:
    rules = []
    for c in all_checks().values():
        props: dict[str, Any] = {"kind": c.kind, "tags": ["image-dataset", c.kind]}
        if c.default_threshold is not None:
            props["defaultThreshold"] = c.default_threshold
            if c.unit:
                props["unit"] = c.unit
        rules.append(
            {
                "id": c.id,
                "name": _rule_name(c.id),
                "shortDescription": {"text": c.description.split(":")[0].strip() or c.id},
                "fullDescription": {"text": c.description},
                "help": {"text": f"{c.description} Configure it in the policy as checks.{c.id}."},
                "helpUri": f"{homepage()}#checks",
                "defaultConfiguration": {"level": LEVEL.get(c.severity, "warning")},
                "properties": props,
            }
        )
    return rules


def _location(path: str, root: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(repo_path(path, root)), "uriBaseId": "%SRCROOT%"}
        }
    }


def _uri(path: str) -> str:
    """A relative URI reference: percent-encode what a URI cannot hold (spaces, %, #, ?)."""
    return re.sub(
        r"[^A-Za-z0-9\-._~/!$&'()*+,;=:@]",
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")),
        path,
    )


def _text(cause: Cause, root: str) -> str:
    f = cause.lead
    text = shown_message(f, root)
    if f.paths:
        text = f"{repo_path(f.path, root)}: {text}"
    also = cause.also_checks
    return f"{text} (also {', '.join(also)})" if also else text


def _result(cause: Cause, index: dict[str, int], root: str, new: set[int] | None) -> dict[str, Any]:
    f = cause.lead
    out: dict[str, Any] = {
        "ruleId": f.check,
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": _text(cause, root)},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    if f.check in index:
        out["ruleIndex"] = index[f.check]
    if f.paths:
        out["locations"] = [_location(f.path, root)]
        if len(f.paths) > 1:
            out["relatedLocations"] = [
                {"id": i, **_location(p, root)} for i, p in enumerate(f.paths[1:], start=1)
            ]
    if new is not None:
        out["baselineState"] = "new" if id(f) in new else "unchanged"
    if f.waived is not None:
        out["suppressions"] = [{"kind": "external", "justification": f.waived}]
    props: dict[str, Any] = {}
    if f.score is not None:
        props["score"] = round(f.score, 4)
    if isinstance(f.value, int | float | str):
        props["value"] = f.value
    if cause.also_checks:
        props["alsoFlaggedBy"] = list(cause.also_checks)
    if props:
        out["properties"] = props
    return out


def render_sarif(result: RunResult, *, root: str | None = None) -> dict[str, Any]:
    """The run as a SARIF 2.1.0 log (a dict; the caller serialises it).

    ``root``: the scanned folder relative to the repository (default: the manifest header's).
    """
    rules = _rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    base = scan_root(result, root)
    new = introduced_ids(result) if result.has_base else None
    # Unwaived before waived, then the most severe first: each cause is led by what matters most.
    findings = sorted(
        result.evaluation.findings,
        key=lambda f: (f.waived is not None, SEVERITY_RANK.get(f.severity, 3)),
    )
    results = [_result(c, index, base, new) for c in by_cause(findings)]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "imgeda-ci",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": homepage(),
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"imgeda-ci/{base or '.'}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
        "results": results,
        "invocations": [
            {
                "executionSuccessful": True,
                "exitCode": result.exit_code,
                "properties": {"passed": result.passed, "images": result.verdict.total},
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
