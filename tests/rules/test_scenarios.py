"""The seeds' scenario playbook as a table: each situation, the decision, and its reason codes.

"Partner gets lead first, company gets lead first, both acquire the same lead independently, one
acquires a prospect/customer and then the prospect/customer calls the other, how to handle each
other's existing accounts, one loses a customer that is an interesting prospect for the other,
when to disengage from an account."
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from rules import (
    DirectEngagement,
    ExistingRegistration,
    Outcome,
    RegistrationFacts,
    RegistrationIndex,
    RegistrationRequest,
    RegistrationStanding,
    decide_registration,
    load_rulebook,
)
from tests.rules.helpers import DEFAULT, T0, existing, partner, request

DAY = timedelta(days=1)
APPROVED, PENDING = RegistrationStanding.APPROVED, RegistrationStanding.PENDING


@dataclass(frozen=True)
class Scenario:
    name: str
    request: RegistrationRequest
    outcome: Outcome
    codes: tuple[str, ...]
    registrations: tuple[ExistingRegistration, ...] = ()
    direct: tuple[DirectEngagement, ...] = ()
    now: datetime = field(default=T0)


SCENARIOS = [
    Scenario(
        "partner gets the lead first",
        request(),
        Outcome.AUTO_APPROVED,
        ("auto.approved",),
    ),
    Scenario(
        "partner first; direct sales engages afterwards",
        request(),
        Outcome.AUTO_APPROVED,
        ("auto.approved",),
        direct=(DirectEngagement("Globex", "globex.com", None, T0 + timedelta(minutes=5)),),
        now=T0 + timedelta(minutes=10),
    ),
    Scenario(
        "direct sales engaged first",
        request(),
        Outcome.AUTO_REJECTED,
        ("conflict.direct_engaged",),
        direct=(DirectEngagement("GLOBEX Corp.", "https://www.globex.com", "core-platform", T0 - 3 * DAY),),
    ),
    Scenario(
        "two partners, different days: the later one loses",
        request("req-b", "p-b"),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(existing("r-a", "p-a", at=T0 - 2 * DAY),),
    ),
    Scenario(
        "two partners, same day: a pending earlier registration holds the account",
        request("req-b", "p-b", at=T0 + timedelta(hours=6)),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(existing("r-a", "p-a", state=PENDING, at=T0, expires=None),),
        now=T0 + timedelta(hours=6),
    ),
    Scenario(
        "two partners, same second: the larger request key loses the tie",
        request("req-b", "p-b"),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(existing("r-a", "p-a", state=PENDING, at=T0, expires=None, request_key="req-a"),),
    ),
    Scenario(
        "two partners, same second: the smaller request key wins, a person resolves the overlap",
        request("req-a", "p-a"),
        Outcome.NEEDS_APPROVAL,
        ("conflict.first_to_register_won", "approval.required"),
        registrations=(existing("r-b", "p-b", state=PENDING, at=T0, expires=None, request_key="req-b"),),
    ),
    Scenario(
        "a customer of partner A calls partner B",
        request("req-b", "p-b", account="Globex, Inc.", domain="shop.globex.com"),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(
            existing("r-a", "p-a", state=RegistrationStanding.CLOSED_WON, at=T0 - 200 * DAY, expires=None),
        ),
    ),
    Scenario(
        "a direct customer calls a partner",
        request(),
        Outcome.AUTO_REJECTED,
        ("conflict.direct_engaged",),
        direct=(DirectEngagement("Globex Corporation", "globex.com", None, T0 - 400 * DAY),),
    ),
    Scenario(
        "each other's existing accounts: another product line is open",
        request("req-b", "p-b", product_line="analytics"),
        Outcome.AUTO_APPROVED,
        ("auto.approved", "conflict.other_product_line"),
        registrations=(existing("r-a", "p-a", product_line="core-platform"),),
    ),
    Scenario(
        "each other's existing accounts: direct owns one product line, not the others",
        request(product_line="analytics"),
        Outcome.AUTO_APPROVED,
        ("auto.approved",),
        direct=(DirectEngagement("Globex", "globex.com", "core-platform", T0 - 30 * DAY),),
    ),
    Scenario(
        "a customer lost by one becomes a prospect for the other",
        request("req-b", "p-b"),
        Outcome.AUTO_APPROVED,
        ("auto.approved", "conflict.prior_released"),
        registrations=(existing("r-a", "p-a", state=RegistrationStanding.CLOSED_LOST, at=T0 - 60 * DAY),),
    ),
    Scenario(
        "disengage at expiry: the lapsed registration no longer holds the account",
        request("req-b", "p-b"),
        Outcome.AUTO_APPROVED,
        ("auto.approved", "conflict.prior_expired"),
        registrations=(existing("r-a", "p-a", at=T0 - 91 * DAY, expires=T0 - DAY),),
    ),
    Scenario(
        "one second before expiry the account is still held",
        request("req-b", "p-b"),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(existing("r-a", "p-a", at=T0 - 90 * DAY, expires=T0 + timedelta(seconds=1)),),
    ),
    Scenario(
        "same account written differently, no shared domain",
        request("req-b", "p-b", account="GLOBEX corporation", domain=""),
        Outcome.AUTO_REJECTED,
        ("conflict.first_to_register",),
        registrations=(existing("r-a", "p-a", account="Globex Corp.", domain="globex.de"),),
    ),
    Scenario(
        "a similar but not identical account goes to a person",
        request("req-b", "p-b", account="Globex Retail", domain="globex-retail.com"),
        Outcome.NEEDS_APPROVAL,
        ("duplicate.fuzzy_match", "approval.required"),
        registrations=(existing("r-a", "p-a", account="Globex Realty", domain="globexrealty.com"),),
    ),
]


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_playbook(rulebook, scenario):
    facts = RegistrationFacts(
        partner=partner(scenario.request.partner_id),
        existing=RegistrationIndex(scenario.registrations),
        direct_engagements=scenario.direct,
    )
    decision = decide_registration(rulebook, scenario.request, facts, scenario.now)
    assert decision.outcome is scenario.outcome, [str(r) for r in decision.reasons]
    assert decision.codes == scenario.codes
    assert all(r.text for r in decision.reasons)


def test_reason_text_names_the_holder_and_since(rulebook):
    held = existing("r-a", "p-a", at=T0 - 2 * DAY)
    facts = RegistrationFacts(partner=partner("p-b"), existing=RegistrationIndex([held]))
    decision = decide_registration(rulebook, request("req-b", "p-b"), facts, T0)
    (why,) = decision.reasons
    assert "held by partner p-a since 2026-02-28 14:00:00 UTC" in why.text
    assert why.facts["holder"] == "p-a"
    assert why.facts["since"] == (T0 - 2 * DAY).isoformat()
    assert why.facts["similarity"] == "1"
    assert decision.matches[0].partner_id == "p-a"
