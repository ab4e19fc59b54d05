"""The gate end to end: exit codes, table, JSON, strict, overrides, waivers, imgeda parity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgeda_ci.checks.registry import all_checks
from imgeda_ci.cli import main
from imgeda_ci.evaluate import evaluate, fingerprint
from imgeda_ci.policy import default_policy, parse_policy
from imgeda_ci.verdict import judge
from tests.gate_helpers import corrupt, good, write


def gate(tmp: Path, records: list, policy: str | None, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    m = write(tmp, records)
    args = ["gate", "-m", str(m), "--json", str(tmp / "out.json"), *extra]
    if policy is not None:
        (tmp / "p.yml").write_text(policy)
        args += ["-p", str(tmp / "p.yml")]
    code = main(args)
    return code, json.loads((tmp / "out.json").read_text())


def test_clean_dataset_passes_with_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = gate(tmp_path, [good(f"{i}.jpg") for i in range(5)], None)
    text = capsys.readouterr().out
    assert code == 0 and out["passed"] and out["exit_code"] == 0
    assert "built-in defaults" in text and "PASSED" in text
    assert "dark" in text and "75" in text  # the defaults are printed in the table


def test_error_check_fails_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = [good("a.jpg"), corrupt("bad/x.jpg")]
    code, out = gate(tmp_path, recs, None)
    text = capsys.readouterr().out
    assert code == 2 and not out["passed"]
    row = next(r for r in out["results"] if r["name"] == "unreadable")
    assert row["status"] == "fail" and row["count"] == 1 and row["samples"] == ["bad/x.jpg"]
    assert "FAIL" in text and "bad/x.jpg" in text and "FAILED" in text
    f = next(f for f in out["findings"] if f["check"] == "unreadable")
    assert f["fingerprint"] == fingerprint("unreadable", "bad/x.jpg")


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    recs = [good("a.jpg"), good("b.jpg", p999=20)]
    assert gate(tmp_path, recs, None)[0] == 0
    code, out = gate(tmp_path, recs, None, "--strict")
    assert code == 2 and out["strict"]
    assert next(r for r in out["results"] if r["name"] == "dark")["status"] == "warn"


def test_max_pct_boundary(tmp_path: Path) -> None:
    recs = [good(f"{i}.jpg") for i in range(9)] + [good("d.jpg", p999=10)]  # 10% dark
    assert gate(tmp_path, recs, "checks:\n  dark: {severity: error, max_pct: 10}\n")[0] == 0
    assert gate(tmp_path, recs, "checks:\n  dark: {severity: error, max_pct: 9.99}\n")[0] == 2
    assert gate(tmp_path, recs, "checks:\n  dark: {severity: error, max_count: 1}\n")[0] == 0
    assert gate(tmp_path, recs, "checks:\n  dark: {severity: error, threshold: 5}\n")[0] == 0


def test_override_scope_is_counted_on_its_own(tmp_path: Path) -> None:
    recs = [good(f"train/{i}.jpg") for i in range(18)]
    recs += [good("test/a.jpg"), good("test/b.jpg", blur_sigma=2.0)]
    policy = (
        "checks:\n  blurry: {severity: error, max_pct: 10}\n"
        "overrides:\n  - paths: ['test/**']\n    checks:\n      blurry: {max_count: 0}\n"
    )
    code, out = gate(tmp_path, recs, policy)
    rows = [r for r in out["results"] if r["name"] == "blurry"]
    whole = next(r for r in rows if r["scope"] == "")
    test = next(r for r in rows if r["scope"] == "test/**")
    assert (whole["images"], whole["count"], whole["status"]) == (18, 0, "pass")
    assert (test["images"], test["count"], test["status"]) == (2, 1, "fail")
    assert code == 2


def test_override_threshold_and_severity_off(tmp_path: Path) -> None:
    recs = [good("a/x.jpg", p999=40), good("b/y.jpg", p999=40)]
    policy = (
        "checks:\n  dark: {severity: error}\n"
        "overrides:\n  - path: 'a/**'\n    checks: {dark: {severity: off}}\n"
        "  - path: 'b/**'\n    checks: {dark: {threshold: 30}}\n"
    )
    code, out = gate(tmp_path, recs, policy)
    assert code == 0
    assert not [f for f in out["findings"] if f["check"] == "dark"]


def test_waivers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recs = [good("a.jpg"), corrupt("vendor/x.jpg")]
    policy = (
        "waivers:\n  - path: 'vendor/**'\n    check: unreadable\n    reason: upstream bug 12\n"
        "  - path: 'nothing/**'\n    check: '*'\n    reason: stale\n"
    )
    code, out = gate(tmp_path, recs, policy)
    assert code == 0
    f = next(f for f in out["findings"] if f["check"] == "unreadable")
    assert f["waived"] == "upstream bug 12"
    assert [w["matched"] for w in out["waivers"]] == [1, 0]
    assert "matched no finding" in capsys.readouterr().out


def test_cannot_run_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", "-m", str(tmp_path / "missing.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest not found" in err


def test_quality_score_in_results(tmp_path: Path) -> None:
    recs = [good("a.jpg"), good("b.jpg", p999=10, blur_sigma=2.0)]
    ev = evaluate(recs, default_policy())
    q = ev.quality_of()
    assert q["a.jpg"] == 1.0
    assert q["b.jpg"] is not None and q["b.jpg"] < 0.25
    _, out = gate(tmp_path, recs, None)
    assert {i["path"]: i["quality"] for i in out["images"]} == {"b.jpg": q["b.jpg"]}
    assert out["quality"]["images"] == 2


def test_check_command_lists_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = write(tmp_path, [good("a.jpg"), good("b.jpg", p999=10, blur_sigma=2.0)])
    assert main(["check", "-m", str(m), "--only", "dark"]) == 0
    text = capsys.readouterr().out
    assert "b.jpg" in text and "dark" in text and "blurry" not in text
    assert main(["check", "-m", str(m), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {f["check"] for f in doc["findings"]} == {"dark", "blurry"}
    assert main(["check", "-m", str(m), "--only", "drak"]) == 1
    assert "did you mean dark?" in capsys.readouterr().err


def test_checks_command_lists_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks"]) == 0
    text = capsys.readouterr().out
    for cid in all_checks():
        assert cid in text


# --- imgeda parity ----------------------------------------------------------------------

IMGEDA_EXAMPLE = """\
# imgeda quality gate policy
# Used with: imgeda gate --manifest manifest.jsonl --policy policy.yml

