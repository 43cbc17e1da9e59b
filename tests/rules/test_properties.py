"""Properties the rules must keep for any input (issue 3, item 8)."""

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import (
    DirectEngagement,
    DiscountRequest,
    ExistingRegistration,
    Outcome,
    PartnerStatus,
    ReasonCode,
    RegistrationFacts,
    RegistrationIndex,
    RegistrationStanding,
    decide_discount,
    decide_extension,
    decide_registration,
    load_rulebook,
)
from rules.matching import AccountKey, similarity
from tests.rules.helpers import DEFAULT, T0, existing, partner, request

RULEBOOK = load_rulebook(DEFAULT)
CODES = {code.value for code in ReasonCode}
ACCOUNTS = [
    ("Acme", "acme.com"),
    ("ACME Corp.", ""),
    ("Globex", "globex.com"),
    ("Globex Retail", ""),
    ("Globex Realty", "realty.io"),
    ("Initech LLC", "initech.com"),
    ("Initech", ""),
    ("Umbrella", "umbrella.org"),
    ("Northwind Traders", ""),
    ("Northwind Trading", "nw.com"),
]
PARTNERS = ["p-1", "p-2", "p-3"]
PRODUCTS = ["core-platform", "analytics"]

seconds = st.integers(min_value=0, max_value=5)  # small offsets: many same-second collisions


@st.composite
def a_request(draw, key):
    name, domain = draw(st.sampled_from(ACCOUNTS))
    return request(
        key,
        draw(st.sampled_from(PARTNERS)),
        name,
        domain,
        at=T0 + timedelta(seconds=draw(seconds)),
        product_line=draw(st.sampled_from(PRODUCTS)),
        territory=draw(st.sampled_from(["us-west", "us-east", "canada"])),
        deal_value=float(draw(st.sampled_from([1000, 50_000, 200_000, 400_000]))),
    )


@st.composite
def a_partner(draw, partner_id):
    return partner(
        partner_id,
        status=draw(st.sampled_from(list(PartnerStatus))),
        tier=draw(st.sampled_from(["registered", "silver", "gold", "platinum"])),
        territories=tuple(draw(st.sets(st.sampled_from(["us-west", "us-east", "canada"])))),
    )


@st.composite
def a_registration(draw, i):
    name, domain = draw(st.sampled_from(ACCOUNTS))
    return existing(
        f"r-{i}",
        draw(st.sampled_from(PARTNERS)),
        name,
        domain,
        state=draw(st.sampled_from(list(RegistrationStanding))),
        at=T0 + timedelta(seconds=draw(st.integers(-5, 5))),
        expires=draw(st.sampled_from([None, T0 - timedelta(days=1), T0 + timedelta(days=1)])),
        product_line=draw(st.sampled_from(PRODUCTS)),
        request_key=f"req-{draw(st.integers(0, 9))}",
    )


@st.composite
def a_situation(draw):
    req = draw(a_request("req-5"))
    regs = [draw(a_registration(i)) for i in range(draw(st.integers(0, 8)))]
    direct = [
        DirectEngagement(
            n, d, draw(st.sampled_from([None, *PRODUCTS])), T0 + timedelta(days=draw(st.integers(-3, 3)))
        )
        for n, d in draw(st.lists(st.sampled_from(ACCOUNTS), max_size=2))
    ]
    facts = RegistrationFacts(
        partner=draw(a_partner(req.partner_id)),
        existing=regs,
        direct_engagements=direct,
        prior_submissions=draw(st.integers(0, 4)),
    )
    return req, facts


@settings(max_examples=300, deadline=None)
@given(a_situation(), st.randoms(use_true_random=False))
def test_registration_decisions_are_deterministic(situation, rnd):
    req, facts = situation
    first = decide_registration(RULEBOOK, req, facts, T0)
    shuffled = list(facts.existing)
    rnd.shuffle(shuffled)
    indexed = RegistrationFacts(
        facts.partner, RegistrationIndex(shuffled), facts.direct_engagements, facts.prior_submissions
    )
    assert decide_registration(RULEBOOK, req, indexed, T0) == first
    assert decide_registration(RULEBOOK, req, facts, T0) == first


@settings(max_examples=300, deadline=None)
@given(a_situation())
def test_every_decision_and_every_refusal_carries_reason_codes(situation):
    req, facts = situation
    decision = decide_registration(RULEBOOK, req, facts, T0)
    assert decision.reasons
    assert set(decision.codes) <= CODES
    if decision.outcome is Outcome.AUTO_REJECTED:
        assert not set(decision.codes) & {"auto.approved", "approval.required"}
    if decision.outcome is Outcome.NEEDS_APPROVAL:
        assert "approval.required" in decision.codes and decision.path
    else:
        assert decision.path is None


