from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from imgeda_ci.render.junit import render_junit
from imgeda_ci.run_result import RunResult
from tests.render.results import result_for


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("junit"), hostile=True)


def test_one_testcase_per_check_and_failures_list_images(result: RunResult) -> None:
    root = ET.fromstring(render_junit(result))  # parses: control characters were replaced
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(result.verdict.limits) == int(suite.get("tests", "-1"))
    by_name = {c.get("name"): c for c in cases}
    failure = by_name["truncated"].find("failure")
    assert failure is not None and failure.text is not None
    assert "train/truncated.jpg" in failure.text
    assert "observed 5" in (failure.get("message") or "")
    assert "line\u240abreak" in failure.text  # a newline in a file name does not split lines
    assert by_name["blurry"].find("failure") is None
    # a warning is not a failure without --strict, and lists its images in system-out
    gps = by_name["gps_location"]
    assert gps.find("failure") is None
    out = gps.find("system-out")
    assert out is not None and "train/gps.jpg" in (out.text or "")
    assert int(suite.get("failures", "-1")) == len(result.verdict.failed)


def test_strict_makes_warnings_failures(tmp_path_factory: pytest.TempPathFactory) -> None:
    from imgeda_ci.run_result import build_result

    base = result_for(tmp_path_factory.mktemp("strict"))
    strict = build_result(base.records, base.policy, header=base.header, strict=True)
    root = ET.fromstring(render_junit(strict))
    gps = next(c for c in root.iter("testcase") if c.get("name") == "gps_location")
    assert gps.find("failure") is not None
