"""Policy loading: valid forms, and every malformed policy refused with one line (exit 1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from imgeda_ci.cli import main
from imgeda_ci.policy import PolicyError, parse_policy
from imgeda_ci.policy.schema import SCHEMA_PATH, render
from tests.gate_helpers import good, write

# (name, policy text, expected fragment of the message, line, does the JSON Schema refuse it too)
MALFORMED: list[tuple[str, str, str, int, bool]] = [
    ("typo top key", "max_corupt_pct: 1\n", "did you mean max_corrupt_pct?", 1, True),
    (
        "typo second key",
        "min_images_total: 5\nmax_blury_pct: 3\n",
        "did you mean max_blurry_pct?",
        2,
        True,
    ),
    ("typo check id", "checks:\n  darkk: {threshold: 3}\n", "did you mean dark?", 2, True),
    ("typo check field", "checks:\n  dark:\n    treshold: 3\n", "did you mean threshold?", 3, True),
    ("typo severity", "checks:\n  dark: {severity: eror}\n", "did you mean error?", 2, True),
    (
        "typo option",
        "checks:\n  too_small:\n    options: {min_widht: 3}\n",
        "did you mean min_width?",
        3,
        True,
    ),
    ("string for number", "max_corrupt_pct: lots\n", "expected a number", 1, True),
    ("negative pct", "max_duplicate_pct: -5\n", "out of range", 1, True),
    ("pct above 100", "max_blurry_pct: 150\n", "out of range", 1, True),
    ("negative check max_pct", "checks:\n  dark: {max_pct: -1}\n", "out of range", 2, True),
    ("float count", "min_images_total: 10.5\n", "whole number", 1, True),
    ("bool for number", "max_corrupt_pct: true\n", "expected a number", 1, True),
    ("threshold out of range", "checks:\n  dark: {threshold: 300}\n", "out of range", 2, True),
    ("list for string list", "allowed_formats: jpeg\n", "list of strings", 1, True),
    ("checks not a mapping", "checks: [dark]\n", "expected check settings", 1, True),
    (
        "bad glob",
        "overrides:\n  - paths: ['test**']\n    checks: {dark: {severity: error}}\n",
        "bad glob",
        2,
        False,
    ),
    (
        "unclosed glob class",
        "waivers:\n  - path: 'a/[bc'\n    check: dark\n    reason: x\n",
        "bad glob",
        2,
        False,
    ),
    (
        "waiver without reason",
        "waivers:\n  - path: a.jpg\n    check: dark\n",
        "needs a reason",
        2,
        True,
    ),
    (
        "waiver blank reason",
        "waivers:\n  - path: a.jpg\n    check: dark\n    reason: '  '\n",
        "needs a reason",
        4,
        True,
    ),
    (
        "waiver unknown check",
        "waivers:\n  - path: a.jpg\n    check: drak\n    reason: ok\n",
        "did you mean dark?",
        3,
        True,
    ),
    (
        "expired waiver",
        "waivers:\n  - path: a.jpg\n    check: dark\n    reason: ok\n    expires: 2000-01-01\n",
        "expired on 2000-01-01",
        5,
        False,
    ),
    (
        "bad waiver date",
        "waivers:\n  - path: a.jpg\n    check: dark\n    reason: ok\n    expires: soon\n",
        "not a date",
        5,
        False,
    ),
    ("tab indentation", "checks:\n\tdark: {threshold: 3}\n", "tab character", 2, True),
    ("invalid yaml", "checks: {dark: [\n", "invalid YAML", 2, True),
    ("duplicate key", "max_corrupt_pct: 1\nmax_corrupt_pct: 2\n", "duplicate key", 2, True),
    ("not a mapping", "- max_corrupt_pct\n", "expected a mapping", 1, True),
    ("empty file", "", "empty", 0, True),
    (
        "dataset threshold in override",
        "overrides:\n  - paths: ['a/**']\n    checks: {min_images_total: {threshold: 3}}\n",
        "dataset check",
        3,
        True,
    ),
    (
        "override without paths",
        "overrides:\n  - checks: {dark: {severity: error}}\n",
        "needs paths",
        2,
        True,
    ),
    ("unsupported mode", "mode: lenient\n", "unsupported mode", 1, True),
    (
        "key clash",
        "max_underexposed_pct: 5\nchecks:\n  dark: {max_pct: 2}\n",
        "keep only one",
        1,
        False,
    ),
    (
        "threshold on check without one",
        "checks:\n  gps_location: {threshold: 1}\n",
        "has no threshold",
        2,
        True,
    ),
    # enumerated values (issue 17): formats, modes, split names, modes of judging
    ("unknown format", "allowed_formats: [JPEG, JPGG]\n", "'JPGG'; did you mean JPG?", 1, True),
    (
        "unknown format option",
        "checks:\n  disallowed_format:\n    options: {allowed: [png, webpp]}\n",
        "allowed[1]: unknown value 'webpp'; did you mean webp?",
        3,
        True,
    ),
    (
        "mode in the wrong case",
        "checks:\n  unusual_mode:\n    options:\n      allowed_modes: [RGB, rgba]\n",
        "did you mean RGBA?",
        4,
        True,
    ),
    ("unknown split name", "splits:\n  tarin: ['a/**']\n", "did you mean train?", 2, True),
    ("split name without a split word", "splits:\n  holdout: [h/**]\n", "e.g. train2017", 2, True),
    ("mode typo", "mode: newonly\n", "did you mean new-only?", 1, True),
    ("infinite threshold", "checks:\n  blurry: {threshold: .inf}\n", "finite number", 2, False),
    (
        "count past 64 bits",
        "checks:\n  dark: {max_count: 99999999999999999999}\n",
        "too large",
        2,
        False,
    ),
]


@pytest.mark.parametrize(("name", "text", "fragment", "line", "schema_too"), MALFORMED)
def test_malformed_policy_is_one_line_exit_1(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    fragment: str,
    line: int,
    schema_too: bool,
) -> None:
    pol = tmp_path / "policy.yml"
    pol.write_text(text)
    m = write(tmp_path, [good("a.jpg")])
    code = main(["gate", "-m", str(m), "-p", str(pol)])
    err = capsys.readouterr().err
    assert code == 1, name
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert fragment in err, err
    where = f"{pol}:{line}:" if line else f"{pol}:"
    assert err.startswith(f"imgeda-ci: error: {where}"), err


def test_at_least_20_malformed_cases() -> None:
    assert len(MALFORMED) >= 20


def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _as_json(text: str) -> object:
    """What an editor validates: the YAML with dates as ISO strings."""

    def conv(v: object) -> object:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dict):
            return {str(k): conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return conv(yaml.safe_load(text))


# A JSON Schema cannot express glob syntax, dates against today or key clashes: those cases
# are marked schema_too=False and checked by the loader only.
@pytest.mark.parametrize(
    ("name", "text", "fragment"), [(c[0], c[1], c[2]) for c in MALFORMED if c[4]]
)
def test_schema_refuses_what_the_loader_refuses(name: str, text: str, fragment: str) -> None:
    try:
        doc = _as_json(text)
    except yaml.YAMLError:
        return  # not YAML: no editor validates it either
    if "duplicate key" in fragment:
        return  # duplicate keys vanish when YAML becomes JSON
    assert list(_schema_validator().iter_errors(doc)), f"schema accepted {name!r}"


VALID = [
    # imgeda's example policy, verbatim
    "# imgeda quality gate policy\nmax_corrupt_pct: 1.0        # corrupt\n"
    "max_overexposed_pct: 5.0\nmax_underexposed_pct: 5.0\nmax_duplicate_pct: 10.0\n"
    "min_images_total: 100\n",
    # imgeda's README policy: all eleven keys
    "min_images_total: 100\nmax_corrupt_pct: 1.0\nmax_overexposed_pct: 5.0\n"
    "max_underexposed_pct: 5.0\nmax_duplicate_pct: 10.0\nmax_blurry_pct: 10.0\n"
    "max_artifact_pct: 5.0\nmin_width: 224\nmin_height: 224\nmax_aspect_ratio: 3.0\n"
    "allowed_formats: [jpeg, png]\n",
    "min_width: 0\nmax_aspect_ratio: 0\nallowed_formats: []\n",
    "version: 1\nmode: absolute\nchecks:\n  dark: {threshold: 30, severity: error, max_pct: 2}\n"
    "  gps_location: {severity: off}\n  exif_identity: off\n"
    "  too_small: {options: {min_pixels: 50000, min_width: null}}\n"
    "  disallowed_format: {options: {allowed: [jpeg]}}\n",
    "overrides:\n  - paths: ['test/**', 'val/**']\n    checks:\n      blurry: {severity: error, "
    "max_count: 0, threshold: 1.5}\n  - path: 'raw/*.png'\n"
    "    checks: {large_file: {severity: info}}\n",
    "allowed_formats: [jpg, PNG, heic, AVIF, mpo, tif, JPEG2000]\nsplits:\n  train2017: [a/**]\n"
    "  Valid: [b/**]\n  my_test: [c/**]\nchecks:\n  unusual_mode:\n"
    "    options: {allowed_modes: [RGB, RGBa, 'I;16', L]}\n",
    "waivers:\n  - path: 'night/**'\n    check: dark\n    reason: night shots\n"
    "    expires: 2999-12-31\n  - paths: [a.jpg, b.jpg]\n    checks: ['*']\n    reason: vendor\n",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_policies_load_and_match_the_schema(text: str) -> None:
    parse_policy(text, source="p.yml")
    errors = list(_schema_validator().iter_errors(_as_json(text)))
    assert not errors, errors[0].message


def _pillow_free(schema_text: str) -> Any:
    """The schema with the enumerations that come from the installed Pillow (format names and
    image modes) left out: the committed file lists those of the Pillow it was written with, and
    a newer Pillow (a new plugin) must not fail this test on a machine that installs it."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and ("JPEG" in enum or "RGB" in enum):
                node = {**node, "enum": "(from Pillow)"}
            return {k: strip(v) for k, v in node.items()}
        if isinstance(node, list):
            return [strip(x) for x in node]
        return node

    return strip(json.loads(schema_text))


