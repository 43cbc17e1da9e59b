"""Temporal activities: every piece of I/O the workflows need. ``all_activities`` lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.delivery import dead_letter_delivery, deliver, pending_deliveries, warn_before_sla
from activities.diagnostics import probe_database
from activities.discount import live_discounts, record_discount_submission, record_discount_transition
from activities.dispute import ask_registration, record_dispute_opening, record_dispute_transition
from activities.exit import (
    dispose_registrations,
    gather_open_registrations,
    gather_transfer_candidates,
    partner_as_ruled,
    record_exit_opening,
    record_exit_transition,
)
from activities.projection import project_transition
from activities.registration import record_registration_transition, record_submission
from activities.registration_facts import gather_registration_facts
from activities.rollout import (
    record_rollout_opening,
    record_rollout_transition,
    rollout_audience,
    superseded_rollouts,
)
from activities.rulebook import load_rulebook
from activities.simulation import (
    record_simulation_ended,
    record_simulation_progress,
    simulate_replication,
    store_simulation_outcome,
    summarise_simulation,
)


def all_activities() -> list[Callable[..., Any]]:
    return [
        probe_database,
        project_transition,
        pending_deliveries,
        deliver,
        dead_letter_delivery,
        warn_before_sla,
        load_rulebook,
        record_submission,
        gather_registration_facts,
        record_registration_transition,
        record_discount_submission,
        record_discount_transition,
        live_discounts,
        record_dispute_opening,
        record_dispute_transition,
        ask_registration,
        record_exit_opening,
        record_exit_transition,
        gather_open_registrations,
        gather_transfer_candidates,
        partner_as_ruled,
        dispose_registrations,
        record_rollout_opening,
        record_rollout_transition,
        rollout_audience,
        superseded_rollouts,
        simulate_replication,
        summarise_simulation,
        record_simulation_progress,
        store_simulation_outcome,
        record_simulation_ended,
    ]
