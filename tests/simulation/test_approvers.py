"""The approval walk on a hand-made path: carried roles, the approvals it reports, a stop.

Every task takes its role's median (one hour) and approves; the tiny scenario's approvers work
09:00-17:00 UTC on weekdays and the clock starts on a Monday at midnight.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import simpy

from rules.approval import PathEnd, Position, chain
from rules.enums import DefaultAction
from simulation.approvers import Approvers
from simulation.ledger import Ledger
from simulation.scenario import parse_scenario

HOUR = 3600.0
DAY = 24 * HOUR

PATH = chain(
    [(("deal_desk", "finance"), 24 * HOUR), (("vp_channel",), 48 * HOUR)], "vp_channel", DefaultAction.REJECT
)


@dataclass
class Walked:
    position: Position
    approved_by: list[str]
    tasks: int
    ended_at: float


def walk(tiny_scenario: dict[str, Any], carried: frozenset[str] = frozenset(),
         stop_at: float | None = None) -> Walked:  # fmt: skip
    env = simpy.Environment()
    approvers = Approvers(env, parse_scenario(tiny_scenario), Ledger(window=(0.0, 365 * DAY)))
    slots = iter(range(12))
    approved_by: list[str] = []
    stop: simpy.Event | None = None
    if stop_at is not None:
        revised = stop = env.event()

        def revise(_event: simpy.Event) -> None:
            revised.succeed()

        env.timeout(stop_at).callbacks.append(revise)
    zeros = np.zeros(12)
    ended: list[tuple[Position, float]] = []

    def run() -> Generator[simpy.Event, Any, None]:
        position = yield from approvers.walk(PATH, zeros, zeros, slots, carried, approved_by, stop)
        ended.append((position, env.now))

    env.process(run())
    env.run()
    position, at = ended[0]
    return Walked(position, approved_by, next(slots), at)


def test_a_path_its_carried_roles_cover_ends_at_once_without_a_task(tiny_scenario: dict[str, Any]) -> None:
    walked = walk(tiny_scenario, frozenset({"deal_desk", "finance", "vp_channel"}))
    assert walked.position.end is PathEnd.APPROVED
    assert (walked.tasks, walked.ended_at, walked.approved_by) == (0, 0.0, [])


@pytest.mark.parametrize(
    ("carried", "asked"),
    [
        (frozenset(), ["deal_desk", "finance", "vp_channel"]),
        (frozenset({"deal_desk"}), ["finance", "vp_channel"]),
        (frozenset({"deal_desk", "finance"}), ["vp_channel"]),
    ],
)
def test_only_the_roles_not_carried_are_asked(
    tiny_scenario: dict[str, Any], carried: frozenset[str], asked: list[str]
) -> None:
    walked = walk(tiny_scenario, carried)
    assert walked.position.end is PathEnd.APPROVED
    assert walked.approved_by == asked
    assert walked.tasks == len(asked)


def test_a_stopped_walk_returns_where_it_stands_with_the_approvals_given(
    tiny_scenario: dict[str, Any],
) -> None:
    # Deal desk and finance work 09:00-10:00 on the first day; the VP from 10:00 to 11:00.
    early = walk(tiny_scenario, stop_at=9.5 * HOUR)
    assert early.position.end is None and early.approved_by == [] and early.ended_at == 9.5 * HOUR
    late = walk(tiny_scenario, stop_at=10.5 * HOUR)
    assert late.position.end is None and late.position.step == 2
    assert late.approved_by == ["deal_desk", "finance"]


@pytest.mark.parametrize(("margin", "answer"), [(0.0, True), (0.5 * HOUR, True), (2 * HOUR, None)])
def test_an_approver_lets_a_task_lapse_rather_than_answer_within_the_margin(
    tiny_scenario: dict[str, Any], margin: float, answer: bool | None
) -> None:
    # Opened at Monday midnight with an SLA of 11 h: the approver starts at 09:00 and finishes at
    # 10:00, an hour before the deadline; the fidelity harness's margin is kept the same way.
    env = simpy.Environment()
    approvers = Approvers(env, parse_scenario(tiny_scenario), Ledger(window=(0.0, 365 * DAY)), margin)
    answers: list[bool | None] = []

    def run() -> Generator[simpy.Event, Any, None]:
        answers.append((yield from approvers.task("deal_desk", 11 * HOUR, 0.0, 0.0)))

    env.process(run())
    env.run()
    assert answers == [answer]
    assert env.now == (10 * HOUR if answer else 11 * HOUR)
