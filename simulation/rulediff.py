"""The rule changes a what-if is about, in words, from the rulebook core's semantic diff.

Header fields (version, title, effective date) always differ between two rulebooks and say
nothing about behaviour, so they are left out.
"""

from __future__ import annotations

from rules import Rulebook, diff_rulebooks

_HEADER = frozenset({"version", "title", "effective_from"})


def rule_changes(baseline: Rulebook, proposed: Rulebook) -> list[str]:
    """``["registration.protection_period: 90 days → 60 days", ...]`` in document order."""
    return [c.text for c in diff_rulebooks(baseline, proposed) if c.path not in _HEADER]
