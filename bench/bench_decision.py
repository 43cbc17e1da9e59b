"""One registration decision replayed alone: ``decide_registration`` on the shipped default rulebook.

The decisions are those of one sandbox replication (default scenario, seed 7, replication 0):
each lead's request, partner, direct engagements and the registrations the candidate index
offered at that moment, captured while the model ran and replayed outside it, so the figure is
the rules core's work alone. Timed three ways in the same run, interleaved, the fastest of a few
repeats each (the machine's neighbours move the slower ones):

- *prepared*: as the engines call it. The rulebook's lookups are prepared once per rulebook
  (``rules.prepared``), reason texts are written only when read, and each pair of accounts is
  scored once (``rules.matching.pair_similarity``).
- *baseline, tables cold*: the same decisions with the rulebook's prepared tables dropped before
  every call (``rules.prepared.forget``), so each call builds them again: what the preparation buys.
- *baseline, all cold*: tables dropped, the pairs scored forgotten (``forget_pairs``) and every
  reason's text read after the decision: each decision pays for its tables, its texts and its
  scores, as every decision did before the three levers.

The decisions and every reason text are checked to be the same all three ways.
``python -m bench decision``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rules import (
    ExistingRegistration,
    RegistrationDecision,
    RegistrationFacts,
    RegistrationRequest,
    Rulebook,
    load_rulebook,
)
from rules.matching import AccountKey, CandidateIndex, forget_pairs
from rules.prepared import forget
from rules.registration import decide_registration
from simulation import model as model_module
from simulation.channel import generate_channel
from simulation.model import account_neighbours, simulate
from simulation.scenario import default_scenario

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5

Call = tuple[Rulebook, RegistrationRequest, RegistrationFacts, datetime]


class _Offered(CandidateIndex):
    """The candidates the model's index offered for one decision, kept as they were."""

    def __init__(self, found: list[tuple[ExistingRegistration, AccountKey]]) -> None:
        self.found = found

    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        return self.found


def captured() -> list[Call]:
    """Every registration decision of one replication under the default rulebook, as asked."""
    scenario = default_scenario()
    default = load_rulebook(ROOT / "rulebooks" / "default.yaml")
    channel = generate_channel(scenario, 7, 0)
    calls: list[Call] = []
    decide = model_module.decide_registration

    def spy(
        rulebook: Rulebook, request: RegistrationRequest, facts: RegistrationFacts, now: datetime
    ) -> RegistrationDecision:
        index = facts.existing
        assert isinstance(index, CandidateIndex)
        offered = index.keyed_candidates(AccountKey.of(request.account_name, request.account_domain))
        kept = RegistrationFacts(
            facts.partner, _Offered(offered), tuple(facts.direct_engagements), facts.prior_submissions
        )
        calls.append((rulebook, request, kept, now))
        return decide(rulebook, request, facts, now)

    model_module.decide_registration = spy
    try:
        simulate(default, scenario, channel, account_neighbours(channel, default))
    finally:
        model_module.decide_registration = decide
    return calls


def _prepared(call: Call) -> RegistrationDecision:
    return decide_registration(*call)


def _tables_cold(call: Call) -> RegistrationDecision:
    forget(call[0])
    return decide_registration(*call)


def _all_cold(call: Call) -> RegistrationDecision:
    forget(call[0])
    forget_pairs()
    decision = decide_registration(*call)
    for reason in decision.reasons:
        reason.text  # noqa: B018 - reading the text is the work measured
    return decision


def _outputs(calls: list[Call], decide: Callable[[Call], RegistrationDecision]) -> list[object]:
    found: list[object] = []
    for call in calls:
        d = decide(call)
        found.append((d.outcome, d.codes, [(r.text, r.facts) for r in d.reasons], d.matches, d.path))
    return found


def main() -> None:
    calls = captured()
    ways = {"prepared": _prepared, "tables cold": _tables_cold, "all cold": _all_cold}
    same = _outputs(calls, _prepared) == _outputs(calls, _tables_cold) == _outputs(calls, _all_cold)
    best = dict.fromkeys(ways, math.inf)
    for _ in range(REPEATS):
        for name, decide in ways.items():
            started = time.perf_counter()
            for call in calls:
                decide(call)
            best[name] = min(best[name], time.perf_counter() - started)
    per = {name: seconds / len(calls) * 1e6 for name, seconds in best.items()}
    print(f"decide_registration, default rulebook: {len(calls):,} decisions of one replication, replayed")
    print(f"  prepared (as the engines call it):               {per['prepared']:7.1f} us per decision")
    for name in ("tables cold", "all cold"):
        label = f"baseline, {name}:"
        print(f"  {label:<48} {per[name]:7.1f} us   ratio {per[name] / per['prepared']:4.2f}x")
    print(f"  same decisions and reason texts all three ways: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
