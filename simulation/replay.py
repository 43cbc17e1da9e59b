"""Replay history: the registrations on record, decided again under a proposed rulebook.

Each registration is decided twice on the same reconstructed facts (as they stood when it was
submitted): under the rulebook version it was recorded with, and under the proposal. Reporting
the registrations whose outcome or reasons differ isolates the effect of the rule change from
any imprecision in reconstructing the past. The reconstruction: registrations submitted earlier
that might be the same account (the store's own blocking query), each in the state it had then
(pending until decided, expired once its protection had lapsed); direct-sales engagements in
force then; the partner's earlier submissions. Partner records are as they are now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from rules import (
    RegistrationFacts,
    RegistrationStanding,
    Rulebook,
    decide_registration,
)
from store.crud import (
    count_prior_submissions,
    get_partner,
    get_rulebook_version,
    list_registrations,
)
from store.crud.registration_process import conflict_candidates, direct_engagements_near
from store.models import Registration
from store.rules_view import STANDING, existing_registration, partner_facts, registration_request

_EVERY_STATE = [str(s) for s in STANDING]
_PAGE = 200
_LATER_STATES = {"approved", "won", "lost", "expired", "withdrawn"}


@dataclass(frozen=True)
class ReplayedDecision:
    workflow_id: str
    partner_id: str
    account_name: str
    product_line: str
    submitted_at: datetime
    recorded_version: str
    recorded_state: str  # what the registration is in the database now
    before: str  # outcome under the recorded rulebook version
    after: str  # outcome under the proposal
    before_codes: tuple[str, ...]
    after_codes: tuple[str, ...]
    after_reasons: tuple[str, ...]  # the proposal's reasons, in words


@dataclass
class ReplayReport:
    proposed_version: str
    examined: int = 0
    differences: list[ReplayedDecision] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (workflow id, why)

    def transitions(self) -> Counter[tuple[str, str]]:
        return Counter((d.before, d.after) for d in self.differences)


def _state_then(row: Registration, at: datetime) -> RegistrationStanding:
    """The rules' view of ``row`` at ``at``, from what the database says about it now."""
    if row.decided_at is None or row.decided_at > at:
        return RegistrationStanding.PENDING
    if row.expires_at is not None and row.expires_at <= at and row.state in _LATER_STATES:
        return RegistrationStanding.EXPIRED
    if row.state in _LATER_STATES and row.updated_at > at:
        return RegistrationStanding.APPROVED  # approved then; won, lost or withdrawn only later
    return STANDING[row.state]


def facts_at(session: Session, row: Registration) -> RegistrationFacts:
    at = row.submitted_at
    partner = get_partner(session=session, partner_id=row.partner_id)
    existing = [
        existing_registration(other, _state_then(other, at))
        for other in conflict_candidates(
            session=session,
            account_name=row.account_name,
            account_domain=row.account_domain,
            exclude_workflow_id=row.workflow_id,
            states=_EVERY_STATE,
        )
        if (other.submitted_at, other.request_key) < (at, row.request_key)
    ]
    engagements = direct_engagements_near(
        session=session,
        account_name=row.account_name,
        account_domain=row.account_domain,
        product_line=row.product_line,
        at=at,
    )
    return RegistrationFacts(
        partner=partner_facts(partner, at),
        existing=existing,
        direct_engagements=engagements,
        prior_submissions=count_prior_submissions(
            session=session,
            partner_id=row.partner_id,
            account_key=row.account_key,
            product_line=row.product_line,
            before=at,
        ),
    )


def recorded_rulebook(session: Session, version: str, cache: dict[str, Rulebook | None]) -> Rulebook | None:
    """The rulebook a registration was decided under, as recorded when it was pinned."""
    if version not in cache:
        found = get_rulebook_version(session=session, version=version)
        cache[version] = Rulebook.model_validate(found.document) if found is not None else None
    return cache[version]


def _registrations(session: Session, since: datetime | None) -> list[Registration]:
    rows: list[Registration] = []
    page = 1
    while True:
        batch = list_registrations(session=session, page=page, per_page=_PAGE)
        rows += [r for r in batch.items if since is None or r.submitted_at >= since]
        if page * _PAGE >= batch.total or not batch.items:
            break
        page += 1
    return sorted(rows, key=lambda r: (r.submitted_at, r.request_key))


def replay(session: Session, proposed: Rulebook, since: datetime | None = None) -> ReplayReport:
    """Decide every recorded registration (submitted at or after ``since``) under both rulebooks."""
    report = ReplayReport(proposed_version=proposed.version)
    cache: dict[str, Rulebook | None] = {}
    for row in _registrations(session, since):
        recorded = recorded_rulebook(session, row.rulebook_version, cache)
        if recorded is None:
            report.skipped.append((row.workflow_id, f"rulebook {row.rulebook_version!r} not recorded"))
            continue
        report.examined += 1
        request = registration_request(row)
        facts = facts_at(session, row)
        before = decide_registration(recorded, request, facts, row.submitted_at)
        after = decide_registration(proposed, request, facts, row.submitted_at)
        if before.outcome == after.outcome and set(before.codes) == set(after.codes):
            continue
        report.differences.append(
            ReplayedDecision(
                workflow_id=row.workflow_id,
                partner_id=str(row.partner_id),
                account_name=row.account_name,
                product_line=row.product_line,
                submitted_at=row.submitted_at,
                recorded_version=row.rulebook_version,
                recorded_state=row.state,
                before=before.outcome.value,
                after=after.outcome.value,
                before_codes=before.codes,
                after_codes=after.codes,
                after_reasons=tuple(r.text for r in after.reasons),
            )
        )
    return report
