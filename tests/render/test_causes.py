"""Causes: findings naming the same images are one; the paths in a message are rewritten whole."""

from __future__ import annotations

from imgeda_ci.evaluate import FindingResult
from imgeda_ci.render.causes import by_cause
from imgeda_ci.render.ranking import shown_message


def finding(check: str, *paths: str, message: str = "", severity: str = "warning") -> FindingResult:
    return FindingResult(check, severity, paths, message or f"{check} of {paths}")  # type: ignore[arg-type]


def test_findings_on_the_same_images_are_one_cause_whichever_side_they_count() -> None:
    a = finding("leakage", "test/x.jpg", "train/y.jpg", severity="error")
    b = finding("near_duplicate", "train/y.jpg", "test/x.jpg")  # the other side is the member
    c = finding("duplicate_of_base", "test/x.jpg", "train/y.jpg")
    d = finding("near_duplicate", "test/x.jpg", "train/z.jpg")  # another pair: another cause
    causes = by_cause([a, b, c, d])
    assert [(k.lead, k.also) for k in causes] == [(a, (b, c)), (d, ())]
    assert causes[0].also_checks == ("near_duplicate", "duplicate_of_base")


def test_findings_about_one_image_stay_apart() -> None:
    dark = finding("dark", "a.jpg")
    blurry = finding("blurry", "a.jpg")
    dataset = finding("min_images_total")
    assert [k.lead for k in by_cause([dark, blurry, dataset, dataset])] == [
        dark, blurry, dataset, dataset
    ]  # fmt: skip


def test_message_paths_become_repository_paths_only_where_whole() -> None:
    f = finding(
        "near_duplicate",
        "b.jpg",
        "train/a.jpg",
        message="copy of train/a.jpg, and of x/train/a.jpg or train/a.jpg.bak; see train/a.jpg.",
    )
    assert shown_message(f, "data") == (
        "copy of data/train/a.jpg, and of x/train/a.jpg or train/a.jpg.bak; see data/train/a.jpg."
    )
    assert shown_message(f, "") == f.message
