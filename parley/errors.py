"""Parley's exceptions, all under one root so callers can catch ``ParleyError``.

ParleyError
├── ConfigurationError      a setting is missing or wrong (names the setting and the value)
├── ServiceUnavailable      Temporal or the database cannot be reached
│   └── StillDeciding       a process was started and is recorded, but had not decided in the wait
├── ValidationFailed        input refused; carries every (field, message) problem at once
├── NotFound                a named thing does not exist
├── DecisionRefused         a process refused an action (stale task, wrong role, four-eyes ...)
└── RequestKeyConflict      a request key already names a different submission (names the fields)
"""

from __future__ import annotations

from dataclasses import dataclass


class ParleyError(Exception):
    """Root of every error Parley raises on purpose."""


class ConfigurationError(ParleyError):
    def __init__(self, setting: str, value: object, reason: str) -> None:
        self.setting, self.value, self.reason = setting, value, reason
        super().__init__(f"{setting}={value!r}: {reason}")


class ServiceUnavailable(ParleyError):
    def __init__(self, service: str, detail: str) -> None:
        self.service, self.detail = service, detail
        super().__init__(f"{service} is not available: {detail}")


@dataclass(frozen=True)
class FieldProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationFailed(ParleyError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class NotFound(ParleyError):
    def __init__(self, kind: str, key: object) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} not found")


class DecisionRefused(ParleyError):
    """A running process refused an action; ``reason`` says why in words and nothing changed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class StillDeciding(ServiceUnavailable):
    """A process was started (it is recorded, and decides when its workers get to it) but had
    not made its first decision within the wait; ``state`` is where it stood then. Unlike its
    parent, something was recorded: a caller that can should say so (the API answers 202)."""

    def __init__(self, kind: str, workflow_id: str, state: str) -> None:
        self.kind, self.workflow_id, self.state = kind, workflow_id, state
        super().__init__(
            "approval service", f"the {kind} {workflow_id} is recorded and not decided yet ({state})"
        )


class RequestKeyConflict(ParleyError):
    """The request key already names a submission that differs from this one in ``problems``
    (one per field, saying what is on file); the one on file is unchanged."""

    def __init__(self, key: str, problems: list[FieldProblem]) -> None:
        self.key, self.problems = key, problems
        fields = ", ".join(p.path for p in problems)
        super().__init__(f"request_key {key!r} already names a different submission (differs in {fields})")
