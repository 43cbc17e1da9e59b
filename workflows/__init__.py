"""Temporal workflows. ``ALL_WORKFLOWS`` is what a Parley worker registers."""

from __future__ import annotations

from workflows.diagnostics import RoundTripWorkflow
from workflows.registration import RegistrationWorkflow
from workflows.simulation import SimulationWorkflow

ALL_WORKFLOWS: list[type] = [RoundTripWorkflow, RegistrationWorkflow, SimulationWorkflow]
