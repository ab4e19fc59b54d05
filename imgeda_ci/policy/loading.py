"""Loading: policy YAML -> a validated :class:`~imgeda_ci.policy.model.Policy`, or one line.

:func:`load_policy` reads a file, :func:`parse_policy` validates text: the YAML is read with
each value's line (:mod:`imgeda_ci.policy.yaml_lines`), then :class:`_Loader` walks the
document block by block (top-level keys, ``splits``, ``checks``, ``overrides``, ``waivers``),
checking each value with :class:`~imgeda_ci.policy.values.Values` and applying the top-level
shorthand keys with :func:`~imgeda_ci.policy.keys.apply_keys`. The first problem found is
raised as a :class:`~imgeda_ci.policy.model.PolicyError` naming the file, line and key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from imgeda_ci.checks.registry import Check, Option, all_checks, all_policy_keys
from imgeda_ci.policy.discovery import PYPROJECT, TABLE, pyproject_table
from imgeda_ci.policy.enums import SPLIT_NAME_PATTERN, SPLIT_WORDS, option_choices, suggestion
from imgeda_ci.policy.keys import apply_keys, increase_keys
from imgeda_ci.policy.model import (
    CHECK_KEYS,
    MODES,
    OVERRIDE_KEYS,
    TOP_KEYS,
    VERSION,
    WAIVER_KEYS,
    CheckSettings,
    Override,
    Policy,
    PolicyError,
    Waiver,
    default_policy,
)
from imgeda_ci.policy.values import Values, type_name
from imgeda_ci.policy.yaml_lines import Path_, load_with_lines
from imgeda_ci.yaml_bounds import YamlBoundError


def load_policy(path: str | Path | None, *, today: dt.date | None = None) -> Policy:
    """Read and validate a policy file (the built-in defaults for None); raise
    :class:`PolicyError` (one line a problem) when invalid."""
    if path is None or str(path) == "":
        return default_policy()
    p = Path(path)
    if p.name == PYPROJECT:  # the [tool.imgeda-ci] table (see imgeda_ci.policy.discovery)
        table = pyproject_table(p)
        if table is None:
            raise PolicyError(f"{p}: has no [tool.{TABLE}] table; add one or pass a policy YAML")
        source = f"{p} [tool.{TABLE}]"
        return _Loader(source, {}, today or dt.date.today()).policy(table)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"{p}: policy file not found; check the path given to -p") from None
    except IsADirectoryError:
        raise PolicyError(f"{p}: is a folder; -p takes a policy YAML file") from None
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read policy: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{p}: not UTF-8 text; save the policy as UTF-8") from None
    return parse_policy(text, source=str(p), today=today)


def parse_policy(text: str, *, source: str = "<policy>", today: dt.date | None = None) -> Policy:
    """Validate policy YAML text (see :mod:`imgeda_ci.policy`); ``source`` names it in errors."""
    try:
        data, lines = load_with_lines(text)
    except YamlBoundError as exc:  # a syntax error (YamlError) or a document past the bounds
        where = f"{source}:{exc.line}" if exc.line else source
        raise PolicyError(f"{where}: {exc.problem}") from None
    return _Loader(source, lines, today or dt.date.today()).policy(data)


def _date(raw: Any) -> dt.date | None:
    """A YAML date, or ISO date text, as a date; ``None`` when it is neither."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            return None
    return None


_T = TypeVar("_T")


