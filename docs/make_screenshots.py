"""Make docs/report-light.png and docs/report-dark.png: the demo dataset's report in Chromium.

Run by hand after changing the report's look (needs Debian's chromium and playwright)::

    python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))

from imgeda_ci.render.html import render_html  # noqa: E402
from tests.render.html_helpers import (  # noqa: E402
    demo_result,
    launch,
    open_page,
    save_screenshot,
)

WIDTH, HEIGHT = 1200, 2400
SECTIONS_HIDDEN = "#checks details"  # keep the picture about the verdict and the charts


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result, images = demo_result(Path(tmp))
        page_file = Path(tmp) / "report.html"
        page_file.write_text(render_html(result, images_root=images), encoding="utf-8")
        for browser in launch():
            for scheme in ("light", "dark"):
                page, log = open_page(
                    browser,
                    page_file.as_uri(),
                    color_scheme=scheme,
                    viewport={"width": WIDTH, "height": HEIGHT},
                )
                assert not log.errors and not log.network, (log.errors, log.network)
                page.add_style_tag(content=f"{SECTIONS_HIDDEN} {{ display: none }}")
                save_screenshot(page, DOCS / f"report-{scheme}.png")
                page.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
