"""Approval paths: who must act, in what order, how fast, and what happens when time runs out.

One concept for every process that waits on people. A path is a list of steps; a step names one
or more roles that act in parallel (all of them must approve, or any one of them decides), an SLA,
the step an approval leads to (none: the path is approved) and the step a breach escalates to
(none: the path lapses and the process applies its default action). Steps only ever point
forward, so every walk ends. Asking for more information stops the step's clock until the answer.

Approvals can *carry*: a role whose earlier approval still stands (a discount revised within what
it approved) counts as approved on every step it belongs to, and a step all of whose roles carry
passes at once. ``advance`` is the one walk: a pure function from (path, position, event) to the
next position.
The live workflows (on Temporal timers, ``workflows.human``) and the sandbox (on SimPy's clock)
both walk paths only through it. Time is a number of seconds on the caller's clock, so either
engine passes its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rules.enums import DefaultAction


class Quorum(StrEnum):
    """How the roles of one step decide: every one must approve, or the first decision counts."""

    ALL_OF = "all_of"
    ANY_OF = "any_of"


class PathEnd(StrEnum):
    APPROVED = "approved"  # every step the path needed approved
    REJECTED = "rejected"  # someone rejected: the path stops there
    LAPSED = "lapsed"  # a step's SLA passed with nowhere to escalate: the default action applies


class PathError(ValueError):
    """An event the path cannot take at its position (a bug in the caller, never a user error)."""


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step: ``roles`` act within ``sla_seconds``; ``then`` and ``on_breach`` say what follows.

    ``escalation`` marks a step that only exists to stand in for a breached one (it is reached by
    a breach, never by an approval), so displays can tell the chain from its escalations.
    """

    roles: tuple[str, ...]
    sla_seconds: float
    quorum: Quorum = Quorum.ALL_OF
    then: int | None = None
    on_breach: int | None = None
    escalation: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalPath:
    """Steps from index 0; ``default_action`` says what a lapsed path means (None: the process
    decides, e.g. a dispute's default resolution)."""

    steps: tuple[PathStep, ...]
    default_action: DefaultAction | None = None

    def __post_init__(self) -> None:
        if not self.steps:
            raise PathError("an approval path needs at least one step")
        for index, step in enumerate(self.steps):
            if not step.roles:
                raise PathError(f"step {index} names no role")
            if len(set(step.roles)) != len(step.roles):
                raise PathError(f"step {index} names a role twice")
            if not step.sla_seconds > 0:
                raise PathError(f"step {index} has no time to act (sla {step.sla_seconds})")
            for name, target in (("then", step.then), ("on_breach", step.on_breach)):
                if target is not None and not index < target < len(self.steps):
                    raise PathError(f"step {index}: {name} must name a later step, not {target}")

    @property
    def chain(self) -> tuple[PathStep, ...]:
        """The steps an approval walks through, without the escalations that stand in for them."""
        return tuple(step for step in self.steps if not step.escalation)

    @property
    def approvals(self) -> int:
        """How many approvals the path needs when nobody lets an SLA pass."""
        total, index = 0, 0
        while True:
            step = self.steps[index]
            total += len(step.roles) if step.quorum is Quorum.ALL_OF else 1
            if step.then is None:
                return total
            index = step.then

    def roles_text(self) -> str:
        """The chain for people: ``a + b then c`` (``a or b`` for any-of steps)."""
        return " then ".join(
            (" + " if step.quorum is Quorum.ALL_OF else " or ").join(step.roles) for step in self.chain
        )


def ladder(levels: Sequence[tuple[str, float]], default_action: DefaultAction | None) -> ApprovalPath:
    """An escalation ladder: one role per level; a decision at any level settles the path, a
    breach moves it one level up, and past the last level the default action applies."""
    last = len(levels) - 1
    return ApprovalPath(
        tuple(
            PathStep((role,), sla, then=None, on_breach=i + 1 if i < last else None)
            for i, (role, sla) in enumerate(levels)
        ),
        default_action,
    )


def chain(
    steps: Sequence[tuple[tuple[str, ...], float]],
    escalate_to: str,
    default_action: DefaultAction | None,
) -> ApprovalPath:
    """A sequential chain: every step must approve (its roles in parallel, all of them). A step
    whose SLA passes escalates once to ``escalate_to`` (same SLA), who stands in for it; if that
    lapses too, the default action decides the whole request."""
    built: list[PathStep] = []
    count = len(steps)
    for k, (roles, sla) in enumerate(steps):
        after = 2 * (k + 1) if k + 1 < count else None
        built.append(PathStep(tuple(roles), sla, then=after, on_breach=2 * k + 1))
        built.append(PathStep((escalate_to,), sla, then=after, on_breach=None, escalation=True))
    return ApprovalPath(tuple(built), default_action)


# --- the walk ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Position:
    """Where a walk stands: the step, who of it has approved, and the step's clock.

    The clock runs from ``clock_from`` with ``remaining`` seconds of SLA left at that moment;
    ``clock_from`` is None while it is stopped (information was asked for). ``end`` is set once
    the path is over; ``breaches`` counts the SLAs that passed on the way.
    """

    step: int
    remaining: float
    clock_from: float | None
    approved: frozenset[str] = frozenset()
    breaches: int = 0
    end: PathEnd | None = None
    carried: frozenset[str] = frozenset()  # roles whose earlier approval stands on every step

    @property
    def due(self) -> float | None:
        """When the step's SLA passes (None while the clock is stopped or the path is over)."""
        if self.end is not None or self.clock_from is None:
            return None
        return self.clock_from + self.remaining

    @property
    def paused(self) -> bool:
        return self.end is None and self.clock_from is None


