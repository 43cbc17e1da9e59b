"""Every workflow a Parley worker registers (and the replay tests replay)."""

from __future__ import annotations

from workflows.delivery import NotificationDispatchWorkflow
from workflows.diagnostics import RoundTripWorkflow
from workflows.discount.workflow import DiscountWorkflow
from workflows.dispute.workflow import DisputeWorkflow
from workflows.exit.workflow import ExitWorkflow
from workflows.registration.workflow import RegistrationWorkflow
from workflows.rollout.workflow import RolloutWorkflow
from workflows.simulation import SimulationWorkflow

ALL_WORKFLOWS: list[type] = [
    RoundTripWorkflow,
    RegistrationWorkflow,
    DiscountWorkflow,
    DisputeWorkflow,
    ExitWorkflow,
    RolloutWorkflow,
    SimulationWorkflow,
    NotificationDispatchWorkflow,
]
