"""label_rows narrows a label check to the records that may matter, and never drops one: every
record the check's full pass would act on is selected, and so is any damaged ``labels``."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from imgeda_ci.checks._labels import has_key, label_rows, maybe_empty, truthy, unlabeled
from imgeda_ci.checks.registry import DatasetContext
from imgeda_ci.formats.facts import is_empty, is_unlabeled


def _records() -> list[dict[str, Any]]:
    values: dict[str, list[Any]] = {
        "n": [None, 0, 2],
        "file": [None, "a.txt"],
        "problems": [None, [], [{"code": "unparseable"}]],
        "objects": [None, [], [[0, 0.5, 0.5, 0.1, 0.1, 1, 0]]],
        "size": ["absent", None, [10, 10]],
    }
    out: list[dict[str, Any]] = []
    for combo in itertools.product(*values.values()):
        labels = {k: v for k, v in zip(values, combo, strict=True) if v != "absent"}
        out.append({"path": f"{len(out)}.jpg", "labels": labels})
    for odd in (None, {}, ["damaged"], "damaged", 7):
        out.append({"path": f"{len(out)}.jpg", "labels": odd})
    out.append({"path": f"{len(out)}.jpg"})  # no labels key at all
    return out


FULL_PASS = {  # what each check's loop over every record acted on before
    "unlabeled": (unlabeled, lambda lab: is_unlabeled(lab)),
    "maybe_empty": (maybe_empty, lambda lab: is_empty(lab)),
    "problems": (truthy("problems"), lambda lab: lab.get("problems")),
    "objects": (truthy("objects"), lambda lab: lab.get("objects")),
    "size": (has_key("size"), lambda lab: "size" in lab),
}


@pytest.mark.parametrize("name", sorted(FULL_PASS))
def test_selects_every_record_the_full_pass_acts_on(name: str) -> None:
    wanted, acts = FULL_PASS[name]
    records = _records()
    picked = {rec["path"] for rec, _ in label_rows(DatasetContext(records), wanted)}
    for rec in records:
        labels = rec.get("labels")
        if labels and not isinstance(labels, dict):
            assert rec["path"] in picked  # damaged: the check's own code meets it
        elif labels and acts(labels):
            assert rec["path"] in picked
        else:
            assert rec["path"] not in picked or labels  # only truthy labels are selected
    assert len(picked) < len(records)  # and it does narrow


def test_rows_come_in_record_order_with_their_labels() -> None:
    records = _records()
    got = label_rows(DatasetContext(records), truthy("objects"))
    indexes = [records.index(rec) for rec, _ in got]
    assert indexes == sorted(indexes)
    assert all(labels is rec["labels"] for rec, labels in got)
