"""The registry's promises: ids, descriptions, reads, docs in sync with README and the CLI."""

from __future__ import annotations

import re

import numpy as np

from imgeda_ci.checks import table
from imgeda_ci.checks.registry import ImageCheck, all_checks, all_policy_keys, ramp_high, ramp_low
from imgeda_ci.model import ExifFacts, ImageRecord
from tests.conftest import REPO

STATS = {"luma_p", "luma_std", "entropy", "chroma_p99", "sharpness", "pad", "border"}


def test_ids_descriptions_and_reads() -> None:
    record_fields = set(ImageRecord.__annotations__)
    for cid, c in all_checks().items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cid), cid
        assert c.description and "\n" not in c.description, cid
        for field in c.reads:
            head, _, sub = field.partition(".")
            assert head in record_fields, (cid, field)
            if head == "exif" and sub:
                assert sub in ExifFacts.__annotations__, (cid, field)


def test_policy_keys_name_registered_checks() -> None:
    checks = all_checks()
    for key in all_policy_keys().values():
        if key.name in ("max_duplicate_pct",):
            continue  # issue 4's checks may not be installed
        for cid in key.checks:
            assert cid in checks, (key.name, cid)
        if key.sets == "option":
            for cid in key.checks:
                assert key.option in {o.name for o in checks[cid].options}, key.name


def test_readme_table_in_sync() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert table.replace_block(text, table.markdown_table()) == text, (
        "run: python -m imgeda_ci.checks.table --write README.md"
    )


def test_score_ramps_agree_with_flags() -> None:
    values = np.array([0, 5, 9.99, 10, 10.01, 15, 20, 30])
    for v, s, h in zip(
        values, ramp_low(values, 10, 20, 0), ramp_high(values, 10, 5, 30), strict=True
    ):
        assert 0 <= s <= 1 and (s < 0.5) == (v < 10)
        assert 0 <= h <= 1 and (h < 0.5) == (v > 10)


def test_image_checks_read_declared_measurements() -> None:
    from imgeda_ci import measurements

    for cid, c in all_checks().items():
        if isinstance(c, ImageCheck):
            for key in c.reads:
                assert key in measurements.BY_KEY, (cid, key)


def test_measurements_are_of_the_current_scan_algorithm() -> None:
    from imgeda_ci import measurements
    from imgeda_ci.scan.settings import ALGORITHM_VERSION

    assert measurements.ALGORITHM == ALGORITHM_VERSION
    assert all(m.version <= ALGORITHM_VERSION for m in measurements.MEASUREMENTS)
    names = [m.name for m in measurements.MEASUREMENTS]
    assert len(names) == len(set(names)) and len(measurements.BY_KEY) == len(names)


def test_staged_checks_judge_one_file_alone() -> None:
    from imgeda_ci.checks.registry import staged_checks

    staged = staged_checks()
    assert {"empty_file", "unreadable", "too_small", "gps_location"} <= set(staged)
    assert all(all_checks()[cid].kind == "image" for cid in staged)


def test_tuned_checks_document_their_tuning() -> None:
    for cid, c in all_checks().items():
        if isinstance(c, ImageCheck) and c.default_threshold is not None:
            mod = __import__(c.fn.__module__, fromlist=["_"])
            doc = mod.__doc__ or ""
            if mod.__name__.startswith("imgeda_ci.checks.") and "annotation" not in mod.__name__:
                assert "real photos" in doc and "flag" in doc, cid
