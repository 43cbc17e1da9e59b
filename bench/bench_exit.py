"""What an exit's rules cost per open registration, beside a registration decision.

An exit decides, for each of the partner's open registrations, its disposition (``exit_plan``)
and, for a transfer, the transferee (``transferee`` over the partners that registered the same
account). Both engines call these once per registration at notice end, so they are measured per
registration, beside the baseline every registration already paid once: ``decide_registration``
for a new account against the same number of registrations on file, in the same run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rules import (
    ExistingRegistration,
    ExitType,
    PartnerFacts,
    PartnerStatus,
    RegistrationFacts,
    RegistrationIndex,
    RegistrationRequest,
    RegistrationStanding,
    decide_registration,
    exit_plan,
    load_rulebook,
)
from rules.exit import TransferCandidate, transferee

T0 = datetime(2026, 3, 2, tzinfo=UTC)
OPEN = 200
CANDIDATES = 5
ROUNDS = 20


def _partner(partner_id: str, rnd: random.Random) -> PartnerFacts:
    return PartnerFacts(
        partner_id=partner_id,
        status=PartnerStatus.ACTIVE if rnd.random() < 0.8 else PartnerStatus.SUSPENDED,
        tier="gold",
        territories=("us-west", "us-east") if rnd.random() < 0.7 else ("canada",),
        verticals=("healthcare", "retail"),
        certifications=("platform-sales",),
    )


def _open(rnd: random.Random) -> list[ExistingRegistration]:
    return [
        ExistingRegistration(
            registration_id=f"r-{i}",
            partner_id="leaving",
            account_name=f"Account {i} Holdings",
            account_domain=f"account{i}.com",
            product_line="core-platform",
            state=RegistrationStanding.APPROVED if rnd.random() < 0.7 else RegistrationStanding.PENDING,
            submitted_at=T0 - timedelta(days=rnd.randint(1, 200)),
            expires_at=T0 + timedelta(days=rnd.randint(1, 300)),
        )
        for i in range(OPEN)
    ]


def _deal(reg: ExistingRegistration) -> RegistrationRequest:
    return RegistrationRequest(
        request_key=reg.registration_id,
        partner_id=reg.partner_id,
        account_name=reg.account_name,
        account_domain=reg.account_domain,
        territory="us-west",
        vertical="retail",
        product_line=reg.product_line,
        deal_value=100_000.0,
        submitted_at=reg.submitted_at,
    )


def _per_registration(work: Callable[[], object], count: int) -> float:
    """Best of ``ROUNDS`` runs of ``work``, in microseconds per registration."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def main() -> None:
    rnd = random.Random(16)
    rulebook = load_rulebook("rulebooks/default.yaml")
    registrations = _open(rnd)
    deals = [_deal(r) for r in registrations]
    candidates = [
        [
            TransferCandidate(f"c-{i}-{k}", T0 + timedelta(hours=k), _partner(f"p-{i}-{k}", rnd))
            for k in range(CANDIDATES)
        ]
        for i in range(OPEN)
    ]
    index = RegistrationIndex(registrations)
    me = PartnerFacts("p-new", PartnerStatus.ACTIVE, "gold", ("us-west",), ("retail",), ("platform-sales",))
    requests = [
        RegistrationRequest(
            f"n-{i}",
            "p-new",
            f"Newco {i} Labs",
            f"newco{i}.io",
            "us-west",
            "retail",
            "core-platform",
            90_000.0,
            T0,
        )
        for i in range(OPEN)
    ]

    plan = _per_registration(lambda: exit_plan(rulebook, ExitType.VOLUNTARY, registrations, T0), OPEN)
    choose = _per_registration(
        lambda: [transferee(rulebook, d, "leaving", c) for d, c in zip(deals, candidates, strict=True)], OPEN
    )
    decide = _per_registration(
        lambda: [
            decide_registration(rulebook, r, RegistrationFacts(partner=me, existing=index), T0)
            for r in requests
        ],
        OPEN,
    )
    print(f"open registrations: {OPEN}, transfer candidates each: {CANDIDATES}, best of {ROUNDS} rounds")
    print(f"exit_plan (disposition)           {plan:8.1f} µs per registration")
    print(f"transferee ({CANDIDATES} candidates)          {choose:8.1f} µs per registration")
    print(
        f"baseline: decide_registration     {decide:8.1f} µs per registration (new account, {OPEN} on file)"
    )
    print(f"ratio disposition / decision      {plan / decide:8.2f}")
    print(f"ratio transferee / decision       {choose / decide:8.2f}")


if __name__ == "__main__":
    main()
