"""The scan as a library call: discovery, dataset layout, settings and pipeline in one place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imgeda_ci.model import Depth
from imgeda_ci.scan import discover
from imgeda_ci.scan.pipeline import ScanStats, scan
from imgeda_ci.scan.settings import (
    DEFAULT_ANALYSIS_SIZE,
    DEFAULT_MAX_PIXELS,
    DEFAULT_TIMEOUT,
    Settings,
)


def scan_folder(
    root: Path,
    output: Path,
    *,
    files_from: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    depth: Depth = "standard",
    workers: int | None = None,
    caches: Sequence[Path] = (),
    use_git: bool = True,
    dataset_format: str | None = None,
    analysis_size: int = DEFAULT_ANALYSIS_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
    timestamp: str | None = None,
    progress: bool = False,
) -> ScanStats:
    from imgeda_ci.formats import check_format, load_layout

    fmt = check_format(dataset_format)  # fail fast on a bad --format
    settings = Settings(
        depth=depth, analysis_size=analysis_size, max_pixels=max_pixels, timeout=timeout
    )
    if files_from:
        found = discover.from_list(root, files_from, include=include, exclude=exclude)
    else:
        found = discover.walk(root, include=include, exclude=exclude)
    layout = load_layout(root, found.paths, fmt)
    return scan(
        found,
        output,
        settings=settings,
        workers=workers,
        caches=caches,
        use_git=use_git,
        annotate=layout.annotate,
        dataset_facts=layout.header_facts(),
        root_label=root.as_posix(),
        timestamp=timestamp,
        progress=progress,
    )
