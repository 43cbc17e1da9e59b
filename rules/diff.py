"""Semantic difference between two rulebooks, in words: which rules changed, old -> new.

Lists of named things (tiers, roles, product lines) are matched by name, so reordering or adding
one is reported as such rather than as a shift of every later entry; plain lists (territories,
certifications) are compared as sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel

from rules.durations import format_duration
from rules.schema import Rulebook

_KEYS = ("id", "name")  # fields that identify an item in a list of models
_RATES = {"standard_discount", "discount", "max_discount", "justification_required_above"}
_MONEY = {"min_deal_value", "max_deal_value", "below_deal_value"}


@dataclass(frozen=True)
class RuleChange:
    path: str
    kind: str  # "changed", "added" or "removed"
    old: str | None
    new: str | None

    @property
    def text(self) -> str:
        if self.kind == "added":
            return f"{self.path}: added {self.new}"
        if self.kind == "removed":
            return f"{self.path}: removed {self.old}"
        return f"{self.path}: {self.old} → {self.new}"

    def __str__(self) -> str:
        return self.text


def diff_rulebooks(a: Rulebook, b: Rulebook) -> list[RuleChange]:
    """Every rule that differs from ``a`` to ``b``, in document order."""
    changes: list[RuleChange] = []
    _compare(a, b, "", changes)
    return changes


def _compare(a: Any, b: Any, path: str, out: list[RuleChange]) -> None:
    if isinstance(a, BaseModel) and isinstance(b, BaseModel):
        for name in type(a).model_fields:
            _compare(getattr(a, name), getattr(b, name), _join(path, name), out)
    elif isinstance(a, list) and isinstance(b, list) and _models(a) and _models(b):
        _compare_model_lists(a, b, path, out)
    elif isinstance(a, list) and isinstance(b, list):
        field = path.rsplit(".", 1)[-1]
        removed = [x for x in a if x not in b]
        added = [x for x in b if x not in a]
        if removed:
            out.append(RuleChange(path, "removed", ", ".join(_word(field, x) for x in removed), None))
        if added:
            out.append(RuleChange(path, "added", None, ", ".join(_word(field, x) for x in added)))
        if not removed and not added and a != b:
            out.append(RuleChange(path, "changed", _word(field, a), _word(field, b)))
    elif a != b:
        field = path.rsplit(".", 1)[-1]
        out.append(RuleChange(path, "changed", _word(field, a), _word(field, b)))


def _compare_model_lists(
    a: Sequence[BaseModel], b: Sequence[BaseModel], path: str, out: list[RuleChange]
) -> None:
    key = next((k for k in _KEYS if k in type(a[0] if a else b[0]).model_fields), None)
    if key is None:  # positional items: levels of a route, bands of a ladder
        for i in range(max(len(a), len(b))):
            here = f"{path}[{i}]"
            if i >= len(a):
                out.append(RuleChange(here, "added", None, _summary(b[i])))
            elif i >= len(b):
                out.append(RuleChange(here, "removed", _summary(a[i]), None))
            else:
                _compare(a[i], b[i], here, out)
        return
    old = {getattr(item, key): item for item in a}
    new = {getattr(item, key): item for item in b}
    for name, item in old.items():
        here = f"{path}[{name}]"
        if name not in new:
            out.append(RuleChange(here, "removed", _summary(item), None))
        else:
            _compare(item, new[name], here, out)
    for name, item in new.items():
        if name not in old:
            out.append(RuleChange(f"{path}[{name}]", "added", None, _summary(item)))
    common_old = [n for n in old if n in new]
    common_new = [n for n in new if n in old]
    if common_old != common_new:
        out.append(
            RuleChange(path, "changed", "order " + ", ".join(common_old), "order " + ", ".join(common_new))
        )


def _models(items: list[Any]) -> bool:
    return bool(items) and isinstance(items[0], BaseModel)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _summary(item: BaseModel) -> str:
    return (
        "("
        + ", ".join(f"{name} {_word(name, getattr(item, name))}" for name in type(item).model_fields)
        + ")"
    )


def _word(field: str, value: Any) -> str:
    """A value as people read it: durations in words, rates as percentages, money grouped."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and field in _RATES:
        return f"{value:.1%}".replace(".0%", "%")
    if isinstance(value, int | float) and field in _MONEY:
        return f"{value:,.0f}"
    if isinstance(value, BaseModel):
        return _summary(value)
    if isinstance(value, list):
        return "[" + ", ".join(_word(field, v) for v in value) + "]"
    return str(value)
