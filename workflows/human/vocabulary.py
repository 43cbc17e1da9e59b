"""A process's decision vocabulary: the words its approvers choose from and what each one does.

Each process kind defines its vocabulary once (beside its workflow types); the workflow's
validators, the approval walk, the inbox's buttons, the API's schema and the CLI's choices all
read it, so a word cannot mean one thing in the inbox and another in the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    """What a decision does to the approval path."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"  # stops the step's clock until the requester answers
    SETTLE = "settle"  # decides the case either way (a dispute's resolutions): the path ends


class DecisionOutcome(StrEnum):
    """The approval words most processes share; a kind may add words of its own."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"


@dataclass(frozen=True)
class Choice:
    outcome: str
    label: str
    effect: Effect
    missing_comment: str = ""  # set when the decision needs a comment: the refusal without one

    @property
    def comment_required(self) -> bool:
        return bool(self.missing_comment)


@dataclass(frozen=True)
class Vocabulary:
    choices: tuple[Choice, ...]

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(choice.outcome for choice in self.choices)

    def choice(self, outcome: str) -> Choice | None:
        for choice in self.choices:
            if choice.outcome == outcome:
                return choice
        return None

    def labels(self) -> dict[str, str]:
        return {choice.outcome: choice.label for choice in self.choices}


APPROVE = Choice(DecisionOutcome.APPROVE, "Approve", Effect.APPROVE)
REJECT = Choice(DecisionOutcome.REJECT, "Reject", Effect.REJECT, "a rejection needs a comment saying why")
REQUEST_INFO = Choice(
    DecisionOutcome.REQUEST_INFO,
    "Request more information",
    Effect.REQUEST_INFO,
    "a request for more information needs the question in the comment",
)
