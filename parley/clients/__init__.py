"""Typed clients of Parley's processes over Temporal: internal to the web app and the workers.

The ``parley`` CLI and integrators use the JSON API through ``parley.http`` instead. Every actor
these clients take (``actor=``, ``submitted_by``, a decision's user) must be an authenticated
identity: the web app passes its signed-in principal's username (``g.user.username``), a worker
or the demo seeding the rule or system user it acts as. Nothing here checks a password or a
token, so a caller that passes a name it was merely given lets anyone act as anyone.
"""

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
