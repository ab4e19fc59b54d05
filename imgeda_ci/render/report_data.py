"""What the HTML report shows, computed from a :class:`~imgeda_ci.run_result.RunResult`: the
summary, the policy rows, the change against the base, duplicate groups and the gallery of
flagged images. Plain data for the templates; no HTML here (the templates escape everything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from imgeda_ci.checks.registry import all_checks
from imgeda_ci.evaluate import FindingResult
from imgeda_ci.model import ImageRecord
from imgeda_ci.render.binning import fmt_num
from imgeda_ci.render.ranking import repo_path, shown_message
from imgeda_ci.render.thumbs import Thumbnailer
from imgeda_ci.run_result import RunResult
from imgeda_ci.verdict import LimitResult

#: Checks whose findings pair images: shown as groups, not in the gallery; in this order (a
#: leak across splits is an error, the others warnings).
DUPLICATE_CHECKS: tuple[str, ...] = (
    "leakage",
    "duplicate_exact",
    "duplicate_pixels",
    "near_duplicate",
    "duplicate_of_base",
)
DUPLICATE_TITLES = {
    "duplicate_exact": "byte-identical copies",
    "duplicate_pixels": "identical pixels",
    "near_duplicate": "near-duplicates",
    "leakage": "leakage across splits",
    "duplicate_of_base": "copies of base images",
}
STATUS_ORDER = {"fail": 0, "warn": 1, "info": 2, "skipped": 3, "pass": 4}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

GALLERY_PER_CHECK = 12
GROUPS_MAX = 100
LIST_MAX = 200


def human_bytes(n: float | None) -> str:
    if n is None:
        return "–"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def measurements(rec: ImageRecord | None) -> list[tuple[str, str]]:
    """A record's key facts as (label, value) pairs for a card."""
    if rec is None:
        return []
    out: list[tuple[str, str]] = []
    if rec.get("width") and rec.get("height"):
        out.append(("size", f"{rec['width']}×{rec['height']}"))
    if rec.get("format"):
        out.append(("format", f"{rec['format']} {rec.get('mode') or ''}".strip()))
    if rec.get("size") is not None:
        out.append(("bytes", human_bytes(rec.get("size"))))
    stats = rec.get("stats") or {}
    for key, label in (("luma_mean", "luma"), ("luma_std", "contrast"), ("sharpness", "sharp")):
        v = stats.get(key)
        if isinstance(v, int | float):
            out.append((label, fmt_num(float(v))))
    err = rec.get("error")
    if err:
        out.append(("error", err["code"]))
    return out


@dataclass
class Card:
    """One flagged image (or file) in the gallery."""

    path: str
    message: str
    value: str
    facts: list[tuple[str, str]]
    thumb: str | None
    waived: str | None
    new: bool


@dataclass
class CheckGallery:
    check: str
    description: str
    severity: str
    status: str
    total: int
    cards: list[Card] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Member:
    path: str
    keeper: bool
    thumb: str | None
    known: bool  # the path is in the head manifest (else: the base's, or unknown)


@dataclass
class DuplicateGroup:
    check: str
    title: str
    group: str
    distance: str
    kind: str
    members: list[Member]
    new: bool


@dataclass
class Change:
    summary: dict[str, int]
    introduced: list[FindingResult]
    resolved: list[FindingResult]
    shift: list[dict[str, Any]]
    added: list[str]
    removed: list[str]
    renamed: list[tuple[str, str]]


def sorted_limits(limits: Sequence[LimitResult]) -> list[LimitResult]:
    return sorted(limits, key=lambda r: (STATUS_ORDER.get(r.status, 9), r.name, r.scope))


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, float):
        return fmt_num(v)
    return str(v)


def _new_keys(result: RunResult) -> set[tuple[str, str]] | None:
    if not result.has_base:
        return None
    return {(f.check, f.path) for f in result.introduced}


def gallery(
    result: RunResult, records: Mapping[str, ImageRecord], thumbs: Thumbnailer, root: str = ""
) -> list[CheckGallery]:
    """Flagged images grouped by check, failing checks first, a few cards each; paths shown
    relative to the repository (``root`` is the scanned folder in it)."""
    checks = all_checks()
    new = _new_keys(result)
    by_check: dict[str, list[FindingResult]] = {}
    for f in result.evaluation.findings:
        if f.check not in DUPLICATE_CHECKS:
            by_check.setdefault(f.check, []).append(f)
    status: dict[str, str] = {}
    for r in result.verdict.limits:
        for c in r.checks:
            if STATUS_ORDER.get(r.status, 9) < STATUS_ORDER.get(status.get(c, "pass"), 9):
                status[c] = r.status
    order = sorted(
        by_check,
        key=lambda c: (
            STATUS_ORDER.get(status.get(c, "pass"), 9),
            SEVERITY_ORDER.get(by_check[c][0].severity, 9),
            c,
        ),
    )
    out: list[CheckGallery] = []
    for cid in order:
        fs = sorted(by_check[cid], key=lambda f: (f.waived is not None, f.path))
        chk = checks.get(cid)
        g = CheckGallery(
            cid,
            chk.description if chk else "",
            fs[0].severity,
            status.get(cid, "pass"),
            len(fs),
        )
        for f in fs[:GALLERY_PER_CHECK]:
            rec = records.get(f.path)
            g.cards.append(
                Card(
                    path=repo_path(f.path, root),
                    message=shown_message(f, root),
                    value=_fmt_value(f.value),
                    facts=measurements(rec),
                    thumb=thumbs.get(f.path) if rec is not None else None,
                    waived=f.waived,
                    new=bool(new and (f.check, f.path) in new),
                )
            )
        out.append(g)
    return out


