"""The pure approval-path walk: properties that hold for every path and every sequence of events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.approval import (
    Answered,
    ApprovalPath,
    Breached,
    Decided,
    InfoRequested,
    PathEnd,
    PathError,
    PathStep,
    Position,
    Quorum,
    advance,
    approved,
    chain,
    ladder,
    start,
    waiting_for,
)
from rules.enums import DefaultAction

ROLES = ["cam", "director", "vp", "deal_desk", "finance"]
defaults = st.sampled_from(list(DefaultAction))


@st.composite
def paths(draw: st.DrawFn) -> ApprovalPath:
    """Any valid path: steps of 1-3 roles, either quorum, forward links or none."""
    count = draw(st.integers(1, 5))
    steps = []
    for index in range(count):
        roles = tuple(draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True)))
        later = st.one_of(st.none(), st.integers(index + 1, count - 1)) if index + 1 < count else st.none()
        steps.append(
            PathStep(
                roles,
                draw(st.floats(1.0, 1e6)),
                draw(st.sampled_from(list(Quorum))),
                then=draw(later),
                on_breach=draw(later),
            )
        )
    return ApprovalPath(tuple(steps), draw(defaults))


def _walk_to_end(path: ApprovalPath, choices: list[int]) -> tuple[Position, int]:
    """Drive a path with events drawn from ``choices``; returns the end and how many events."""
    position, now, events = start(path, 0.0), 0.0, 0
    for choice in choices * 50:
        if position.end is not None:
            break
        now += 1.0
        if position.paused:
            event: object = Answered(now)
        else:
            roles = waiting_for(path, position)
            pick = choice % (len(roles) + 2)
            if pick < len(roles):
                event = Decided(roles[pick], approve=choice % 7 != 0, at=now)
            elif pick == len(roles):
                event = Breached(now)
            else:
                event = InfoRequested(now)
        position = advance(path, position, event)  # type: ignore[arg-type]
        events += 1
    return position, events


@settings(max_examples=300)
@given(paths(), st.lists(st.integers(0, 1000), min_size=1, max_size=20))
def test_every_walk_ends_or_keeps_a_valid_position(path: ApprovalPath, choices: list[int]) -> None:
    position, _ = _walk_to_end(path, choices)
    assert 0 <= position.step < len(path.steps)
    if position.end is not None:
        assert waiting_for(path, position) == ()
        assert position.due is None
        assert isinstance(approved(path, position), bool)


@given(paths())
def test_a_breach_at_the_last_step_always_yields_the_default_action(path: ApprovalPath) -> None:
    last = len(path.steps) - 1
    position = Position(last, path.steps[last].sla_seconds, 10.0)
    ended = advance(path, position, Breached(20.0))
    assert ended.end is PathEnd.LAPSED
    assert approved(path, ended) is (path.default_action is DefaultAction.APPROVE)


@given(paths(), st.integers(0, 4))
def test_a_breach_with_nowhere_to_escalate_lapses_wherever_it_is(path: ApprovalPath, index: int) -> None:
    index = min(index, len(path.steps) - 1)
    position = Position(index, path.steps[index].sla_seconds, 0.0)
    after = advance(path, position, Breached(5.0))
    step = path.steps[index]
    if step.on_breach is None:
        assert after.end is PathEnd.LAPSED
    else:
        assert (after.step, after.end, after.clock_from) == (step.on_breach, None, 5.0)
        assert after.remaining == path.steps[step.on_breach].sla_seconds
    assert after.breaches == 1


@given(st.lists(st.sampled_from(ROLES), min_size=2, max_size=5, unique=True), st.randoms())
def test_an_all_of_step_completes_only_when_every_role_has_approved(roles: list[str], rnd) -> None:
    path = ApprovalPath((PathStep(tuple(roles), 100.0, Quorum.ALL_OF),), DefaultAction.REJECT)
    order = roles[:]
    rnd.shuffle(order)
    position = start(path, 0.0)
    for n, role in enumerate(order, start=1):
        assert position.end is None
        position = advance(path, position, Decided(role, True, float(n)))
        assert set(waiting_for(path, position)) == set(roles) - set(order[:n])
    assert position.end is PathEnd.APPROVED


@given(
    st.lists(st.sampled_from(ROLES), min_size=2, max_size=5, unique=True),
    st.integers(0, 4),
    st.booleans(),
)
def test_an_all_of_step_fails_on_the_first_rejection(roles: list[str], rejecter: int, chained: bool) -> None:
    then = 1 if chained else None
    steps = [PathStep(tuple(roles), 100.0, Quorum.ALL_OF, then=then)]
    if chained:
        steps.append(PathStep(("vp",), 100.0))
    path = ApprovalPath(tuple(steps), DefaultAction.APPROVE)
    rejecter = rejecter % len(roles)
    position = start(path, 0.0)
    for role in roles[:rejecter]:
        position = advance(path, position, Decided(role, True, 1.0))
    position = advance(path, position, Decided(roles[rejecter], False, 2.0))
    assert position.end is PathEnd.REJECTED
    assert approved(path, position) is False
    with pytest.raises(PathError):
        advance(path, position, Decided(roles[-1], True, 3.0))


@given(st.lists(st.sampled_from(ROLES), min_size=2, max_size=5, unique=True), st.integers(0, 4))
def test_an_any_of_step_completes_on_the_first_approval(roles: list[str], first: int) -> None:
    path = ApprovalPath(
        (PathStep(tuple(roles), 100.0, Quorum.ANY_OF, then=1), PathStep(("vp",), 50.0)),
        DefaultAction.REJECT,
    )
    position = advance(path, start(path, 0.0), Decided(roles[first % len(roles)], True, 7.0))
    assert (position.step, position.end, position.clock_from, position.remaining) == (1, None, 7.0, 50.0)
    assert waiting_for(path, position) == ("vp",)


@given(
    st.floats(1.0, 1e6),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1e6),
    st.floats(0.0, 1e6),
)
def test_request_info_stops_and_restarts_the_clock_exactly(
    sla: float, share: float, pause: float, started: float
) -> None:
    path = ladder([("cam", sla), ("director", sla)], DefaultAction.REJECT)
    position = start(path, started)
    asked_at = started + share * sla
    paused = advance(path, position, InfoRequested(asked_at))
    assert paused.paused and paused.due is None
    assert paused.remaining == pytest.approx(sla - share * sla, abs=1e-6)
    with pytest.raises(PathError):
        advance(path, paused, Breached(asked_at + 1))
    with pytest.raises(PathError):
        advance(path, paused, Decided("cam", True, asked_at + 1))
    answered_at = asked_at + pause
    resumed = advance(path, paused, Answered(answered_at))
    assert resumed.clock_from == answered_at
    assert resumed.remaining == paused.remaining
    assert resumed.due == pytest.approx(started + sla + pause, abs=1e-6)
    with pytest.raises(PathError):
        advance(path, resumed, Answered(answered_at + 1))


def test_a_ladder_settles_at_any_level_and_escalates_level_by_level() -> None:
    path = ladder([("cam", 10.0), ("director", 20.0), ("vp", 30.0)], DefaultAction.REJECT)
    position = advance(path, start(path, 0.0), Breached(10.0))
    assert (position.step, position.due, position.breaches) == (1, 30.0, 1)
    position = advance(path, position, Decided("director", True, 12.0))
    assert position.end is PathEnd.APPROVED
    lapsed = start(path, 0.0)
    for at in (10.0, 30.0, 60.0):
        lapsed = advance(path, lapsed, Breached(at))
    assert lapsed.end is PathEnd.LAPSED and lapsed.breaches == 3
    assert approved(path, lapsed) is False


def test_a_chain_escalates_a_breached_step_once_then_lapses_the_whole_request() -> None:
    path = chain([(("director",), 10.0), (("vp", "finance"), 20.0)], "vp", DefaultAction.APPROVE)
    assert [s.roles for s in path.chain] == [("director",), ("vp", "finance")]
    assert path.approvals == 3 and path.roles_text() == "director then vp + finance"
    position = advance(path, start(path, 0.0), Breached(10.0))
    assert (path.steps[position.step].roles, path.steps[position.step].escalation) == (("vp",), True)
    position = advance(path, position, Decided("vp", True, 12.0))
    assert (position.step, waiting_for(path, position)) == (2, ("vp", "finance"))
    position = advance(path, position, Breached(32.0))
    position = advance(path, position, Breached(52.0))
    assert position.end is PathEnd.LAPSED and approved(path, position) is True


def test_paths_refuse_shapes_that_could_loop_or_stall() -> None:
    with pytest.raises(PathError):
        ApprovalPath(())
    with pytest.raises(PathError):
        ApprovalPath((PathStep(("cam",), 1.0, then=0),))
    with pytest.raises(PathError):
        ApprovalPath((PathStep(("cam",), 0.0),))
    with pytest.raises(PathError):
        ApprovalPath((PathStep(("cam", "cam"), 1.0),))
    no_default = ladder([("cam", 1.0)], None)
    with pytest.raises(PathError):
        approved(no_default, advance(no_default, start(no_default, 0.0), Breached(1.0)))


@given(paths(), st.sets(st.sampled_from(ROLES)))
def test_carried_approvals_pass_the_steps_they_cover_and_no_other(
    path: ApprovalPath, carried: set[str]
) -> None:
    position = start(path, 0.0, frozenset(carried))
    # Every step passed on the way was covered by carried roles, and the one it stops at is not.
    index = 0
    while index != position.step:
        step = path.steps[index]
        covered = (
            set(step.roles) <= carried if step.quorum is Quorum.ALL_OF else bool(carried & set(step.roles))
        )
        assert covered and step.then is not None
        index = step.then
    if position.end is None:
        step = path.steps[position.step]
        assert position.approved == frozenset(carried) & set(step.roles)
        assert set(waiting_for(path, position)).isdisjoint(carried) or step.quorum is Quorum.ANY_OF
    else:
        assert position.end is PathEnd.APPROVED


@given(paths())
def test_carrying_every_role_approves_at_once_and_carrying_none_changes_nothing(path: ApprovalPath) -> None:
    everyone = frozenset(role for step in path.steps for role in step.roles)
    assert start(path, 0.0, everyone).end is PathEnd.APPROVED
    plain = start(path, 5.0)
    assert (plain.step, plain.approved, plain.end, plain.clock_from) == (0, frozenset(), None, 5.0)
