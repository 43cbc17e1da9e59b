"""The rulebook's reasons as a partner reads them in the API: never another partner's identity.

A conflict reason names the registration it collided with: the other partner's id, its
registration (whose id carries that partner's request key) and its spelling of the account, in
the text and the facts. Approvers need all of that; a partner reading its own registration gets
the rule's meaning in words, with the dates and how alike the accounts were, and nothing that
names the other party (as its pages show only the codes).
"""

from __future__ import annotations

from typing import Any

from rules.reasons import Reason, meaning

# Facts that name the other registration or partner, or carry its spelling of the account.
_NAMING = frozenset({"registration_id", "holder", "account"})


def partner_reason(reason: Reason) -> dict[str, Any]:
    """``reason`` as the registering partner may read it."""
    if not _NAMING & reason.facts.keys():
        return {"code": reason.code, "text": reason.text, "facts": dict(reason.facts)}
    facts = {k: v for k, v in reason.facts.items() if k not in _NAMING}
    since = f" (since {facts['since']})" if "since" in facts else ""
    return {"code": reason.code, "text": f"{meaning(reason.code)}{since}", "facts": facts}
