"""The policy's enumerated values come from one source: the loader refuses what the JSON Schema
lists as an ``enum`` (or a pattern) does not hold, and both follow Pillow and the split words."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from PIL import Image

from imgeda_ci.checks.format import format_names, mode_names
from imgeda_ci.formats.base import SPLIT_ALIASES, canonical_split
from imgeda_ci.policy import PolicyError, parse_policy
from imgeda_ci.policy.enums import SPLIT_NAME_PATTERN, suggestion
from imgeda_ci.policy.schema import SCHEMA_PATH


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())  # type: ignore[no-any-return]


def test_format_names_are_pillows_and_the_tools() -> None:
    Image.init()
    names = set(format_names())
    assert {*Image.OPEN, *(n.lower() for n in Image.OPEN)} <= names
    assert {"HEIF", "heic", "AVIF", "JXL", "JPG", "jpg", "MPO", "TIF"} <= names
    assert "JPGG" not in names and "Jpeg" not in names


def test_the_schema_lists_the_same_enumerations() -> None:
    props = _schema()["properties"]
    assert props["allowed_formats"]["items"]["enum"] == list(format_names())
    checks = props["checks"]["properties"]
    body = checks["unusual_mode"]["anyOf"][0]["properties"]["options"]["properties"]
    assert body["allowed_modes"]["anyOf"][0]["items"]["enum"] == list(Image.MODES)
    assert list(mode_names()) == list(Image.MODES)
    assert props["splits"]["propertyNames"]["pattern"] == SPLIT_NAME_PATTERN


@pytest.mark.parametrize(
    "name",
    [*SPLIT_ALIASES, "Train", "VALID", "train2017", "val_2", "my_test", "test-set", "holdout",
     "eval", "trainval", "tarin", "", "1", "x_training_y", "pretrain", "validation"],
)  # fmt: skip
def test_split_name_pattern_is_canonical_split(name: str) -> None:
    """The schema's pattern and the loader accept exactly the names a reader calls a split."""
    known = canonical_split(name) is not None
    assert bool(re.search(SPLIT_NAME_PATTERN, name)) == known
    text = f"splits:\n  '{name}': [a/**]\n"
    if known:
        assert parse_policy(text).splits == {name: ("a/**",)}
    else:
        with pytest.raises(PolicyError, match="unknown split name"):
            parse_policy(text)


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("JPGG", ("JPEG", "JPG", "jpeg", "jpg"), "JPG"),
        ("jpgg", ("JPEG", "JPG", "jpeg", "jpg"), "jpg"),
        ("Pngg", ("PNG", "png"), "PNG"),
        ("rgba", ("RGBA", "RGBa"), "RGBA"),
        ("zzzz", ("PNG", "png"), None),
    ],
)
def test_suggestion(word: str, choices: tuple[str, ...], expected: str | None) -> None:
    assert suggestion(word, choices) == expected


def test_a_shorthand_key_takes_its_options_enumeration() -> None:
    """allowed_formats sets disallowed_format's allowed: both refuse the same names."""
    for text in ("allowed_formats: [PNG, bmpp]\n", "checks:\n  disallowed_format:\n"
                 "    options: {allowed: [PNG, bmpp]}\n"):  # fmt: skip
        with pytest.raises(PolicyError, match=r"\[1\]: unknown value 'bmpp'; did you mean bmp\?"):
            parse_policy(text)
    pol = parse_policy("allowed_formats: [PNG, bmp, JPG]\n")
    assert pol.checks["disallowed_format"].options == {"allowed": ("PNG", "bmp", "JPG")}
