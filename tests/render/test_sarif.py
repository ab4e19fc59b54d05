from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imgeda_ci.checks.registry import all_checks
from imgeda_ci.render.sarif import FINGERPRINT_KEY, render_sarif
from imgeda_ci.run_result import RunResult
from tests.conftest import REPO
from tests.render.results import result_for

SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def with_base(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("sarif"), hostile=True, with_base=True)


def test_valid_against_the_sarif_schema(with_base: RunResult) -> None:
    if not SCHEMA.is_file():
        pytest.skip("../shared/schemas/sarif-schema-2.1.0.json is absent")
    from jsonschema import Draft4Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(json.dumps(render_sarif(with_base)))  # what the file holds
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # and the validator does reject a broken log
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not Draft4Validator(schema).is_valid(log)


def test_one_rule_per_check_and_results_point_at_images(with_base: RunResult) -> None:
    run = render_sarif(with_base, root="datasets/cats")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(all_checks())
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert "region" not in loc
        assert loc["artifactLocation"]["uri"].startswith("datasets/cats/train/")
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert " " not in loc["artifactLocation"]["uri"]
        assert res["baselineState"] in ("new", "unchanged")
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["truncated"] == "error" and levels["gps_location"] == "warning"


def test_fingerprints_are_stable_and_distinct(tmp_path: Path, with_base: RunResult) -> None:
    again = result_for(tmp_path, hostile=True, with_base=True)
    fp1 = [
        r["partialFingerprints"][FINGERPRINT_KEY]
        for r in render_sarif(with_base)["runs"][0]["results"]
    ]
    fp2 = [
        r["partialFingerprints"][FINGERPRINT_KEY] for r in render_sarif(again)["runs"][0]["results"]
    ]
    assert fp1 == fp2
    assert len(set(fp1)) == len(fp1)


def test_waived_findings_are_suppressed(tmp_path: Path) -> None:
    from imgeda_ci import manifest
    from imgeda_ci.policy import parse_policy
    from imgeda_ci.run_result import build_result
    from tests.render.results import make_dataset, scan

    data = make_dataset(tmp_path)
    header, records = scan(data, tmp_path / "m.jsonl")
    policy = parse_policy(
        "version: 1\nwaivers:\n  - path: 'train/gps.jpg'\n    check: gps_location\n"
        "    reason: consent on file\n"
    )
    result = build_result(records, policy, header=header)  # type: ignore[arg-type]
    gps = [r for r in render_sarif(result)["runs"][0]["results"] if r["ruleId"] == "gps_location"]
    assert gps and gps[0]["suppressions"] == [
        {"kind": "external", "justification": "consent on file"}
    ]
    assert manifest  # imported for the scan helper's side effects only


def test_rules_have_names_and_the_tool_links_to_the_project(with_base: RunResult) -> None:
    import tomllib

    homepage = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "urls"
    ]["Homepage"]
    driver = render_sarif(with_base)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == homepage
    names = {r["id"]: r["name"] for r in driver["rules"]}
    assert names["gps_location"] == "GpsLocation"
    assert names["extension_mismatch"] == "ExtensionMismatch"
    for rule in driver["rules"]:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", rule["name"]), rule["name"]
        assert rule["name"].lower() == rule["id"].replace("_", "").lower()
        assert rule["helpUri"] == f"{homepage}#checks"
    assert len(set(names.values())) == len(names)


def test_homepage_falls_back_without_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import PackageNotFoundError

    from imgeda_ci.render import sarif

    def missing(name: str) -> None:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(sarif, "metadata", missing)
    sarif.homepage.cache_clear()
    try:
        assert sarif.homepage() == sarif.FALLBACK_HOMEPAGE
    finally:
        sarif.homepage.cache_clear()