max_corrupt_pct: 1.0        # Max % of corrupt/unreadable images
max_overexposed_pct: 5.0    # Max % of overexposed images
max_underexposed_pct: 5.0   # Max % of dark/underexposed images
max_duplicate_pct: 10.0     # Max % of exact duplicate images
min_images_total: 100       # Minimum total image count
"""


def imgeda_verdict(n: int, corrupt_n: int, over_n: int, dark_n: int, dup_n: int) -> dict[str, bool]:
    """imgeda 0.1.0's rules for its five keys (pct <= max passes; total >= min passes)."""
    pct = lambda k: k / n * 100  # noqa: E731
    return {
        "min_images_total": n >= 100,
        "max_corrupt_pct": pct(corrupt_n) <= 1.0,
        "max_overexposed_pct": pct(over_n) <= 5.0,
        "max_underexposed_pct": pct(dark_n) <= 5.0,
        "max_duplicate_pct": pct(dup_n) <= 10.0,
    }


def facts(n: int, corrupt_n: int, over_n: int, dark_n: int, dup_n: int) -> list:  # type: ignore[type-arg]
    recs = []
    for i in range(n):
        path = f"img/{i:04d}.jpg"
        if i < corrupt_n:
            recs.append(corrupt(path))
        elif i < corrupt_n + over_n:
            recs.append(good(path, p5=250, p999=255))
        elif i < corrupt_n + over_n + dark_n:
            recs.append(good(path, p999=8, p5=0))
        elif i < corrupt_n + over_n + dark_n + dup_n:
            recs.append(good(path, sha256="d" * 64, pixel_sha256="e" * 64))
        else:
            recs.append(good(path, pixel_sha256=f"{i:064x}"))
    if dup_n:  # the keeper of the duplicate group (imgeda counts len(group) - 1)
        recs[-1] = good("img/keeper.jpg", sha256="d" * 64, pixel_sha256="e" * 64)
    return recs


@pytest.mark.parametrize(
    "case",
    [
        (200, 0, 0, 0, 0),
        (200, 2, 10, 10, 20),  # exactly at every limit: imgeda passes (<=)
        (200, 3, 0, 0, 0),  # 1.5% corrupt
        (200, 0, 11, 0, 0),  # 5.5% overexposed
        (200, 0, 0, 11, 0),  # 5.5% dark
        (200, 0, 0, 0, 21),  # 10.5% duplicates
        (99, 0, 0, 0, 0),  # too few images
    ],
)
def test_imgeda_example_policy_gates_like_imgeda(case: tuple[int, int, int, int, int]) -> None:
    policy = parse_policy(IMGEDA_EXAMPLE, source="policy.yml")
    v = judge(evaluate(facts(*case), policy))
    expected = imgeda_verdict(*case)
    rows = {r.name: r for r in v.limits}
    has_dups = "duplicate_exact" in all_checks()
    for key, ok in expected.items():
        if key == "max_duplicate_pct" and not has_dups:
            assert rows[key].status == "skipped"  # issue 4's checks not installed yet
            continue
        name = key if key in rows else {"max_overexposed_pct": "overexposed",
                                         "max_underexposed_pct": "dark"}[key]  # fmt: skip
        assert (rows[name].status != "fail") == ok, (key, rows[name])
    if has_dups or case[4] == 0:
        assert v.passed == all(expected.values())
