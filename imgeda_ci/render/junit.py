"""JUnit XML for GitLab, Jenkins and other CI test reports.

One ``testsuite`` (imgeda-ci), one ``testcase`` per verdict row: a check in a scope, or a
multi-check policy limit. A row that fails the gate (an ``error`` check over its limit, or a
``warning`` one under ``--strict``) is a ``<failure>`` whose text lists the images and messages;
a limit whose checks are not installed is ``<skipped>``; warnings that do not fail the gate and
info rows pass, with their findings in ``<system-out>``. Characters XML 1.0 cannot hold (control
characters in a file name) are replaced, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from imgeda_ci.evaluate import FindingResult
from imgeda_ci.run_result import RunResult
from imgeda_ci.verdict import LimitResult

MAX_LISTED = 1000  # findings listed per test case; the rest are counted
_INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: object) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", str(text))


def _one_line(text: str) -> str:
    return text.replace("\r", "\u240d").replace("\n", "\u240a")


def _fails(r: LimitResult, strict: bool) -> bool:
    return r.status == "fail" or (strict and r.status == "warn")


def _listing(r: LimitResult, findings: Sequence[FindingResult]) -> str:
    lines = [f"{r.name}: {r.reason}"]
    for f in findings[:MAX_LISTED]:
        where = f.path if f.paths else "(dataset)"
        lines.append(_one_line(f"{where}: {f.message}"))
    if len(findings) > MAX_LISTED:
        lines.append(f"... and {len(findings) - MAX_LISTED} more")
    return xml_text("\n".join(lines))


def _findings_of(r: LimitResult, result: RunResult) -> list[FindingResult]:
    judged = result.verdict.findings
    members = set(r.checks)
    if r.kind == "group":
        found = [f for f in judged if f.check in members]
    else:
        scope = -1
        if r.scope:
            labels = [o.label for o in result.policy.overrides]
            scope = labels.index(r.scope) if r.scope in labels else -2
        found = [f for f in judged if f.check in members and f.scope == scope]
    return sorted((f for f in found if f.waived is None), key=lambda f: (f.path, f.check))


def render_junit(result: RunResult) -> str:
    """The verdict as a JUnit XML document (a string with an XML declaration)."""
    v = result.verdict
    suites = ET.Element("testsuites", name="imgeda-ci")
    suite = ET.SubElement(suites, "testsuite", name="imgeda-ci")
    failures = skipped = 0
    for r in v.limits:
        name = r.name + (f" [{r.scope}]" if r.scope else "")
        case = ET.SubElement(
            suite, "testcase", name=xml_text(name), classname=f"imgeda-ci.{r.kind}", time="0"
        )
        found = _findings_of(r, result)
        if r.status == "skipped":
            skipped += 1
            ET.SubElement(case, "skipped", message=xml_text(r.reason))
        elif _fails(r, v.strict):
            failures += 1
            fail = ET.SubElement(
                case, "failure", message=xml_text(r.reason), type=f"imgeda-ci.{r.severity}"
            )
            fail.text = _listing(r, found)
        elif found:
            out = ET.SubElement(case, "system-out")
            out.text = _listing(r, found)
    for el in (suites, suite):
        el.set("tests", str(len(v.limits)))
        el.set("failures", str(failures))
        el.set("errors", "0")
        el.set("skipped", str(skipped))
        el.set("time", "0")
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
