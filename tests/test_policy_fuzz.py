"""Fuzzing the policy loader through the CLI (issue 17): whatever the policy file holds, ``gate``
exits 0 or 2 (a valid policy), or 1 with exactly one line per problem, each naming the file;
never a traceback or an internal error.

Documents come from hypothesis (seeded: ``derandomize``), written as YAML text: keys from the
real key set (top-level keys, imgeda's shorthands and their ``_increase`` forms, check ids,
check settings, option names, override and waiver keys, split words) and mutations of them;
values of every type (odd scalars: YAML 1.1 booleans, ``.nan``, ``.inf``, hex and octal, huge
integers, bad dates, ``!!binary``, unknown tags; format names and modes; globs; nested lists
and mappings), anchors and aliases to earlier values; and raw byte edits (bytes that are not
UTF-8, tabs, NUL, a truncated file).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imgeda_ci.checks.format import format_names, mode_names
from imgeda_ci.checks.registry import all_checks, all_policy_keys
from imgeda_ci.cli import main
from imgeda_ci.formats.base import SPLIT_ALIASES
from imgeda_ci.policy import (
    CHECK_KEYS,
    OVERRIDE_KEYS,
    TOP_KEYS,
    WAIVER_KEYS,
    PolicyError,
    load_policy,
)
from imgeda_ci.policy.keys import increase_keys
from tests.gate_helpers import good, write

EXAMPLES = 300

KEYS = sorted(
    {
        *TOP_KEYS,
        *all_policy_keys(),
        *increase_keys(all_policy_keys()),
        *all_checks(),
        *CHECK_KEYS,
        *(o.name for c in all_checks().values() for o in c.options),
        *OVERRIDE_KEYS,
        *WAIVER_KEYS,
        *SPLIT_ALIASES,
    }
)
ODD_SCALARS = [
    "~", "null", "yes", "no", "on", "off", "Off", "y", "true", ".nan", ".NaN", ".inf", "-.inf",
    "0x1F", "0o17", "017", "1_000", "1e3", "1.0e+400", "-1.0e+400", "99999999999999999999",
    "-9223372036854775809", "1" * 40, "0", "-1", "3.5", "100", "101", "2026-13-45",
    "2999-12-31", "2000-01-01", "2026-06-30 10:00:00", "!!binary AAAA", "!!str 3",
    "!!int notanumber", "!!float x", "!!python/name:os.system", "!!set {a, b}", "!!omap [a: 1]",
    "'quoted'", '"\\u0000"', '"\\t"', "''", "'*'", "'**'", "'a/[b'", "'test**'", "error",
    "warning", "info", "absolute", "new-only", "1", "-", "?", "[]", "{}",
]  # fmt: skip


def mutate(word: str, how: int, at: int) -> str:
    """``word`` with one edit: drop, double, swap, upper-case or append a character."""
    if not word:
        return "x"
    i = at % len(word)
    edits: list[Callable[[str], str]] = [
        lambda w: w[:i] + w[i + 1 :],
        lambda w: w[:i] + w[i] + w[i:],
        lambda w: w[:i] + w[i + 1 : i + 2] + w[i] + w[i + 2 :],
        str.upper,
        lambda w: w + "s",
    ]
    return edits[how % len(edits)](word)


CHECKS = all_checks()
SHORTHANDS = {**all_policy_keys(), **increase_keys(all_policy_keys())}
GLOBS = ["a/**", "*.jpg", "b/", "**/x.png", "test**", "a/[bc", "", "!a"]
odd = st.sampled_from(ODD_SCALARS)


class Doc:
    """Builds one policy as YAML text from draws; values may be anchored (``&vN``) and later
    values may be aliases of them (``*vN``)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.anchors: list[str] = []

    def chance(self, n: int) -> bool:
        """True one time in ``n``."""
        return self.draw(st.integers(0, n - 1)) == 0

    def word(self, good: list[str]) -> str:
        """One of ``good``, sometimes mutated, sometimes a wrong scalar."""
        w = self.draw(st.sampled_from(good))
        if self.chance(20):
            return mutate(w, self.draw(st.integers(0, 4)), self.draw(st.integers(0, 40)))
        return self.draw(odd) if self.chance(40) else w

    def value(self, good: st.SearchStrategy[str]) -> str:
        """A value drawn from ``good``, or (one time in 5) anything; maybe anchored or an
        alias of an earlier value."""
        if self.anchors and self.chance(15):
            return "*" + self.draw(st.sampled_from(self.anchors))
        text = self.draw(good) if not self.chance(12) else self.draw(anything())
        if self.chance(15):
            name = f"v{len(self.anchors)}"
            self.anchors.append(name)
            return f"&{name} {text}"
        return text

    def mapping(self, items: list[tuple[str, str]]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"

    def many(self, make: Callable[[], str], most: int) -> list[str]:
        return [make() for _ in range(self.draw(st.integers(0, most)))]


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, 100).map(str),
        st.floats(0, 100, allow_nan=False).map(lambda f: f"{f:.3f}"),
        st.integers(-5, 10**20).map(str),
        odd,
    )


