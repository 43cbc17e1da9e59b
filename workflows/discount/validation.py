"""Update validators of the discount workflow: read-only checks that raise ``Refusal``.

The task updates (decide, escalate, answer) are judged by ``workflows.human.validation``; these
are the partner's own: revise, renew and withdraw. A revision the rulebook would refuse (above
the maximum, no justification where one is needed) is refused here, so the request keeps what it
had; a refused update is not written to the workflow's history at all.
"""

from __future__ import annotations

import math
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.discount import DiscountRequest, decide_discount
    from store.models.enums import DiscountState as State
    from workflows.discount.process import Discount
    from workflows.discount.types import DiscountTerms, RenewUpdate, ReviseUpdate, WithdrawUpdate
    from workflows.human.authority import Refusal, require_current, require_partner_side, require_storable

MAX_DEAL_VALUE = 1e12
REVISABLE = frozenset({State.PENDING_APPROVAL, State.INFO_REQUESTED, State.APPROVED})
RENEWABLE = frozenset({State.APPROVED, State.EXPIRED})


def terms_problem(terms: DiscountTerms) -> str | None:
    """The first thing wrong with ``terms`` as numbers and text, or None (each names its field)."""
    discount, value = terms.requested_discount, terms.deal_value
    if isinstance(discount, bool) or not isinstance(discount, int | float) or not math.isfinite(discount):
        return "requested_discount: must be a number between 0 and 1"
    if not 0.0 <= discount <= 1.0:
        return "requested_discount: must be between 0 and 1"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "deal_value: must be a number"
    if not 0.0 < value <= MAX_DEAL_VALUE:
        return f"deal_value: must be more than 0 and at most {MAX_DEAL_VALUE:,.0f}"
    for name in ("competitor", "justification"):
        if "\x00" in getattr(terms, name):
            return f"{name}: must not contain a NUL character"
    return None


def validate_revise(process: Discount, update: ReviseUpdate, now: datetime) -> None:
    revision = update.revision
    require_current(update.acting, revision.actor, now)
    require_storable(revision.comment, "comment")
    view = process.view
    if view.state not in REVISABLE:
        raise Refusal(
            f"only a pending or approved discount request can be revised (this one is {view.state})"
        )
    if process.queue.pending(ReviseUpdate, WithdrawUpdate, RenewUpdate):
        raise Refusal("another change to this request is being applied")
    require_partner_side(update.acting.authority, view.submission.partner_id)
    problem = terms_problem(revision.terms)
    if problem is not None:
        raise Refusal(problem)
    if process.rulebook is not None:
        terms = revision.terms
        decision = decide_discount(
            process.rulebook,
            DiscountRequest(
                view.partner_tier, terms.deal_value, terms.requested_discount, terms.justification
            ),
            now,
        )
        if decision.refused:
            raise Refusal("; ".join(r.text for r in decision.reasons if r.code.startswith("discount.")))


def validate_renew(process: Discount, update: RenewUpdate, now: datetime) -> None:
    require_current(update.acting, update.renewal.actor, now)
    require_storable(update.renewal.comment, "comment")
    view = process.view
    if view.state not in RENEWABLE:
        raise Refusal(f"only approved or expired pricing can be renewed (this request is {view.state})")
    if process.queue.pending(ReviseUpdate, WithdrawUpdate, RenewUpdate):
        raise Refusal("another change to this request is being applied")
    require_partner_side(update.acting.authority, view.submission.partner_id)


def validate_withdraw(process: Discount, update: WithdrawUpdate, now: datetime) -> None:
    require_current(update.acting, update.withdrawal.actor, now)
    require_storable(update.withdrawal.comment, "comment")
    view = process.view
    if view.state in State.FINAL:
        raise Refusal(f"the discount request is already {view.state}")
    if process.queue.pending(WithdrawUpdate, RenewUpdate, ReviseUpdate):
        raise Refusal("another change to this request is being applied")
    require_partner_side(update.acting.authority, view.submission.partner_id)
