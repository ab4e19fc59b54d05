"""``imgeda-ci init``: set a git repository up for imgeda-ci.

Finds the dataset folder (the top-level folder holding the most images; ``.`` for images at the
root), scans it and runs the checks with the default policy, then writes, at the repository's
root: a starter policy ``imgeda-ci.yml`` (today's findings become waivers that expire in 90
days, or ``mode: new-only``), ``.github/workflows/imgeda-ci.yml`` running the Action, and the
dataset hook in ``.pre-commit-config.yaml`` (merged into an existing one). An existing file is
never overwritten unless the caller says so (see :class:`Writer`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imgeda_ci import __version__
from imgeda_ci.errors import UserError
from imgeda_ci.formats.files import is_image_name

POLICY = "imgeda-ci.yml"
WORKFLOW = ".github/workflows/imgeda-ci.yml"
PRECOMMIT = ".pre-commit-config.yaml"
HOOKS_REPO = "https://github.com/OWNER/imgeda-ci"
ACTION = f"OWNER/imgeda-ci@v{__version__}"  # --action names the real one
ACTION_REF = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w./-]+")
WAIVER_DAYS = 90
BASELINES = ("waivers", "new-only")
#: characters a .gitignore-style glob reads specially, escaped to waive one exact path
_GLOB_SPECIAL = "\\*?[]!#"


def repository_root(cwd: Path) -> Path:
    """The root of the git work tree at ``cwd``; outside one, a one-line error."""
    from imgeda_ci.policy.discovery import git_toplevel

    root = git_toplevel(cwd)
    if root is None:
        raise UserError(
            f"{cwd}: not inside a git repository: run 'git init' there first (or cd into "
            "your repository) and run 'imgeda-ci init' again"
        )
    return root


def dataset_folders(root: Path) -> list[tuple[str, int]]:
    """(folder, images) for every top-level folder of the repository holding images (tracked
    or not, ignored files left out; ``.`` for images at the root), the most images first."""
    proc = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    )
    counts: Counter[str] = Counter()
    for raw in proc.stdout.split(b"\0"):
        name = raw.decode("utf-8", "surrogateescape")
        if name and is_image_name(name) and (root / name).is_file():
            head, sep, _ = name.partition("/")
            counts[head if sep else "."] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class Survey:
    """What the scan of the dataset folder found."""

    folder: str
    images: int
    format: str
    findings: dict[str, list[str]] = field(default_factory=dict)  # check -> paths
    records: list[Any] = field(default_factory=list, repr=False)
    header: dict[str, Any] | None = field(default=None, repr=False)

    def passes(self, policy: str) -> bool:
        """Whether the gate, without a base (as the dataset hook runs it), passes today's
        dataset with the policy text ``policy``."""
        from imgeda_ci.evaluate import evaluate
        from imgeda_ci.policy import parse_policy
        from imgeda_ci.verdict import judge

        return judge(evaluate(self.records, parse_policy(policy), header=self.header)).passed


def survey(root: Path, folder: str) -> Survey:
    """Scan ``root/folder`` (into a temporary manifest) and run the default policy's checks."""
    from imgeda_ci import manifest
    from imgeda_ci.evaluate import evaluate
    from imgeda_ci.policy import default_policy
    from imgeda_ci.scan.api import scan_folder

    with tempfile.TemporaryDirectory(prefix="imgeda-ci-init-") as tmp:
        out = Path(tmp) / "manifest.jsonl"
        scan_folder(root / folder, out)
        header, records = manifest.load(out)
    facts = dict(header) if header else None
    ev = evaluate(records, default_policy(), header=facts)
    found: dict[str, set[str]] = {}
    for f in ev.findings:
        if f.path:
            found.setdefault(f.check, set()).add(f.path)
    fmt = str((header["dataset"] if header else {}).get("format") or "flat")
    waivable = {c: sorted(p) for c, p in sorted(found.items())}
    return Survey(folder, len(records), fmt, waivable, list(records), facts)


def _glob(path: str) -> str:
    """A glob matching exactly ``path``."""
    return "".join("\\" + c if c in _GLOB_SPECIAL else c for c in path)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def policy_text(s: Survey, baseline: str, today: dt.date) -> str:
    """The starter policy for the dataset ``s``."""
    lines = [
        f"# imgeda-ci policy for {s.folder} ({s.images} images, {s.format} layout), written by",
        f"# 'imgeda-ci init' on {today.isoformat()}. Every check runs at its default (see",
        "# 'imgeda-ci checks'); tune them under checks:, e.g. dark: {threshold: 30, max_pct: 2}.",
        "version: 1",
    ]
    if baseline == "new-only":
        lines += [
            "# Only findings a change introduces fail the gate; the findings already in the",
            "# dataset are reported but do not fail it.",
            "mode: new-only",
        ]
        return "\n".join(lines) + "\n"
    if not s.findings:
        return "\n".join([*lines, "waivers: []"]) + "\n"
    expires = (today + dt.timedelta(days=WAIVER_DAYS)).isoformat()
    lines += [
        f"# The findings of {today.isoformat()} are waived until {expires}: fix or remove the",
        "# images, or renew a waiver with a reason, before it expires (an expired waiver fails).",
        "waivers:",
    ]
    for check, paths in s.findings.items():
        lines += [f"  - check: {check}", "    paths:"]
        lines += [f"      - {_q(_glob(p))}" for p in paths]
        lines += [
            f"    reason: {_q(f'present when imgeda-ci init ran on {today.isoformat()}')}",
            f"    expires: {expires}",
        ]
    return "\n".join(lines) + "\n"


