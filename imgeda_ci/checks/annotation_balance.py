"""Dataset facts judged against policy values: images per class, class imbalance, unlabelled
share. Computed by :func:`imgeda_ci.formats.facts.dataset_facts`; findings are dataset-level
(``paths=()``) with the observed ``value``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imgeda_ci.checks.registry import DatasetContext, Finding, check, shorthand
from imgeda_ci.formats.facts import dataset_facts, dataset_info


def _facts(ctx: DatasetContext) -> dict[str, object] | None:
    """The dataset facts of ``ctx`` (None without dataset info or labels), computed once per
    context: the evaluator shares one context between the dataset checks."""
    key = (id(ctx.records), id(ctx.header))
    cached = ctx.extra.get("annotation_balance.facts")
    if cached is not None and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    facts: dict[str, object] | None = None
    if dataset_info(ctx.header) or any(r.get("labels") for r in ctx.records):
        facts = dataset_facts(ctx.records, ctx.header, ctx.columns())
    ctx.extra["annotation_balance.facts"] = (key, facts)
    return facts


@check(
    "min_images_per_class",
    "declared class with fewer images than the threshold (all splits together)",
    kind="dataset",
    reads=("labels", "split"),
    default_threshold=1,
    unit="images",
    severity="warning",
    threshold_range=(0, None),
    policy_keys=(
        shorthand(
            "min_images_per_class",
            sets="threshold",
            type="integer",
            minimum=0,
            description="fail when a declared class has fewer images than this (all splits "
            "together)",
        ),
    ),
)
def min_images_per_class(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    facts = _facts(ctx)
    if facts is None or threshold is None:
        return []
    classes = facts["classes"]
    assert isinstance(classes, dict)
    declared = any(v["declared"] for v in classes.values())
    out = []
    for name, v in classes.items():
        if (declared and not v["declared"]) or name.startswith("#"):
            continue
        if v["images_total"] < threshold:
            per_split = ", ".join(f"{k} {n}" for k, n in v["images"].items()) or "none"
            out.append(
                Finding(
                    "min_images_per_class",
                    "warning",
                    (),
                    f"class {name!r}: {v['images_total']} images < {threshold:g} "
                    f"(per split: {per_split})",
                    value=v["images_total"],
                    data={"class": name, "images": v["images"], "instances": v["instances"]},
                )
            )
    return out


@check(
    "max_class_imbalance_ratio",
    "instances of the most frequent class / the least frequent (declared classes with any)",
    kind="dataset",
    reads=("labels",),
    default_threshold=100,
    unit="ratio",
    severity="warning",
    threshold_range=(1, None),
    policy_keys=(
        shorthand(
            "max_class_imbalance_ratio",
            sets="threshold",
            minimum=1,
            description="fail when the most frequent class has more than this many times the "
            "instances of the least frequent",
        ),
    ),
)
def max_class_imbalance_ratio(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    facts = _facts(ctx)
    if facts is None or threshold is None:
        return []
    ratio = facts["imbalance_ratio"]
    if not isinstance(ratio, int | float) or ratio <= threshold:
        return []
    classes = facts["classes"]
    assert isinstance(classes, dict)
    counts = {n: v["instances_total"] for n, v in classes.items() if v["instances_total"]}
    most = max(counts, key=lambda n: counts[n])
    least = min(counts, key=lambda n: counts[n])
    return [
        Finding(
            "max_class_imbalance_ratio",
            "warning",
            (),
            f"class imbalance {ratio:g} > {threshold:g}: {most!r} has {counts[most]} "
            f"instances, {least!r} {counts[least]}",
            value=ratio,
            data={"most": most, "least": least, "instances": counts},
        )
    ]


@check(
    "max_unlabeled_pct",
    "share of images with no annotation at all (percent of the images of a labelled format)",
    kind="dataset",
    reads=("labels",),
    default_threshold=10.0,
    unit="%",
    severity="warning",
    threshold_range=(0, 100),
    policy_keys=(
        shorthand(
            "max_unlabeled_pct",
            sets="threshold",
            minimum=0,
            maximum=100,
            description="fail when more than this percentage of images has no annotation",
        ),
    ),
)
def max_unlabeled_pct(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    facts = _facts(ctx)
    if facts is None or threshold is None:
        return []
    pct, n = facts["unlabeled_pct"], facts["unlabeled"]
    assert isinstance(pct, int | float)
    if pct <= threshold:
        return []
    return [
        Finding(
            "max_unlabeled_pct",
            "warning",
            (),
            f"{n} images ({pct:g}%) have no annotation, more than {threshold:g}%",
            value=pct,
            data={"unlabeled": n, "images": facts["images"]},
        )
    ]