def test_schema_file_is_up_to_date() -> None:
    committed, generated = SCHEMA_PATH.read_text(), render()
    assert _pillow_free(committed) == _pillow_free(generated), (
        "run: python -m imgeda_ci.policy.schema --write"
    )
    assert "(from Pillow)" in json.dumps(_pillow_free(generated))  # the enums are there to strip


def test_severity_off_unquoted_is_off() -> None:
    pol = parse_policy("checks:\n  dark: {severity: off}\n", source="p.yml")
    assert pol.checks["dark"].severity == "off"


def test_imgeda_keys_map_onto_checks() -> None:
    pol = parse_policy(VALID[1], source="p.yml")
    assert pol.checks["dark"].max_pct == 5.0 and pol.checks["dark"].severity == "error"
    assert pol.checks["too_small"].options == {"min_width": 224, "min_height": 224}
    assert pol.checks["odd_aspect_ratio"].threshold == 3.0
    assert pol.checks["odd_aspect_ratio"].max_count == 0
    assert pol.checks["disallowed_format"].options == {"allowed": ("jpeg", "png")}
    groups = {g.name: g for g in pol.groups}
    assert groups["max_corrupt_pct"].checks == (
        "unreadable",
        "truncated",
        "decompression_bomb",
        "empty_file",
    )
    assert groups["max_duplicate_pct"].max_pct == 10.0
    off = parse_policy(VALID[2], source="p.yml")
    assert not off.checks  # 0 / [] turn imgeda's keys off


