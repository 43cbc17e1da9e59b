"""How existing registrations and direct-sales engagements bear on a new registration.

First to register an account + product line wins; ties at the same instant go to the smaller
request key. A registration that lapsed, was lost or withdrawn no longer holds the account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rules.enums import RegistrationStanding
from rules.facts import DirectEngagement, ExistingRegistration, RegistrationRequest
from rules.matching import AccountKey, Similarity, pair_similarity
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_eligibility import when
from rules.registration_tables import RegistrationTables
from rules.schema import Rulebook

_RELEASED = {RegistrationStanding.CLOSED_LOST, RegistrationStanding.WITHDRAWN}


def judge(
    rulebook: Rulebook,
    tables: RegistrationTables,
    request: RegistrationRequest,
    existing: ExistingRegistration,
    found: Similarity,
    now: datetime,
) -> Reason | None:
    """The reason ``existing`` gives (or None when it does not matter) for this request.

    ``found.score`` is at least the review threshold; at or above the match threshold the two
    are the same account.
    """
    conflict = rulebook.registration.conflict
    same_account = found.score >= conflict.name_match_threshold
    live = existing.state in tables.holding_states and (
        existing.expires_at is None or existing.expires_at > now
    )
    other_line = existing.product_line != request.product_line
    own = existing.partner_id == request.partner_id
    # Most similar registrations do not bear on the request: settle those before any reason is
    # built (the sandbox asks this for thousands of pairs per run). Texts are functions, written
    # only when read (``rules.reasons.reason``).
    if other_line and not (same_account and live and not own):
        return None
    if not live and not same_account:
        return None
    if live and own and not same_account:
        return None  # the partner's own similar accounts are not a conflict
    facts: dict[str, object] = {
        "registration_id": existing.registration_id,
        "holder": existing.partner_id,
        "account": existing.account_name,
        "since": existing.submitted_at,
        "state": existing.state.value,
        "similarity": found.score,
        "basis": found.basis,
    }
    if other_line:
        return reason(
            ReasonCode.OTHER_PRODUCT_LINE,
            lambda: (
                f"{_holder(existing)} holds {existing.account_name} for {existing.product_line}, "
                f"not {request.product_line}; registrations are per account and product line "
                f"({_score(found)})"
            ),
            product_line=existing.product_line,
            **facts,
        )
    if not live:
        if existing.state in _RELEASED:
            return reason(
                ReasonCode.PRIOR_RELEASED,
                lambda: (
                    f"{_holder(existing)}'s registration of {existing.account_name} ended "
                    f"{existing.state.value.replace('_', ' ')}; the account is open again ({_score(found)})"
                ),
                **facts,
            )
        if existing.state in conflict.holding_states or existing.state is RegistrationStanding.EXPIRED:
            lapsed = existing.expires_at or existing.submitted_at
            return reason(
                ReasonCode.PRIOR_EXPIRED,
                lambda: (
                    f"{_holder(existing)}'s protection of {existing.account_name} lapsed at "
                    f"{when(lapsed)}; the account is open again ({_score(found)})"
                ),
                expired_at=lapsed,
                **facts,
            )
        return None
    if own:
        return reason(
            ReasonCode.ALREADY_REGISTERED,
            lambda: (
                f"this partner already holds {existing.account_name} / {existing.product_line} "
                f"(registration {existing.registration_id}, {existing.state.value}, submitted "
                f"{when(existing.submitted_at)})"
            ),
            **facts,
        )
    if not same_account:
        return reason(
            ReasonCode.FUZZY_MATCH,
            lambda: (
                f"{existing.account_name} ({existing.account_domain or 'no domain'}), held by "
                f"{_holder(existing)} since {when(existing.submitted_at)}, may be the same account "
                f"({_score(found)}); a person must decide"
            ),
            **facts,
        )
    if existing.order_key[:2] < (request.submitted_at, request.request_key):
        return reason(
            ReasonCode.FIRST_TO_REGISTER,
            lambda: (
                f"{existing.account_name} / {existing.product_line} is held by {_holder(existing)} "
                f"since {when(existing.submitted_at)} ({existing.state.value}{_expiry(existing)}); the "
                f"first to register wins ({_score(found)})"
            ),
            **facts,
        )
    return reason(
        ReasonCode.FIRST_TO_REGISTER_WON,
        lambda: (
            f"this request came first, but {_holder(existing)} registered {existing.account_name} "
            f"at {when(existing.submitted_at)} and that registration is {existing.state.value}; a "
            f"person must resolve the overlap ({_score(found)})"
        ),
        **facts,
    )


def _holder(existing: ExistingRegistration) -> str:
    return f"partner {existing.partner_id}"


def _score(found: Similarity) -> str:
    return f"similarity {found.score:.2f} by {found.basis}"


def _expiry(existing: ExistingRegistration) -> str:
    return f", protected until {when(existing.expires_at)}" if existing.expires_at else ""


def direct_engagement(
    rulebook: Rulebook,
    request: RegistrationRequest,
    engagements: Sequence[DirectEngagement],
    key: AccountKey,
) -> Reason | None:
    """The earliest direct-sales engagement on this account and product line that began before
    the request was submitted, as a reason (None when direct sales was not there first)."""
    if not engagements:
        return None
    conflict = rulebook.registration.conflict
    for engagement in sorted(engagements, key=lambda e: e.since):
        if engagement.product_line not in (None, request.product_line):
            continue
        if engagement.since > request.submitted_at:
            continue  # the partner registered first; direct sales arrived later
        other = AccountKey.of(engagement.account_name, engagement.account_domain)
        match = pair_similarity(key, other, match_domains=conflict.match_domains)
        if match.score >= conflict.name_match_threshold:
            return _engaged(rulebook, engagement, match)
    return None


def _engaged(rulebook: Rulebook, engagement: DirectEngagement, match: Similarity) -> Reason:
    policy = rulebook.registration.conflict.direct_engagement.value
    scope = engagement.product_line or "every product line"
    return reason(
        ReasonCode.DIRECT_ENGAGED,
        lambda: (
            f"direct sales has been engaged with {engagement.account_name} ({scope}) since "
            f"{when(engagement.since)}; similarity {match.score:.2f} by {match.basis}; policy: {policy}"
        ),
        account=engagement.account_name,
        since=engagement.since,
        product_line=scope,
        similarity=match.score,
        policy=policy,
    )