def anything(depth: int = 0) -> st.SearchStrategy[str]:
    inner: list[st.SearchStrategy[str]] = [odd, st.sampled_from(KEYS), numbers()]
    if depth < 2:
        sub = anything(depth + 1)
        inner.append(st.lists(sub, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"))
        inner.append(
            st.lists(st.tuples(st.sampled_from(KEYS), sub), max_size=3).map(
                lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
            )
        )
    return st.one_of(inner)


def _list_of(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(names, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")


def _enum_word(names: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(names),
        st.builds(mutate, st.sampled_from(names), st.integers(0, 4), st.integers(0, 40)),
    )


FORMATS = _list_of(_enum_word(list(format_names())))
MODE_NAMES = _list_of(_enum_word([f"'{m}'" for m in mode_names()]))
GLOB_LISTS = _list_of(st.sampled_from([f"'{g}'" for g in GLOBS]))


def _option(doc: Doc, cid: str) -> tuple[str, str]:
    opts = CHECKS[cid].options if cid in CHECKS else ()
    name = doc.word([o.name for o in opts] or ["options"])
    kind = next((o.type for o in opts if o.name == name), "number")
    good = {"strings": FORMATS if "format" in cid else MODE_NAMES, "boolean": odd}
    return name, doc.value(good.get(kind, numbers()))


def _settings(doc: Doc) -> tuple[str, str]:
    cid = doc.word(list(CHECKS))
    if doc.chance(8):
        return cid, doc.value(st.sampled_from(["off", "false", "error"]))
    fields = []
    for key in doc.many(lambda: doc.word(list(CHECK_KEYS)), 3):
        if key == "options":
            fields.append((key, doc.mapping(doc.many(lambda: _option(doc, cid), 2))))
        elif key == "severity":
            fields.append((key, doc.word(["error", "warning", "info", "off"])))
        else:
            fields.append((key, doc.value(numbers())))
    return cid, doc.mapping(fields)


def _override(doc: Doc) -> str:
    items = [(doc.word(["paths", "path"]), doc.value(GLOB_LISTS))]
    items.append((doc.word(["checks"]), doc.mapping(doc.many(lambda: _settings(doc), 2))))
    return doc.mapping(items[: doc.draw(st.integers(1, 2))])


def _waiver(doc: Doc) -> str:
    items = [
        (doc.word(["path", "paths"]), doc.value(st.sampled_from([f"'{g}'" for g in GLOBS]))),
        (doc.word(["check", "checks"]), doc.word([*CHECKS, "'*'"])),
        (doc.word(["reason"]), doc.value(st.sampled_from(["ok", "''", "'  '", "vendor"]))),
        (doc.word(["expires"]), doc.value(st.sampled_from(["2999-12-31", "2000-01-01", "soon"]))),
    ]
    return doc.mapping(items[: doc.draw(st.integers(1, 4))])


def _top(doc: Doc, key: str) -> str:
    """The value of one top-level key, shaped as that key expects (or not)."""
    if key in SHORTHANDS:
        return doc.value(FORMATS if SHORTHANDS[key].type == "strings" else numbers())
    blocks: dict[str, Callable[[], str]] = {
        "version": lambda: doc.value(st.sampled_from(["1", "2", "'1'"])),
        "mode": lambda: doc.word(["absolute", "new-only"]),
        "splits": lambda: doc.mapping(
            [(doc.word(list(SPLIT_ALIASES)), doc.value(GLOB_LISTS)) for _ in range(2)]
        ),
        "checks": lambda: doc.mapping(doc.many(lambda: _settings(doc), 3)),
        "overrides": lambda: "[" + ", ".join(doc.many(lambda: _override(doc), 2)) + "]",
        "waivers": lambda: "[" + ", ".join(doc.many(lambda: _waiver(doc), 2)) + "]",
    }
    return blocks[key]() if key in blocks else doc.value(anything())


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A policy shaped like a real one (keys from the real key set, values as each key expects),
    with mutations at every level, then maybe a raw byte edit."""
    doc = Doc(draw)
    keys = draw(st.lists(st.sampled_from([*TOP_KEYS, *SHORTHANDS]), min_size=1, max_size=6,
                         unique=True))  # fmt: skip
    keys = [doc.word([k]) for k in keys]
    data = "".join(f"{k}: {_top(doc, k)}\n" for k in keys).encode("utf-8", "surrogatepass")
    edit = draw(st.integers(0, 19))
    at = draw(st.integers(0, max(len(data), 1)))
    if edit == 0:
        data = data[:at]  # truncated
    elif edit == 1:
        data = data[:at] + draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\x00", b"\t", b"\x85"]))
        data += data[at:]
    elif edit == 2:
        data = data[:at] + b"\n  - " + data[at:]  # a stray block item
    return data


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), [good("a.jpg"), good("b/c.png", format="PNG")])
        yield Path(tmp)


def _gate(root: Path, policy: bytes) -> tuple[int, list[str], Path]:
    pol = root / "policy.yml"
    pol.write_bytes(policy)
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["gate", "-m", str(root / "m.jsonl"), "-p", str(pol)])
    return code, err.getvalue().splitlines(), pol


def _assert_one_line_per_problem(code: int, lines: list[str], pol: Path, text: str) -> None:
    joined = "\n".join(lines)
    assert "Traceback" not in joined and "internal error" not in joined, joined
    try:
        load_policy(pol)
        problems: list[str] = []
    except PolicyError as exc:
        problems = str(exc).splitlines()
    if not problems:
        assert code in (0, 2), (text, joined)
        assert not any(line.startswith("imgeda-ci: error") for line in lines), joined
        return
    assert code == 1, (text, joined)
    assert lines == [f"imgeda-ci: error: {p}" for p in problems], (text, joined)
    assert all(p.startswith(f"{pol}") and p.strip() for p in problems), problems
    assert len(set(problems)) == len(problems), problems  # each problem once


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=documents())
def test_fuzzed_policies_exit_0_2_or_1_with_one_line_per_problem(
    workspace: Path, doc: bytes
) -> None:
    start = time.process_time()
    code, lines, pol = _gate(workspace, doc)
    _assert_one_line_per_problem(code, lines, pol, doc.decode("utf-8", "replace"))
    assert time.process_time() - start < 2.0, doc


HOSTILE = [
    b"allowed_formats: [JPEG, JPGG]\nmode: newonly\n",
    b"a0: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + b"".join(b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * 10) + b"]\n"
               for i in range(1, 9)).replace(b"*a0", b"*a").replace(b"&a0", b"&a"),
    b"checks: " + b"[" * 3000 + b"]" * 3000 + b"\n",
    b"min_images_total: 1" + b"0" * 5000 + b"\n",
    b"max_blurry_pct: 5\n\xff\xfe\n",
]  # fmt: skip


@pytest.mark.parametrize("doc", HOSTILE)
def test_hostile_policies_through_a_real_process(tmp_path: Path, doc: bytes) -> None:
    """The installed entry point, in its own process: exit 1, one line each, no traceback."""
    manifest = write(tmp_path, [good("a.jpg")])
    pol = tmp_path / "policy.yml"
    pol.write_bytes(doc)
    proc = subprocess.run(
        [sys.executable, "-m", "imgeda_ci", "gate", "-m", str(manifest), "-p", str(pol)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith(f"imgeda-ci: error: {pol}") for line in lines), lines
    assert "Traceback" not in proc.stderr
