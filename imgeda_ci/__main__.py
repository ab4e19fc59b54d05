from __future__ import annotations

from imgeda_ci.cli import run

run()
