"""One entry per cause: findings that name the same images, shown once.

A test image that nearly copies a train image added by the change is one fact seen by three
checks: ``leakage`` (a copy across splits), ``near_duplicate`` (a copy in the dataset) and
``duplicate_of_base`` (a copy of an image the base already had). Each check keeps its finding, so
each policy limit counts what it is about; but what people read (annotations, SARIF results, the
comment's and summary's rows, the report's duplicate groups) shows the fact once.

The rule: findings that relate images (``paths`` names two or more, see
:mod:`imgeda_ci.checks.results`) and name the same set of images are one cause, whichever image
each one counts against. The first of them in the order given (the renderers pass
:func:`~imgeda_ci.render.ranking.ranked` order: introduced first, then the most severe) leads,
and the others are named beside it. A finding about one image is a cause of its own: two checks
flagging one image for two reasons (dark and blurry) are two causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imgeda_ci.evaluate import FindingResult


@dataclass(frozen=True)
class Cause:
    """A finding shown for itself and for the findings of the same cause (``also``)."""

    lead: FindingResult
    also: tuple[FindingResult, ...] = ()

    @property
    def also_checks(self) -> tuple[str, ...]:
        """The other checks of this cause, each once, in the order given."""
        seen = {self.lead.check}
        out: list[str] = []
        for f in self.also:
            if f.check not in seen:
                seen.add(f.check)
                out.append(f.check)
        return tuple(out)


def _key(index: int, f: FindingResult) -> tuple[object, ...]:
    if len(f.paths) >= 2:
        return ("images", frozenset(f.paths))
    return ("finding", index)


def by_cause(findings: Sequence[FindingResult]) -> list[Cause]:
    """``findings`` grouped by cause, in the order of each cause's first finding."""
    groups: dict[tuple[object, ...], list[FindingResult]] = {}
    for i, f in enumerate(findings):
        groups.setdefault(_key(i, f), []).append(f)
    return [Cause(fs[0], tuple(fs[1:])) for fs in groups.values()]
