"""Option texts the commands share (kept free of heavy imports: ``--help`` starts fast)."""

from __future__ import annotations

#: every command's JSON output: ``--json-out FILE``, ``-`` for stdout (see
#: :mod:`imgeda_ci.outputs`)
JSON_OUT = "--json-out"


def json_out_help(what: str) -> str:
    return f"write {what} as JSON to FILE ('-' = stdout; lines for people then go to stderr)"


#: ``-p``: see :mod:`imgeda_ci.policy.discovery`
POLICY_HELP = (
    "policy YAML (default: imgeda-ci.yml, .imgeda-ci.yml or [tool.imgeda-ci] in pyproject.toml "
    "at the repository root, else the built-in defaults)"
)
