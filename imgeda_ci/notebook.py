"""The Python API, for notebooks: scan a folder, get its findings and a table of every image.

    import imgeda_ci

    found = imgeda_ci.inspect("data/")        # scan (incrementally) and run the checks
    found.verdict.passed                      # the policy's judgement
    found.findings()                          # one row per finding
    found.images()                            # one row per image: measurements, quality, flags
    found.counts()                            # images flagged per check

``findings()`` and ``images()`` are pandas DataFrames when pandas is installed and lists of
dicts otherwise (``as_frame=False`` asks for the lists). The scan is the CLI's: the manifest is
kept (by default in ``.imgeda-ci/manifest.jsonl`` under the folder) and a second call analyses
only what changed. ``policy`` is a policy file, as ``-p`` takes; without it the defaults apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.columns import Columns
from imgeda_ci.evaluate import evaluate
from imgeda_ci.evaluation import Evaluation
from imgeda_ci.measurements import exported
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.policy import load_policy
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.verdict import Verdict, judge


@dataclass
class Inspection:
    """What :func:`inspect` found in one folder."""

    root: Path
    manifest: Path
    header: ManifestHeader | None
    records: list[ImageRecord]
    evaluation: Evaluation
    verdict: Verdict

    def findings(self, *, as_frame: bool = True) -> Any:
        """One row per finding: check, severity, path, message, value, score (and the other
        images a dataset finding names, in ``paths``)."""
        rows = [
            {
                "check": f.check,
                "severity": f.severity,
                "path": f.path,
                "message": f.message,
                "value": f.value,
                "score": f.score,
                "paths": list(f.paths),
            }
            for f in self.evaluation.findings
        ]
        return _frame(rows, as_frame)

    def images(self, *, as_frame: bool = True) -> Any:
        """One row per image: its path, its quality score, one ``<check>`` column per check
        that flagged anything (True where it flagged the image) and every exported
        measurement, typed as the checks read it (missing: None)."""
        cols = Columns(self.records)
        paths: list[str] = [str(p) for p in cols.raw("path")]
        table: dict[str, list[Any]] = {"path": paths, "quality": list(self.evaluation.quality)}
        row = {p: i for i, p in enumerate(paths)}
        for check in sorted({f.check for f in self.evaluation.findings}):
            flags = [False] * len(paths)
            for f in self.evaluation.findings:
                if f.check == check and f.path in row:
                    flags[row[f.path]] = True
            table[check] = flags
        for m in exported():
            if m.name in table:
                continue
            if m.type == "str":
                table[m.name] = list(cols.text(m.key))
            else:
                values = cols.measure(m.key).tolist()
                table[m.name] = [None if v != v else _typed(v, m.type) for v in values]
        rows = [dict(zip(table, vals, strict=True)) for vals in zip(*table.values(), strict=True)]
        return _frame(rows, as_frame)

    def counts(self) -> dict[str, int]:
        """Images (or dataset findings) flagged per check, most first."""
        seen: dict[str, set[str]] = {}
        for f in self.evaluation.findings:
            seen.setdefault(f.check, set()).add(f.path)
        return dict(sorted(((c, len(p)) for c, p in seen.items()), key=lambda kv: -kv[1]))


def _typed(v: float, kind: str) -> Any:
    if kind == "int":
        return int(v)
    if kind == "bool":
        return bool(v)
    return v


def _frame(rows: list[dict[str, Any]], as_frame: bool) -> Any:
    if not as_frame:
        return rows
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def inspect(
    folder: str | Path,
    *,
    policy: str | Path | None = None,
    manifest_path: str | Path | None = None,
    workers: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    strict: bool = False,
) -> Inspection:
    """Scan ``folder`` into its manifest (``manifest_path``, by default
    ``<folder>/.imgeda-ci/manifest.jsonl``), run the checks of ``policy`` (a file; the
    defaults without one) and judge them."""
    root = Path(folder)
    out = Path(manifest_path) if manifest_path else root / ".imgeda-ci" / "manifest.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rules = load_policy(policy)
    scan_folder(
        root,
        out,
        workers=workers,
        include=include,
        exclude=exclude,
    )
    header, records = manifest.load(out)
    ev = evaluate(records, rules, header=dict(header) if header else None)
    return Inspection(root, out, header, records, ev, judge(ev, strict=strict))
