"""Typed clients of Parley's processes, shared by the CLI, the web app and integrators."""

from __future__ import annotations

from parley.clients.registration import (
    RegistrationClient,
    RegistrationSummary,
    SyncRegistrationClient,
)
from workflows.human.updates import DecisionInput, EscalateInput, ProvideInfoInput
from workflows.human.vocabulary import DecisionOutcome
from workflows.registration.types import CloseOutcome, ExtendInput, RegistrationSubmission, RegistrationView

__all__ = [
    "CloseOutcome",
    "DecisionInput",
    "DecisionOutcome",
    "EscalateInput",
    "ExtendInput",
    "ProvideInfoInput",
    "RegistrationClient",
    "RegistrationSubmission",
    "RegistrationSummary",
    "RegistrationView",
    "SyncRegistrationClient",
]
