"""Option texts the commands share (kept free of heavy imports: ``--help`` starts fast)."""

from __future__ import annotations

#: ``-p``: see :mod:`imgeda_ci.policy.discovery`
POLICY_HELP = (
    "policy YAML (default: imgeda-ci.yml, .imgeda-ci.yml or [tool.imgeda-ci] in pyproject.toml "
    "at the repository root, else the built-in defaults)"
)
