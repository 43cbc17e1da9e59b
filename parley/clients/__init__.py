"""Typed clients of Parley's processes, shared by the CLI, the web app and integrators."""

from __future__ import annotations

from parley.clients.registration import (
    RegistrationClient,
    RegistrationSummary,
    SyncRegistrationClient,
)
from workflows.registration_types import (
    CloseOutcome,
    DecisionInput,
    DecisionOutcome,
    EscalateInput,
    ExtendInput,
    ProvideInfoInput,
    RegistrationSubmission,
    RegistrationView,
)

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
