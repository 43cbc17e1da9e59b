"""Registration decisions per second against 10k and 100k existing registrations.

Measures ``decide_registration`` with the blocked ``RegistrationIndex`` beside two baselines in
the same run, all through the same decision function:

- *scan*: names normalised once up front, every registration scored on each decision (a linear
  scan with the index's precomputation but none of its blocking), the fair comparison;
- *naive*: the decision handed a plain list, normalising and scoring every registration.

Half the requests are variants of registered accounts (so conflicts are found), half are new.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from rules import (
    ExistingRegistration,
    PartnerFacts,
    PartnerStatus,
    RegistrationFacts,
    RegistrationIndex,
    RegistrationRequest,
    RegistrationStanding,
    RulebookLibrary,
    decide_registration,
    load_rulebook,
)
from rules.matching import AccountKey

T0 = datetime(2026, 3, 2, tzinfo=UTC)
SIZES = (10_000, 100_000)
REQUESTS = 400
SCAN_REQUESTS = {10_000: 200, 100_000: 40}
NAIVE_REQUESTS = {10_000: 20, 100_000: 4}
SUFFIXES = ["", " Inc", " Corp.", " LLC", " Ltd", " GmbH", " Group", " Systems", " Solutions"]
CONSONANTS, VOWELS = "bcdfghjklmnprstvwz", "aeiou"


def _word(rnd: random.Random) -> str:
    return "".join(rnd.choice(CONSONANTS) + rnd.choice(VOWELS) for _ in range(rnd.randint(2, 4)))


def _company(rnd: random.Random, vocabulary: list[str]) -> tuple[str, str]:
    words = [rnd.choice(vocabulary) for _ in range(rnd.choice((1, 2, 2, 3)))]
    name = " ".join(w.title() for w in words) + rnd.choice(SUFFIXES)
    domain = "".join(words) + rnd.choice([".com", ".io", ".net", ".co.uk"])
    return name, (domain if rnd.random() < 0.7 else "")


def _variant(rnd: random.Random, name: str, domain: str) -> tuple[str, str]:
    """The same company as another partner might type it."""
    name = rnd.choice([name.upper(), name.lower(), name + ", Inc.", name.replace(" ", "  ")])
    return name, ("https://www." + domain + "/contact" if domain and rnd.random() < 0.5 else "")


def _registrations(rnd: random.Random, count: int) -> list[ExistingRegistration]:
    vocabulary = sorted({_word(rnd) for _ in range(max(2000, count // 3))})
    products = ["core-platform", "analytics", "security", "services"]
    found = []
    for i in range(count):
        name, domain = _company(rnd, vocabulary)
        found.append(
            ExistingRegistration(
                registration_id=f"r-{i}",
                partner_id=f"p-{rnd.randrange(500)}",
                account_name=name,
                account_domain=domain,
                product_line=rnd.choice(products),
                state=rnd.choice([RegistrationStanding.APPROVED, RegistrationStanding.PENDING]),
                submitted_at=T0 - timedelta(seconds=rnd.randrange(80 * 86400)),
                expires_at=T0 + timedelta(days=rnd.randrange(1, 90)),
            )
        )
    return found


def _requests(
    rnd: random.Random, existing: list[ExistingRegistration], count: int
) -> list[RegistrationRequest]:
    vocabulary = [_word(rnd) for _ in range(3000)]
    made = []
    for i in range(count):
        if i % 2:
            target = rnd.choice(existing)
            name, domain = _variant(rnd, target.account_name, target.account_domain)
            product = target.product_line
        else:
            name, domain = _company(rnd, vocabulary)
            product = "core-platform"
        made.append(
            RegistrationRequest(
                request_key=f"bench-{i}",
                partner_id="p-bench",
                account_name=name,
                account_domain=domain,
                territory="us-west",
                vertical="retail",
                product_line=product,
                deal_value=80_000.0,
                submitted_at=T0,
            )
        )
    return made


class FullScan(RegistrationIndex):
    """Pre-normalised registrations, every one offered as a candidate: a scan, not a lookup."""

    def __init__(self, registrations: list[ExistingRegistration]) -> None:
        super().__init__()
        self._all = [(r, AccountKey.of(r.account_name, r.account_domain)) for r in registrations]

    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        return self._all


def _rate(
    rulebook: RulebookLibrary, facts: RegistrationFacts, requests: list[RegistrationRequest]
) -> tuple[float, list[str]]:
    outcomes = []
    started = time.perf_counter()
    for req in requests:
        decision = decide_registration(rulebook.governing(T0), req, facts, T0)
        outcomes.append(f"{decision.outcome.value}:{','.join(decision.codes)}")
    return len(requests) / (time.perf_counter() - started), outcomes


def main() -> None:
    partner = PartnerFacts(
        "p-bench",
        PartnerStatus.ACTIVE,
        "gold",
        ("us-west",),
        ("retail",),
        ("platform-sales", "analytics-specialist", "security-specialist"),
    )
    library = RulebookLibrary([load_rulebook("rulebooks/default.yaml")])
    print(
        f"{'registrations':>13} {'indexed/s':>10} {'scan/s':>8} {'ratio':>7} "
        f"{'naive/s':>8} {'ratio':>7}  same decisions"
    )
    for size in SIZES:
        rnd = random.Random(size)
        existing = _registrations(rnd, size)
        requests = _requests(rnd, existing, REQUESTS)
        built = time.perf_counter()
        index = RegistrationIndex(existing)
        build_s = time.perf_counter() - built
        fast, fast_out = _rate(library, RegistrationFacts(partner, index), requests)
        scan_sample = requests[: SCAN_REQUESTS[size]]
        scan, scan_out = _rate(library, RegistrationFacts(partner, FullScan(existing)), scan_sample)
        naive_sample = requests[: NAIVE_REQUESTS[size]]
        naive, naive_out = _rate(library, RegistrationFacts(partner, existing), naive_sample)
        same = sum(a == b for a, b in zip(fast_out, scan_out, strict=False))
        same += sum(a == b for a, b in zip(fast_out, naive_out, strict=False))
        refused = sum(not o.startswith("auto_approved") for o in fast_out)
        print(
            f"{size:>13,} {fast:>10,.0f} {scan:>8,.1f} {fast / scan:>6,.0f}x "
            f"{naive:>8,.1f} {fast / naive:>6,.0f}x  {same}/{len(scan_sample) + len(naive_sample)}"
        )
        print(
            f"{'':>13} index built in {build_s:.1f}s; {refused}/{len(requests)} requests "
            "conflicted or were routed"
        )


if __name__ == "__main__":
    main()