def duplicate_groups(
    result: RunResult, records: Mapping[str, ImageRecord], thumbs: Thumbnailer
) -> tuple[list[DuplicateGroup], int]:
    """Findings of the duplicate checks merged by ``data["group"]``, then by cause: a group
    whose images all belong to another group (a leaked near-copy is a ``leakage`` pair, a
    ``near_duplicate`` group and a ``duplicate_of_base`` pair) is shown as part of it, its title
    added. Returns (groups shown, total)."""
    new = _new_keys(result)
    groups: dict[tuple[str, str], DuplicateGroup] = {}
    for f in result.evaluation.findings:
        if f.check not in DUPLICATE_CHECKS or not f.paths:
            continue
        data = f.data or {}
        gid = str(data.get("group", f.paths[-1]))
        g = groups.get((f.check, gid))
        if g is None:
            kind = str(data.get("kind") or "")
            title = DUPLICATE_TITLES.get(f.check, f.check)
            g = groups[(f.check, gid)] = DuplicateGroup(f.check, title, gid, "", kind, [], False)
        _merge(g, f, data, records)
        if new is not None and (f.check, f.path) in new:
            g.new = True
    check_rank = {c: i for i, c in enumerate(DUPLICATE_CHECKS)}
    order = sorted(groups, key=lambda k: (check_rank.get(k[0], 99), not groups[k].new, k[1]))
    merged = _by_cause([groups[k] for k in order])
    shown = merged[:GROUPS_MAX]
    for g in shown:
        g.members.sort(key=lambda m: (not m.keeper, m.path))
        for m in g.members:
            m.thumb = thumbs.get(m.path) if m.known else None
    return shown, len(merged)


def _by_cause(groups: Sequence[DuplicateGroup]) -> list[DuplicateGroup]:
    """Groups with a group's images all in a larger (or earlier equal) group folded into it.

    Larger groups are taken first, so a pair folds into the near-copy group that holds it; a
    group is never folded into one that only overlaps it (that would chain unrelated images)."""
    kept: list[DuplicateGroup] = []
    members: list[set[str]] = []
    for g in sorted(groups, key=lambda g: -len(g.members)):
        paths = {m.path for m in g.members}
        home = next((i for i, have in enumerate(members) if paths <= have), None)
        if home is None:
            kept.append(g)
            members.append(paths)
            continue
        host = kept[home]
        if g.title not in host.title.split(" · "):
            host.title = f"{host.title} · {g.title}"
        host.new = host.new or g.new
        host.distance = max((host.distance, g.distance), key=lambda d: float(d) if d else -1.0)
    position = {id(g): i for i, g in enumerate(groups)}
    return sorted(kept, key=lambda g: position[id(g)])


def _merge(
    g: DuplicateGroup, f: FindingResult, data: Mapping[str, Any], records: Mapping[str, ImageRecord]
) -> None:
    """Add a finding's images to its group, and keep the largest distance."""
    keeper = str(data.get("keeper") or (f.paths[1] if len(f.paths) > 1 else ""))
    for p in f.paths:
        if all(m.path != p for m in g.members):
            g.members.append(Member(p, p == keeper, None, p in records))
    dist = data.get("distance")
    if isinstance(dist, int | float) and not isinstance(dist, bool):
        prev = float(g.distance) if g.distance else None
        if prev is None or dist > prev:
            g.distance = f"{dist:g}"


def change(result: RunResult) -> Change | None:
    d = result.diff
    if d is None:
        return None
    shift = []
    for name, s in d.shift.items():
        if s.ks is None:
            continue
        shift.append(
            {
                "name": name.replace("_", " "),
                "base": "–" if s.base_median is None else fmt_num(s.base_median),
                "head": "–" if s.head_median is None else fmt_num(s.head_median),
                "ks": f"{s.ks:.3f}",
                "psi": "n/a" if s.psi is None else f"{s.psi:.3f}",
                "level": s.level,
            }
        )
    return Change(
        summary={
            "added": len(d.added),
            "removed": len(d.removed),
            "modified": len(d.modified),
            "renamed": len(d.renamed),
            "unchanged": d.unchanged,
        },
        introduced=sorted(result.introduced, key=lambda f: (f.check, f.path))[:LIST_MAX],
        resolved=sorted(result.resolved, key=lambda f: (f.check, f.path))[:LIST_MAX],
        shift=shift,
        added=d.added[:LIST_MAX],
        removed=d.removed[:LIST_MAX],
        renamed=d.renamed[:LIST_MAX],
    )


def change_kinds(result: RunResult) -> dict[str, str] | None:
    """Head path -> "added" / "modified" / "renamed" (None without a base)."""
    d = result.diff
    if d is None:
        return None
    out = dict.fromkeys(d.added, "added")
    out.update(dict.fromkeys(d.modified, "modified"))
    out.update({new: "renamed" for _, new in d.renamed})
    return out
