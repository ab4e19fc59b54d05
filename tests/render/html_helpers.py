"""Helpers for the HTML report tests: results from synthetic records, the demo dataset scanned
for real, a dataset with hostile file names, and a Chromium page that records what it does."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.demo.dataset import make_demo
from imgeda_ci.evaluate import FindingResult, evaluate
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.policy import default_policy
from imgeda_ci.render.html import render_html
from imgeda_ci.run_result import RunResult, build_result
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.verdict import judge
from tests.builders import dark, photo, save
from tests.render import synthetic

#: File names a report must show as text (a "/" makes folders: the path is still the string)
HOSTILE_FILES = (
    "<img src=x onerror=alert(1)>.jpg",
    "</script><script>alert(1)</script>.jpg",
    "quote\"s and 'apostrophes' & ampersands &amp; <b>.jpg",
    "ünïcødé 照片 🚀 \u202eevil.jpg",
    "{{ 7*7 }} ${alert(1)} javascript:alert(1).jpg",
)
CHECKS_FAST = ("dark", "blurry", "truncated", "extension_mismatch", "overexposed", "too_small")


def fast_result(records: list[ImageRecord], header: ManifestHeader | None = None) -> RunResult:
    """A RunResult from a few cheap checks (for large synthetic manifests)."""
    policy = default_policy()
    ev = evaluate(records, policy, header=header, only=CHECKS_FAST)
    return RunResult(header, records, policy, ev, judge(ev))


@dataclass
class BigReport:
    path: Path
    images: int
    render_seconds: float


def big_report(folder: Path, n: int = 100_000) -> BigReport:
    """Write the report of ``n`` synthetic records; the clock covers render_html only."""
    gc.disable()  # 100k nested dicts: the collector would rescan them again and again
    try:
        recs = synthetic.records(n)
    finally:
        gc.enable()
    gc.freeze()
    try:
        result = fast_result(recs, synthetic.header(n))
        start = time.perf_counter()
        html = render_html(result)
        seconds = time.perf_counter() - start
    finally:
        gc.unfreeze()
    path = folder / "big.html"
    path.write_text(html, encoding="utf-8")
    return BigReport(path, n, seconds)


def demo_result(folder: Path) -> tuple[RunResult, Path]:
    """The demo dataset, scanned for real: (result, images folder)."""
    data = folder / "dataset"
    make_demo(data)
    scan_folder(data, folder / "manifest.jsonl", use_git=False, workers=1)
    header, records = manifest.load(folder / "manifest.jsonl")
    return build_result(records, default_policy(), header=header), data


def hostile_result(folder: Path) -> tuple[RunResult, Path]:
    """A scanned dataset whose file names are HTML/JS; all dark, so each is flagged."""
    data = folder / "hostile"
    for i, name in enumerate(HOSTILE_FILES):
        save(data / "train" / name, dark(i, (96, 72)))
    for i in range(4):
        save(data / "train" / f"ok_{i}.jpg", photo(i, (96, 72)))
    scan_folder(data, folder / "hostile.jsonl", use_git=False, workers=1)
    header, records = manifest.load(folder / "hostile.jsonl")
    return build_result(records, default_policy(), header=header), data


def duplicate_findings(pairs: list[tuple[str, str, str, int]]) -> list[FindingResult]:
    """Findings as issue 4's duplicate checks make them: (check, dup, keeper, distance)."""
    out = []
    for check, dup, keeper, distance in pairs:
        out.append(
            FindingResult(
                check,
                "warning",
                (dup, keeper),
                f"{dup} duplicates {keeper}",
                data={"group": keeper, "keeper": keeper, "distance": distance, "kind": check},
            )
        )
    return out


# --- Chromium ---------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class PageLog:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def network(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:"))]


def open_page(
    browser: Any, url: str, *, color_scheme: str = "light", **kw: Any
) -> tuple[Any, PageLog]:
    page = browser.new_page(color_scheme=color_scheme, **kw)
    log = PageLog()
    page.on("request", lambda r: log.requests.append(r.url))
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(url)
    page.wait_for_selector("html[data-ready='1']", timeout=30_000)
    return page, log


def save_screenshot(page: Any, out: Path, *, full_page: bool = False) -> None:
    """A screenshot of ``page`` as a palette PNG at ``out`` (the docs' pictures stay small)."""
    from PIL import Image

    page.screenshot(path=str(out), full_page=full_page)
    img = Image.open(out).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KB")


def launch() -> Iterator[Any]:
    """A headless Chromium (Debian's), or skip."""
    import pytest

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