def workflow_text(folder: str, action: str) -> str:
    """The workflow running the Action on the dataset folder for every pull request."""
    return f"""\
# Written by 'imgeda-ci init': gate the dataset in {folder} on every pull request.
name: imgeda-ci
on:
  pull_request:
permissions:
  contents: read
  pull-requests: write # the sticky PR comment (read-only on forks: falls back to the summary)
jobs:
  imgeda-ci:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 2 # the merge commit and its parents: the base, without a fetch
          persist-credentials: false
      - uses: {action} # pin to a full commit SHA
        id: gate
        with:
          path: {_q(folder)}
          policy: {POLICY}
"""


def manifest_of(folder: str) -> str:
    return "manifest.jsonl" if folder == "." else f"{folder}/manifest.jsonl"


def hook_entry(folder: str) -> dict[str, Any]:
    """The ``repos:`` entry running this project's dataset hook on ``folder``."""
    hook: dict[str, Any] = {
        "id": "imgeda-ci-dataset",
        "args": ["--dataset", folder, "--manifest", manifest_of(folder), "--policy", POLICY],
    }
    if folder != ".":
        hook["files"] = f"^{folder}/"
    return {"repo": HOOKS_REPO, "rev": f"v{__version__}", "hooks": [hook]}


def has_hook(config: Any) -> bool:
    repos = config.get("repos") if isinstance(config, dict) else None
    return isinstance(repos, list) and any(
        isinstance(r, dict)
        and any(
            isinstance(h, dict) and h.get("id") == "imgeda-ci-dataset" for h in r.get("hooks") or []
        )
        for r in repos
    )


def merged_precommit(existing: str | None, folder: str) -> str | None:
    """The ``.pre-commit-config.yaml`` with the hook added (the existing text kept: the entry
    is appended to its ``repos:`` list), or None when it has the hook already."""
    entry = hook_entry(folder)
    block = yaml.safe_dump([entry], sort_keys=False, default_flow_style=None)
    if existing is None or not existing.strip():
        return "repos:\n" + _indent(block, "  ")
    try:
        config = yaml.safe_load(existing)
    except yaml.YAMLError as exc:
        raise UserError(
            f"{PRECOMMIT}: not valid YAML ({str(exc).splitlines()[0]}): fix it, or move it "
            "away, and run 'imgeda-ci init' again"
        ) from None
    config = {} if config is None else config  # only comments
    if not isinstance(config, dict) or not isinstance(config.get("repos", []), list):
        raise UserError(
            f"{PRECOMMIT}: 'repos:' is not a list of repositories: fix it (or move the file "
            "away) and run 'imgeda-ci init' again"
        )
    if has_hook(config):
        return None
    want = {**config, "repos": [*config.get("repos", []), entry]}
    text = existing if existing.endswith("\n") else existing + "\n"
    head = "" if "repos" in config else "repos:\n"
    appended = text + head + _indent(block, _item_indent(text))
    if _loads(appended) == want:  # repos: was the last key: the text, comments and all, kept
        return appended
    return yaml.safe_dump(want, sort_keys=False, default_flow_style=None)


def _loads(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _item_indent(text: str) -> str:
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- repo:"):
            return line[: len(line) - len(stripped)]
    return "  "


def _indent(block: str, pad: str) -> str:
    return "".join(pad + line if line.strip() else line for line in block.splitlines(True))


Ask = Callable[[str, bool], bool]


@dataclass
class Writer:
    """Writes the files at the repository root. An existing file is overwritten only with
    ``force`` or when ``ask`` (the interactive prompt; None with ``--yes``) says yes."""

    root: Path
    force: bool = False
    ask: Ask | None = None
    said: list[str] = field(default_factory=list)

    def write(self, name: str, text: str, *, merged: bool = False) -> bool:
        path = self.root / name
        if (
            path.exists()
            and not merged
            and not self.force
            and (self.ask is None or not self.ask(f"{name} exists: overwrite it?", False))
        ):
            self.said.append(f"{name}: exists, left as it is (--force overwrites it)")
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.said.append(f"{name}: {'updated' if merged else 'written'}")
        return True

    def precommit(self, folder: str) -> None:
        path = self.root / PRECOMMIT
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        text = merged_precommit(existing, folder)
        if text is None:
            self.said.append(f"{PRECOMMIT}: has the imgeda-ci-dataset hook already, left as it is")
        else:
            self.write(PRECOMMIT, text, merged=existing is not None)