def _overlap(a: ExistingRegistration, b: ExistingRegistration) -> bool:
    """The conflict rule's notion of the same account + product line, by a full comparison."""
    if a.product_line != b.product_line:
        return False
    score = similarity(
        AccountKey.of(a.account_name, a.account_domain), AccountKey.of(b.account_name, b.account_domain)
    )
    return score.score >= RULEBOOK.registration.conflict.name_match_threshold


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=2, max_size=25), st.data())
def test_conflict_rule_never_approves_two_overlapping_registrations(keys, data):
    """Feed a stream of requests through the decision, keeping what it approves or holds."""
    index = RegistrationIndex()
    approved: list[ExistingRegistration] = []
    for n, k in enumerate(keys):
        req = data.draw(a_request(f"req-{k:07d}-{n}"))
        facts = RegistrationFacts(
            partner=partner(req.partner_id, territories=("us-west", "us-east", "canada")), existing=index
        )
        decision = decide_registration(RULEBOOK, req, facts, req.submitted_at)
        state = {
            Outcome.AUTO_APPROVED: RegistrationStanding.APPROVED,
            Outcome.NEEDS_APPROVAL: RegistrationStanding.PENDING,
        }.get(decision.outcome)
        if state is None:
            continue
        held = ExistingRegistration(
            f"r-{n}",
            req.partner_id,
            req.account_name,
            req.account_domain,
            req.product_line,
            state,
            req.submitted_at,
            req.submitted_at + timedelta(days=90),
            req.request_key,
        )
        index.add(held)
        if state is RegistrationStanding.APPROVED:
            assert not any(_overlap(held, other) for other in approved), decision
            approved.append(held)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["registered", "silver", "gold", "platinum"]),
    st.floats(0, 0.5),
    st.floats(0, 0.5),
    st.floats(0, 5e6),
    st.floats(0, 5e6),
)
def test_larger_discount_or_deal_never_needs_fewer_approvals(tier, d1, d2, v1, v2):
    (d_small, d_large), (v_small, v_large) = sorted((d1, d2)), sorted((v1, v2))
    small = decide_discount(RULEBOOK, DiscountRequest(tier, v_small, d_small, "competitor"), T0)
    for bigger in (
        DiscountRequest(tier, v_small, d_large, "competitor"),
        DiscountRequest(tier, v_large, d_small, "competitor"),
        DiscountRequest(tier, v_large, d_large, "competitor"),
    ):
        large = decide_discount(RULEBOOK, bigger, T0)
        assert large.approvals >= small.approvals
        small_roles = {r for s in (small.path.chain if small.path else ()) for r in s.roles}
        assert small_roles <= {r for s in (large.path.chain if large.path else ()) for r in s.roles}


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(0, 3e6), st.text(max_size=3))
def test_discount_refusals_carry_reasons(discount, deal, justification):
    decision = decide_discount(RULEBOOK, DiscountRequest("gold", deal, discount, justification), T0)
    assert decision.reasons and {r.code for r in decision.reasons} <= CODES
    assert decision.automatic != bool(decision.path) or decision.refused


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3), st.integers(-100 * 86400, 100 * 86400))
def test_extension_decisions_always_explain(used, offset):
    expires = T0 + timedelta(days=90)
    decision = decide_extension(RULEBOOK, used, expires, expires + timedelta(seconds=offset))
    assert len(decision.reasons) == 1 and decision.reasons[0].code in CODES
    assert decision.granted == (decision.new_expires_at is not None)


def test_property_inputs_cover_every_outcome():
    """Guard against a generator that never produces a conflict (the properties would be empty)."""
    rnd = random.Random(7)
    outcomes = set()
    for _ in range(400):
        req, facts = _sample(rnd)
        outcomes.add(decide_registration(RULEBOOK, req, facts, T0).outcome)
    assert outcomes == set(Outcome)


def _sample(rnd: random.Random):
    name, domain = rnd.choice(ACCOUNTS)
    req = request("req-5", "p-1", name, domain, deal_value=rnd.choice([50_000.0, 400_000.0]))
    regs = [
        existing(
            f"r-{i}",
            rnd.choice(PARTNERS),
            *rnd.choice(ACCOUNTS),
            state=rnd.choice(list(RegistrationStanding)),
        )
        for i in range(rnd.randint(0, 4))
    ]
    return req, RegistrationFacts(partner=partner("p-1"), existing=regs)