class _Loader(Values):
    """Validates one policy document, block by block."""

    def __init__(self, source: str, lines: Mapping[Path_, int], today: dt.date) -> None:
        super().__init__(source, lines)
        self.today = today
        self.checks = all_checks()
        self.keys = all_policy_keys()
        #: the problems found so far: every one is reported, a line each
        self.problems: list[str] = []

    def attempt(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
        """``fn(...)``, or None after noting its problem: the rest of the file is still read,
        so that one run reports every problem."""
        try:
            return fn(*args, **kwargs)
        except PolicyError as exc:
            self.problems.append(str(exc))
            return None

    def policy(self, data: Any) -> Policy:
        top = self.top(data)
        mode = self.attempt(self.mode, top) or "absolute"
        splits = (self.attempt(self.splits, top["splits"]) if "splits" in top else None) or {}
        explicit = self.explicit_checks(top["checks"]) if "checks" in top else {}
        applied = self.attempt(apply_keys, self, self.keys, top, explicit)
        overrides = self.each(top, "overrides", self.override)
        waivers = self.each(top, "waivers", self.waiver)
        if self.problems or applied is None:
            raise PolicyError("\n".join(self.problems))
        checks, groups, keys = applied
        return Policy(
            source=self.source,
            mode=mode,
            checks=checks,
            overrides=overrides,
            waivers=waivers,
            groups=tuple(groups),
            keys=keys,
            splits=splits,
        )

    # blocks ----------------------------------------------------------------------------
    def known_keys(
        self, path: Path_, body: Mapping[str, Any], valid: Sequence[str], what: str
    ) -> None:
        """Every key of ``body`` not in ``valid`` is a problem (all are noted); raises after
        them when there was any."""
        unknown = [self.unknown((*path, k), k, valid, what) for k in body if k not in valid]
        if unknown:
            self.problems.extend(str(e) for e in unknown[:-1])
            raise unknown[-1]

    def each(
        self, top: Mapping[str, Any], key: str, read: Callable[[Path_, Any], _T]
    ) -> tuple[_T, ...]:
        """``read`` of every item of the list ``top[key]`` that reads without a problem."""
        items = self.attempt(lambda: list(self.items(top, key))) or []
        got = (self.attempt(read, at, item) for at, item in items)
        return tuple(x for x in got if x is not None)

    def top(self, data: Any) -> dict[str, Any]:
        if data is None:
            raise self.fail(
                (), "the policy file is empty; add keys, or drop -p to use the built-in defaults"
            )
        top = self.mapping((), data, "a mapping of policy keys")
        valid = (*TOP_KEYS, *self.keys, *increase_keys(self.keys))
        self.attempt(self.known_keys, (), top, valid, "keys")
        if "version" in top and (top["version"] != VERSION or isinstance(top["version"], bool)):
            version = self.fail(("version",), f"unsupported version {top['version']!r}", "use 1")
            self.problems.append(str(version))
        return {k: v for k, v in top.items() if k in valid}  # (the others are problems noted)

    def mode(self, top: Mapping[str, Any]) -> str:
        mode = top.get("mode", "absolute")
        if mode not in MODES:
            best = suggestion(mode, MODES) if isinstance(mode, str) else None
            raise self.fail(
                ("mode",),
                f"unsupported mode {mode!r}",
                f"did you mean {best}?" if best else f"this version supports: {', '.join(MODES)}",
            )
        return str(mode)

    def splits(self, raw: Any) -> dict[str, tuple[str, ...]]:
        splits: dict[str, tuple[str, ...]] = {}
        for name, globs in self.mapping(("splits",), raw, "globs by split name").items():
            got = self.attempt(self.split, name, globs)
            if got is not None:
                splits[name] = got
        return splits

    def split(self, name: str, globs: Any) -> tuple[str, ...]:
        """The globs of one split; its name must hold a split word (see
        :mod:`imgeda_ci.policy.enums`)."""
        if not re.search(SPLIT_NAME_PATTERN, name):
            raise self.fail(
                ("splits", name),
                f"unknown split name {name!r}",
                f"did you mean {best}?"
                if (best := suggestion(name, SPLIT_WORDS))
                else f"a split name holds one of {', '.join(SPLIT_WORDS)} (e.g. train2017)",
            )
        return self.globs(("splits", name), globs)

    def explicit_checks(self, raw: Any) -> dict[str, CheckSettings]:
        block = self.attempt(self.mapping, ("checks",), raw, "check settings by check id") or {}
        read = {
            cid: self.attempt(self.check_settings, ("checks", cid), cid, body, in_override=False)
            for cid, body in block.items()
        }
        return {cid: st for cid, st in read.items() if st is not None}

    def items(self, top: Mapping[str, Any], key: str) -> Iterator[tuple[Path_, Any]]:
        """The items of the list ``top[key]`` (none when the key is absent), with their paths."""
        if key not in top:
            return
        raw = top[key]
        if not isinstance(raw, list):
            raise self.fail((key,), f"expected a list, got {type_name(raw)}")
        for i, item in enumerate(raw):
            yield (key, i), item

    def globs_of(self, path: Path_, body: Mapping[str, Any], missing: str) -> tuple[str, ...]:
        """The globs under ``paths`` (or ``path``) of an override or a waiver."""
        pkey = "paths" if "paths" in body else "path"
        if pkey not in body:
            raise self.fail(path, missing)
        return self.globs((*path, pkey), body[pkey])

    # checks ----------------------------------------------------------------------------
    def check_id(self, path: Path_, cid: str) -> Check:
        if cid not in self.checks:
            raise self.unknown(path, cid, self.checks, "check ids")
        return self.checks[cid]

    def check_settings(
        self, path: Path_, cid: str, body: Any, *, in_override: bool
    ) -> CheckSettings:
        check = self.check_id(path, cid)
        if body is False or body == "off":  # `dark: off`
            return CheckSettings(severity="off")
        body = self.mapping(path, body, f"settings for check {cid}")
        self.known_keys(path, body, CHECK_KEYS, "check settings")
        sev = self.severity((*path, "severity"), body["severity"]) if "severity" in body else None
        threshold = None
        if "threshold" in body:
            self.once_per_dataset((*path, "threshold"), check, in_override)
            threshold = self.threshold((*path, "threshold"), check, body["threshold"])
        max_count = self.count(path, body, "max_count")
        max_pct = self.pct(path, body, "max_pct")
        max_count_inc = self.count(path, body, "max_count_increase")
        max_pct_inc = self.pct(path, body, "max_pct_increase")
        options: dict[str, Any] = {}
        if "options" in body:
            self.once_per_dataset((*path, "options"), check, in_override)
            options = self.options((*path, "options"), check, body["options"])
        return CheckSettings(
            sev, threshold, max_count, max_pct, options, max_count_inc, max_pct_inc
        )

    def once_per_dataset(self, path: Path_, check: Check, in_override: bool) -> None:
        """Refuse a threshold or options of a dataset check in an override."""
        if in_override and check.kind == "dataset":
            raise self.fail(
                path,
                f"{check.id} is a dataset check and runs once over the whole dataset",
                f"set its {path[-1]} under checks:, not in an override",
            )

    def threshold(self, path: Path_, check: Check, v: Any) -> float:
        if check.default_threshold is None:
            raise self.fail(path, f"check {check.id} has no threshold", "remove this key")
        lo, hi = check.threshold_range
        return self.number(path, v, lo, hi)

    def count(self, path: Path_, body: Mapping[str, Any], key: str) -> int | None:
        """A count limit (a whole number, at least 0), when ``body`` sets ``key``."""
        if key not in body:
            return None
        return int(self.number((*path, key), body[key], 0, integer=True))

    def pct(self, path: Path_, body: Mapping[str, Any], key: str) -> float | None:
        """A percentage limit (0 to 100), when ``body`` sets ``key``."""
        if key not in body:
            return None
        return float(self.number((*path, key), body[key], 0, 100))

    def options(self, path: Path_, check: Check, raw: Any) -> dict[str, Any]:
        specs = {o.name: o for o in check.options}
        options: dict[str, Any] = {}
        for name, v in self.mapping(path, raw, "options").items():
            if name not in specs:
                if not specs:
                    raise self.fail((*path, name), f"check {check.id} has no options")
                raise self.unknown((*path, name), name, specs, "options")
            options[name] = self.option_value((*path, name), specs[name], v)
        return options

    def option_value(self, path: Path_, opt: Option, v: Any) -> Any:
        if v is None:
            return None
        return self.typed(path, opt.type, v, opt.minimum, opt.maximum, option_choices(opt))

    # overrides and waivers -------------------------------------------------------------
    def override(self, path: Path_, item: Any) -> Override:
        body = self.mapping(path, item, "an override with paths and checks")
        self.known_keys(path, body, OVERRIDE_KEYS, "override keys")
        if "paths" in body and "path" in body:
            raise self.fail(path, "both path and paths are set", "keep only one")
        globs = self.globs_of(path, body, "an override needs paths (globs it applies to)")
        if "checks" not in body:
            raise self.fail(path, "an override needs checks (settings for those paths)")
        block = self.mapping((*path, "checks"), body["checks"], "check settings by check id")
        checks = {
            cid: self.check_settings((*path, "checks", cid), cid, b, in_override=True)
            for cid, b in block.items()
        }
        return Override(globs, checks, self.lines.get(path, 0))

    def waiver(self, path: Path_, item: Any) -> Waiver:
        body = self.mapping(path, item, "a waiver with path, check and reason")
        self.known_keys(path, body, WAIVER_KEYS, "waiver keys")
        for a, b in (("path", "paths"), ("check", "checks")):
            if a in body and b in body:
                raise self.fail(path, f"both {a} and {b} are set", "keep only one")
        globs = self.globs_of(path, body, "a waiver needs path: the file or glob it waives")
        ids = self.waived_checks(path, body)
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.fail(
                (*path, "reason") if "reason" in body else path,
                "a waiver needs a reason",
                "say why these findings are acceptable",
            )
        expires = None
        if "expires" in body:
            expires = self.expires((*path, "expires"), body["expires"], ids, globs)
        return Waiver(globs, ids, reason.strip(), expires, self.lines.get(path, 0))

    def waived_checks(self, path: Path_, body: Mapping[str, Any]) -> tuple[str, ...]:
        ckey = "checks" if "checks" in body else "check"
        if ckey not in body:
            raise self.fail(path, "a waiver needs check: the check id it waives (or '*')")
        ids = self.strings((*path, ckey), body[ckey], allow_single=True)
        if not ids:
            raise self.fail((*path, ckey), "expected at least one check id")
        for i, cid in enumerate(ids):
            if cid != "*":
                self.check_id(
                    (*path, ckey, i) if isinstance(body[ckey], list) else (*path, ckey), cid
                )
        return ids

    def expires(self, path: Path_, raw: Any, ids: Sequence[str], globs: Sequence[str]) -> dt.date:
        expires = _date(raw)
        if expires is None and isinstance(raw, str):
            raise self.fail(path, f"{raw!r} is not a date", "use YYYY-MM-DD")
        if expires is None:
            raise self.fail(path, f"expected a date, got {type_name(raw)}", "use YYYY-MM-DD")
        if expires < self.today:
            raise self.fail(
                path,
                f"waiver for {', '.join(ids)} on {', '.join(globs)} expired on "
                f"{expires.isoformat()}",
                "fix the findings, or renew the waiver with a new date",
            )
        return expires
