"""The roll-out's rules: the approval path, the what-if gate, the acknowledgement schedule, and
the eligibility rule an unacknowledged version may impose on registrations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rules import Outcome, RegistrationFacts, RegistrationIndex, decide_registration, load_rulebook
from rules.approval import Breached, advance, approved, start
from rules.rollout import (
    WhatIf,
    acknowledgement_schedule,
    approval_path,
    effective_date_problem,
    simulation_gate,
)
from tests.rules.helpers import DEFAULT, T0, changed, partner, request


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_one_approver_within_the_sla_and_a_lapse_refuses(rulebook):
    path = approval_path(rulebook)
    assert [step.roles for step in path.steps] == [("vp_channel",)]
    assert path.steps[0].sla_seconds == timedelta(days=5).total_seconds()
    lapsed = advance(path, start(path, 0.0), Breached(path.steps[0].sla_seconds))
    assert approved(path, lapsed) is False  # a rule change is never made by a timer


def test_the_gate_wants_a_completed_what_if_of_this_draft_against_the_version_in_force(rulebook):
    good = WhatIf(7, "completed", "2026.1", "2026.2")
    assert simulation_gate(rulebook, "2026.2", good) == []
    [missing] = simulation_gate(rulebook, "2026.2", None)
    assert missing.code == "rollout.simulation_missing"
    [wrong] = simulation_gate(rulebook, "2026.2", WhatIf(8, "running", "2025.9", "2026.3"))
    assert "is running, not completed" in wrong.text
    assert "simulated 2026.3, not 2026.2" in wrong.text
    assert "compared against 2025.9, not 2026.1" in wrong.text
    relaxed = changed(rulebook, **{"rollout.simulation_required": False})
    assert simulation_gate(relaxed, "2026.2", None) == []


def test_acknowledgement_deadline_and_reminder(rulebook):
    schedule = acknowledgement_schedule(rulebook, T0)
    assert schedule.deadline == T0 + timedelta(days=14)
    assert schedule.reminder_at == T0 + timedelta(days=11)
    assert (
        effective_date_problem(T0, T0) is not None
        and effective_date_problem(T0 + timedelta(seconds=1), T0) is None
    )


def test_a_reminder_after_the_deadline_is_refused(rulebook):
    with pytest.raises(ValueError, match="acknowledgement_reminder"):
        changed(rulebook, **{"rollout.acknowledgement_reminder": "20d"})


def _decide(rulebook, who):
    facts = RegistrationFacts(
        partner=who, existing=RegistrationIndex(()), direct_engagements=(), prior_submissions=0
    )
    return decide_registration(rulebook, request(), facts, T0)


def test_an_unacknowledged_version_refuses_registrations_only_where_it_says_so(rulebook):
    behind = partner(unacknowledged_rulebook=rulebook.version)
    assert _decide(rulebook, behind).outcome is Outcome.AUTO_APPROVED  # the default: may register
    strict = changed(rulebook, **{"rollout.unacknowledged_may_register": False})
    decision = _decide(strict, behind)
    assert decision.outcome is Outcome.AUTO_REJECTED
    assert "eligibility.rulebook_not_acknowledged" in decision.codes
    assert _decide(strict, partner()).outcome is Outcome.AUTO_APPROVED  # acknowledged (nothing outstanding)
    other = partner(unacknowledged_rulebook="2025.9")  # an older version's acknowledgement does not count
    assert _decide(strict, other).outcome is Outcome.AUTO_APPROVED
