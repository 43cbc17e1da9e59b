"""An approver's decision on a flagged duplicate is a judgement on it, written into the audit.

When the rules send a registration to people because it may be the same account as a live
holder (``duplicate.fuzzy_match``), approving it says the two are different accounts and
rejecting it says they are one: the outcome's audit event carries that judgement as a reason
code, with the holders named. Pure functions of the decision's matches; the words are shared
with the task page, which names the holder's partner where the audit (readable by the
registering partner) gives only its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.reasons import ReasonCode, judgement_code
    from rules.registration import Match
    from workflows.human.journal import Change


def flagged(matches: Sequence[Match]) -> list[Match]:
    """The live holders the rules flagged as possibly the same account (in the rules' order)."""
    return [m for m in matches if m.reason_code == ReasonCode.FUZZY_MATCH]


def judgement_words(account_name: str, account_domain: str | None, holder: str, *, same_account: bool) -> str:
    """``a different account from Zyntrax Systems (zyntrax.com) held by <holder>``."""
    account = f"{account_name} ({account_domain})" if account_domain else account_name
    relation = "the same account as" if same_account else "a different account from"
    return f"{relation} {account} held by {holder}"


def holder_detail(match: Match) -> dict[str, Any]:
    """One flagged holder as the audit names it: ids, account, and how alike the rules found it."""
    return {
        "registration_id": match.registration_id,
        "partner_id": match.partner_id,
        "account_name": match.account_name,
        "account_domain": match.account_domain,
        "product_line": match.product_line,
        "since": match.submitted_at.isoformat(),
        "similarity": round(match.similarity, 3),
        "basis": match.basis,
    }


def record_judgement(change: Change, matches: Sequence[Match], *, same_account: bool) -> None:
    """Add the approver's judgement on every flagged holder to ``change`` (nothing when none).

    Only the reason codes and the audit detail change: both are inputs of the transition's
    activity, so the workflow's commands stay as they were.
    """
    holders = flagged(matches)
    if not holders:
        return
    change.reason_codes = [*(change.reason_codes or []), judgement_code(same_account=same_account)]
    words = (
        judgement_words(
            m.account_name, m.account_domain, f"partner {m.partner_id}", same_account=same_account
        )
        for m in holders
    )
    change.detail["judgement"] = "; ".join(words)
    change.detail["judged_holders"] = [holder_detail(m) for m in holders]