def test_waiver_expiring_today_is_still_valid() -> None:
    text = "waivers:\n  - {path: a.jpg, check: dark, reason: ok, expires: 2030-05-01}\n"
    parse_policy(text, today=dt.date(2030, 5, 1))
    with pytest.raises(PolicyError, match="expired"):
        parse_policy(text, today=dt.date(2030, 5, 2))


def test_missing_policy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = write(tmp_path, [good("a.jpg")])
    assert main(["gate", "-m", str(m), "-p", str(tmp_path / "nope.yml")]) == 1
    err = capsys.readouterr().err
    assert "policy file not found" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "text",
    [
        "max_corrupt_pct: 1.5\nmax_corrupt_pct_increase: 0.5\n",
        "max_corrupt_pct_increase: 0.5\nmax_corrupt_pct: 1.5\n",
    ],
)
def test_group_key_and_its_increase_form_make_one_limit_in_either_order(text: str) -> None:
    pol = parse_policy(text, source="p.yml")
    assert [(g.name, g.severity, g.max_pct, g.max_pct_increase) for g in pol.groups] == [
        ("max_corrupt_pct", "error", 1.5, 0.5)
    ]
    assert not pol.checks and pol.keys == {"max_corrupt_pct": 1.5, "max_corrupt_pct_increase": 0.5}


