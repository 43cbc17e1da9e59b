"""Which rulebook fields differ between baseline and proposed, as ``path: old → new`` lines.

Used to label the report and the attribution ("registration.protection_period: 90d → 60d").
This compares the two documents' data; it decides nothing.
"""

from __future__ import annotations

from typing import Any

from rules import Rulebook

_IGNORED = frozenset({"version", "title", "effective_from"})


def _walk(path: str, old: Any, new: Any, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if not path and key in _IGNORED:
                continue
            _walk(f"{path}.{key}" if path else str(key), old.get(key), new.get(key), out)
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and all(isinstance(x, dict) for x in old + new)
    ):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(f"{path}[{i}]", a, b, out)
    elif old != new:
        out.append(f"{path}: {_show(old)} → {_show(new)}")


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(x, dict) for x in value):
        return "[" + "; ".join(", ".join(f"{k}={v}" for k, v in x.items()) for x in value) + "]"
    return str(value)


def rule_changes(baseline: Rulebook, proposed: Rulebook) -> list[str]:
    out: list[str] = []
    _walk("", baseline.model_dump(mode="json"), proposed.model_dump(mode="json"), out)
    return out