@dataclass(frozen=True, slots=True)
class Decided:
    """``role`` approved (``approve``) or rejected at ``at``."""

    role: str
    approve: bool
    at: float


@dataclass(frozen=True, slots=True)
class Breached:
    """The step's SLA passed (or someone sent it up by hand) at ``at``."""

    at: float


@dataclass(frozen=True, slots=True)
class InfoRequested:
    """Someone of the step asked for more information at ``at``: the clock stops."""

    at: float


@dataclass(frozen=True, slots=True)
class Answered:
    """The answer came at ``at``: the clock runs again with what was left of the SLA."""

    at: float


PathEvent = Decided | Breached | InfoRequested | Answered


def start(path: ApprovalPath, at: float, carried: frozenset[str] = frozenset(), step: int = 0) -> Position:
    """The first step (or ``step``, to take a walk up again there), its clock running from
    ``at``; ``carried`` roles count as approved wherever they appear, so steps they cover pass at
    once (the path may even end approved)."""
    if not 0 <= step < len(path.steps):
        raise PathError(f"the path has no step {step}")
    return _enter(path, step, at, 0, carried)


def waiting_for(path: ApprovalPath, position: Position) -> tuple[str, ...]:
    """The roles whose decision the current step still needs (none once the path is over)."""
    if position.end is not None:
        return ()
    step = path.steps[position.step]
    if step.quorum is Quorum.ANY_OF:
        return step.roles
    return tuple(role for role in step.roles if role not in position.approved)


def advance(path: ApprovalPath, position: Position, event: PathEvent) -> Position:
    """The position after ``event``; ``PathError`` when the event is not possible there."""
    if position.end is not None:
        raise PathError(f"the path has already ended ({position.end})")
    step = path.steps[position.step]
    if isinstance(event, Decided):
        if position.paused:
            raise PathError("the step waits for an answer; nobody decides until it comes")
        if event.role not in waiting_for(path, position):
            raise PathError(f"{event.role!r} has no decision to make at step {position.step}")
        if not event.approve:
            return _ended(position, PathEnd.REJECTED)
        approved = position.approved | {event.role}
        if step.quorum is Quorum.ALL_OF and len(approved) < len(step.roles):
            return Position(
                position.step,
                position.remaining,
                position.clock_from,
                approved,
                position.breaches,
                None,
                position.carried,
            )
        if step.then is None:
            return _ended(position, PathEnd.APPROVED, approved)
        return _enter(path, step.then, event.at, position.breaches, position.carried)
    if isinstance(event, Breached):
        if position.paused:
            raise PathError("the clock is stopped while information is asked for; no SLA can pass")
        if step.on_breach is None:
            return _ended(position, PathEnd.LAPSED, breaches=position.breaches + 1)
        return _enter(path, step.on_breach, event.at, position.breaches + 1, position.carried)
    if isinstance(event, InfoRequested):
        if position.paused:
            raise PathError("information has already been asked for")
        assert position.clock_from is not None
        left = max(0.0, position.remaining - (event.at - position.clock_from))
        return Position(
            position.step, left, None, position.approved, position.breaches, None, position.carried
        )
    if not position.paused:
        raise PathError("no question is waiting for an answer")
    return Position(
        position.step,
        position.remaining,
        event.at,
        position.approved,
        position.breaches,
        None,
        position.carried,
    )


def _enter(path: ApprovalPath, index: int, at: float, breaches: int, carried: frozenset[str]) -> Position:
    """Step ``index`` with its clock starting at ``at``; passed at once while carried roles cover it."""
    while True:
        step = path.steps[index]
        given = carried.intersection(step.roles) if carried else frozenset()
        covered = len(given) == len(step.roles) if step.quorum is Quorum.ALL_OF else bool(given)
        if not covered:
            return Position(index, step.sla_seconds, at, given, breaches, None, carried)
        if step.then is None:
            return Position(index, step.sla_seconds, at, given, breaches, PathEnd.APPROVED, carried)
        index = step.then


def _ended(
    position: Position,
    end: PathEnd,
    approved: frozenset[str] | None = None,
    breaches: int | None = None,
) -> Position:
    return Position(
        position.step,
        position.remaining,
        position.clock_from,
        position.approved if approved is None else approved,
        position.breaches if breaches is None else breaches,
        end,
        position.carried,
    )


def approved(path: ApprovalPath, position: Position) -> bool:
    """Whether an ended path approved: by its people, or by its default action when it lapsed."""
    if position.end is PathEnd.APPROVED:
        return True
    if position.end is PathEnd.REJECTED:
        return False
    if position.end is PathEnd.LAPSED:
        if path.default_action is None:
            raise PathError("this path has no default action; its process decides what a lapse means")
        return path.default_action is DefaultAction.APPROVE
    raise PathError("the path has not ended")
