from __future__ import annotations

from pathlib import Path

import pytest

from tests.render.html_helpers import BigReport, big_report


@pytest.fixture(scope="session")
def big_html(tmp_path_factory: pytest.TempPathFactory) -> BigReport:
    """The report of a synthetic 100k-image manifest, made once per session."""
    return big_report(Path(tmp_path_factory.mktemp("big")))
