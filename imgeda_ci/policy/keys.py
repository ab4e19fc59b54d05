"""Top-level policy keys: how a key applies.

A top-level key (imgeda's ``max_blurry_pct`` and the like, declared in its check's
``policy_keys``, in the check's module) is a shorthand for per-check settings:
``max_blurry_pct: 10`` means ``checks: {blurry: {max_pct: 10, severity: error}}``. A key over
several checks with ``sets`` = ``max_pct`` / ``max_count`` is one limit over the union of their
findings (a :class:`~imgeda_ci.policy.model.GroupLimit`). ``<key>_increase`` is the relative
form of every percentage or count key. :func:`apply_keys` turns the keys of a file into check
settings and group limits, refusing a key that clashes with an explicit ``checks:`` setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, NoReturn

from imgeda_ci.checks.registry import SEVERITIES, Check, PolicyKey, Severity, all_checks
from imgeda_ci.policy.enums import key_option, option_choices
from imgeda_ci.policy.model import INCREASE, TOP_KEYS, CheckSettings, GroupLimit, PolicyError
from imgeda_ci.policy.values import Values

# --- applying the keys of one file -----------------------------------------------------------


def increase_keys(declared: Mapping[str, PolicyKey]) -> dict[str, PolicyKey]:
    """``<key>_increase`` -> key, for every percentage or count key."""
    return {k.name + INCREASE: k for k in declared.values() if k.sets in ("max_pct", "max_count")}


def apply_keys(
    values: Values,
    declared: Mapping[str, PolicyKey],
    top: Mapping[str, Any],
    explicit: Mapping[str, CheckSettings],
) -> tuple[dict[str, CheckSettings], list[GroupLimit], dict[str, Any]]:
    """The ``explicit`` check settings updated by the top-level keys in ``top``; the group
    limits (in the order their keys first appear); the keys' validated values."""
    out = _Shorthands(values, explicit, all_checks())
    increase = increase_keys(declared)
    problems: list[str] = []  # every key is read: one run reports every problem
    for name, raw in top.items():
        if name in TOP_KEYS:
            continue
        try:
            if name in increase:
                out.increase(name, increase[name], raw)
            else:
                out.absolute(declared[name], raw)
        except PolicyError as exc:
            problems.append(str(exc))
    if problems:
        raise PolicyError("\n".join(problems))
    return out.checks, list(out.groups.values()), out.keys


def _severity(key: PolicyKey) -> Severity:
    """The severity a key implies for a group limit (``error`` unless it says otherwise)."""
    sev = key.implied().get("severity")
    return sev if sev in SEVERITIES else "error"


def _disabled(key: PolicyKey, value: Any) -> bool:
    """Whether ``value`` turns the key off (imgeda's ``min_width: 0``, ``allowed_formats: []``)."""
    if value in key.disabled_values:
        return True
    return isinstance(value, tuple) and not value and () in key.disabled_values


class _Shorthands:
    """The check settings, group limits and key values built up key by key."""

    def __init__(
        self, values: Values, explicit: Mapping[str, CheckSettings], checks: Mapping[str, Check]
    ) -> None:
        self.values = values
        self.all_checks = checks
        self.explicit = explicit
        self.checks: dict[str, CheckSettings] = dict(explicit)
        self.groups: dict[str, GroupLimit] = {}
        self.keys: dict[str, Any] = {}

    def clash(self, name: str, cid: str, field_name: str) -> NoReturn:
        raise self.values.fail(
            (name,), f"both {name} and checks.{cid}.{field_name} are set", "keep only one"
        )

    # absolute keys: max_blurry_pct: 10 -------------------------------------------------
    def absolute(self, key: PolicyKey, raw: Any) -> None:
        choices = option_choices(key_option(key, self.all_checks))
        value = self.values.typed((key.name,), key.type, raw, key.minimum, key.maximum, choices)
        self.keys[key.name] = value
        if _disabled(key, value):
            return
        if len(key.checks) > 1 and key.sets in ("max_pct", "max_count"):
            self.group_limit(key, value)
            return
        for cid in key.checks:
            self.check_setting(cid, key, value)

    def group_limit(self, key: PolicyKey, value: Any) -> None:
        limit = GroupLimit(
            key.name,
            key.checks,
            _severity(key),
            int(value) if key.sets == "max_count" else None,
            float(value) if key.sets == "max_pct" else None,
        )
        prior = self.groups.get(key.name)  # its _increase form came first
        if prior is not None:
            limit = replace(
                limit,
                max_count_increase=prior.max_count_increase,
                max_pct_increase=prior.max_pct_increase,
            )
        self.groups[key.name] = limit

    def check_setting(self, cid: str, key: PolicyKey, value: Any) -> None:
        given = self.explicit.get(cid, CheckSettings())
        cur = self.checks.get(cid, CheckSettings())
        upd: dict[str, Any]
        if key.sets == "option":
            if key.option in given.options:
                self.clash(key.name, cid, f"options.{key.option}")
            upd = {"options": {**cur.options, key.option: value}}
        else:
            if getattr(given, key.sets) is not None:
                self.clash(key.name, cid, key.sets)
            cast = {"max_count": int, "max_pct": float}.get(key.sets)
            upd = {key.sets: cast(value) if cast else value}
        for k, v in key.implied().items():  # implied settings never beat explicit ones
            if (
                k in ("severity", "max_count", "max_pct")
                and getattr(given, k) is None
                and k not in upd
                and getattr(cur, k) is None
            ):
                upd[k] = v
        self.checks[cid] = replace(cur, **upd)

    # relative keys: max_blurry_pct_increase: 1 -----------------------------------------
    def increase(self, name: str, key: PolicyKey, raw: Any) -> None:
        """``max_x_pct_increase: 0.5``: the relative form of ``max_x_pct``."""
        pct = key.sets == "max_pct"
        value = self.values.number((name,), raw, 0, 100 if pct else None, integer=not pct)
        self.keys[name] = value
        if len(key.checks) > 1:
            prior = self.groups.get(key.name)
            if prior is None:
                prior = GroupLimit(key.name, key.checks, _severity(key), None, None)
            if pct:
                self.groups[key.name] = replace(prior, max_pct_increase=float(value))
            else:
                self.groups[key.name] = replace(prior, max_count_increase=int(value))
            return
        field_name = "max_pct_increase" if pct else "max_count_increase"
        for cid in key.checks:
            if getattr(self.explicit.get(cid, CheckSettings()), field_name) is not None:
                self.clash(name, cid, field_name)
            cur = self.checks.get(cid, CheckSettings())
            upd: dict[str, Any] = {field_name: value}
            sev = key.implied().get("severity")
            if cur.severity is None and sev in SEVERITIES:
                upd["severity"] = sev
            self.checks[cid] = replace(cur, **upd)