def test_increase_key_of_one_check_sets_its_relative_limit() -> None:
    pol = parse_policy("max_blurry_pct_increase: 2\nmax_blurry_pct: 4\n", source="p.yml")
    blurry = pol.checks["blurry"]
    assert (blurry.max_pct, blurry.max_pct_increase, blurry.severity) == (4.0, 2, "error")
    group = parse_policy("max_duplicate_pct_increase: 1\n", source="p.yml").groups
    assert [(g.name, g.max_pct, g.max_pct_increase) for g in group] == [
        ("max_duplicate_pct", None, 1.0)
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("max_blurry_pct: 3\nchecks:\n  blurry: {max_pct: 4}\n", "checks.blurry.max_pct"),
        ("min_width: 3\nchecks:\n  too_small: {options: {min_width: 4}}\n", "options.min_width"),
        (
            "max_blurry_pct_increase: 1\nchecks:\n  blurry: {max_pct_increase: 2}\n",
            "checks.blurry.max_pct_increase",
        ),
    ],
)
def test_top_level_key_clashing_with_a_check_setting_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(PolicyError, match="keep only one") as exc:
        parse_policy(text, source="p.yml")
    assert "are set" in str(exc.value) and fragment in str(exc.value)


def test_explicit_severity_beats_the_one_a_key_implies() -> None:
    pol = parse_policy("max_blurry_pct: 3\nchecks:\n  blurry: {severity: warning}\n")
    assert (pol.checks["blurry"].severity, pol.checks["blurry"].max_pct) == ("warning", 3.0)


def test_every_problem_of_a_policy_is_reported_a_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = tmp_path / "policy.yml"
    pol.write_text(
        "max_blury_pct: 3\n"  # 1: a misspelled key
        "mode: newonly\n"  # 2: a bad value
        "checks:\n"
        "  dark: {threshold: 500}\n"  # 4: out of range
        "  darkk: {severity: error}\n"  # 5: unknown check
        "waivers:\n"
        "  - {path: a.jpg, check: dark}\n"  # 7: no reason
    )
    m = write(tmp_path, [good("a.jpg")])
    assert main(["gate", "-m", str(m), "-p", str(pol)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert "Traceback" not in "\n".join(lines)
    assert all(line.startswith(f"imgeda-ci: error: {pol}:") for line in lines), lines
    assert [int(line.split(":")[3]) for line in lines] == [1, 2, 4, 5, 7], lines
    assert "did you mean max_blurry_pct?" in lines[0]
    assert "did you mean dark?" in lines[3]


def test_every_bad_value_of_a_policy_is_reported_a_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = tmp_path / "policy.yml"
    pol.write_text(
        "allowed_formats:\n"
        "  - JPGG\n"  # 2
        "  - png\n"
        "  - Pngg\n"  # 4
        "min_images_total: .inf\n"  # 5: a later key is still read
        "splits:\n"
        "  tarin: [a/**]\n"  # 7
        "  tesst: [b/**]\n"  # 8
    )
    m = write(tmp_path, [good("a.jpg")])
    assert main(["gate", "-m", str(m), "-p", str(pol)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert all(line.startswith(f"imgeda-ci: error: {pol}:") for line in lines), lines
    assert sorted(int(line.split(":")[3]) for line in lines) == [2, 4, 5, 7, 8], lines
    hints = "\n".join(lines)
    for hint in ("mean JPG?", "mean PNG?", "mean train?", "mean test?"):
        assert hint in hints


def test_a_sharpness_threshold_for_blurry_is_refused() -> None:
    """``blurry`` judges a blur width now: a policy written for the old sharpness rule (12 by
    default) is refused with the range, not read as a width nothing reaches."""
    with pytest.raises(PolicyError, match=r"p.yml:2: checks.blurry.threshold: 12 is out of range"):
        parse_policy("checks:\n  blurry: {threshold: 12}\n", source="p.yml")
    assert parse_policy("checks:\n  blurry: {threshold: 1.2}\n", source="p.yml")
