"""The main job, run on the demo dataset: scan, then summarise."""

from __future__ import annotations

from pathlib import Path

from imgeda_ci.commands.info import summarize
from imgeda_ci.scan.api import scan_folder


def run_demo_job(dataset: Path, out_dir: Path) -> int:
    """Run the job and return the gate's exit code."""
    manifest = out_dir / "manifest.jsonl"
    stats = scan_folder(dataset, manifest, use_git=False, progress=True)
    print(f"scanned {stats.images} images: analysed {stats.analysed}, reused {stats.reused}")
    for line in summarize(str(manifest)):
        print(line)
    return 0
