"""Every path of a discount request on the real dev server, with the second-scale test rulebook:
automatic, one step, a parallel step approved by both or rejected by one, two sequential steps,
request-info, revisions, withdrawal, and the registration ending under an open request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.errors import ValidationFailed
from store.crud.discounts import discount_ids
from store.engine import engine_for, session_scope
from tests.fixtures_temporal import TemporalServer
from tests.workflows.discount_harness import (
    SUBSTITUTIONS,
    DiscountWorld,
    approved_registration,
    decide,
    discount_client,
    seed_discount_world,
    sqlite_discount_stack,
    submission,
)
from tests.workflows.harness import Stack, audit_of, tasks_of
from workflows.discount.types import DiscountTerms
from workflows.human.updates import ProvideInfoInput

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="module")
def stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with sqlite_discount_stack(
        temporal_server, sqlite_template, tmp_path_factory.mktemp("discount"), SUBSTITUTIONS
    ) as stack:
        yield stack


@pytest.fixture
def dw(stack: Stack) -> DiscountWorld:
    return seed_discount_world(stack)


async def test_within_the_automatic_band_it_is_approved_at_once(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.05))
    assert view.state == "approved" and view.reason_codes == ["discount.automatic_band"]
    assert view.valid_until is not None and view.open_tasks == []
    assert view.standard_discount == pytest.approx(0.17) and view.total_discount == pytest.approx(0.22)


async def test_a_parallel_step_needs_both_and_shows_its_progress(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.25))
    assert view.state == "pending_approval" and view.chain == [["deal_desk", "finance"]]
    assert {t.role for t in view.open_tasks} == {"deal_desk", "finance"}
    view = await decide(client, view.workflow_id, dw, "finance", "approve")
    assert view.state == "pending_approval" and [t.role for t in view.open_tasks] == ["deal_desk"]
    assert [a.role for a in view.approvals] == ["finance"]
    view = await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    assert view.state == "approved" and view.valid_until is not None
    actions = [h.action for h in view.history]
    assert actions == ["review.opened", "review.approval_recorded", "discount.approved"]
    tasks = tasks_of(stack.database_url, view.workflow_id)
    assert {(t.slot, t.outcome) for t in tasks} == {("deal_desk", "approved"), ("finance", "approved")}


async def test_one_rejection_ends_the_chain(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.25))
    view = await decide(client, view.workflow_id, dw, "deal_desk", "reject", comment="Margin too thin")
    assert view.state == "rejected" and view.finished
    outcomes = {t.slot: t.outcome for t in tasks_of(stack.database_url, view.workflow_id)}
    assert outcomes == {"deal_desk": "rejected", "finance": "cancelled"}


async def test_two_sequential_steps_with_a_question_in_between(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.40))
    assert view.chain == [["deal_desk", "finance"], ["vp_channel"]]
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    view = await decide(client, view.workflow_id, dw, "finance", "approve")
    assert [t.role for t in view.open_tasks] == ["vp_channel"]
    view = await decide(
        client, view.workflow_id, dw, "vp_channel", "request_info", comment="Which competitor?"
    )
    assert view.state == "info_requested"
    view = await client.provide_info(view.workflow_id, ProvideInfoInput(dw.partner, "Globex, at 38%"))
    assert view.state == "pending_approval" and [t.role for t in view.open_tasks] == ["vp_channel"]
    view = await decide(client, view.workflow_id, dw, "vp_channel", "approve")
    assert view.state == "approved"
    assert [a.role for a in view.approvals] == ["deal_desk", "finance", "vp_channel"]


async def test_revisions_ask_again_only_whose_part_changed(stack: Stack, dw: DiscountWorld) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    view = await client.request(submission(dw, registration, requested_discount=0.25))
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    view = await decide(client, view.workflow_id, dw, "finance", "approve")
    approved_until = view.valid_until
    # Lower on an approved request: approved at once, the same validity.
    lower = DiscountTerms(requested_discount=0.18, deal_value=200_000, justification="competitor")
    view = await client.revise(view.workflow_id, dw.partner, lower)
    assert view.state == "approved" and view.valid_until == approved_until
    assert view.revisions[-1].asked_again == [] and view.history[-1].action == "discount.revised"
    # Deeper, into the next band: deal desk and finance approved 25% only, the VP never.
    deeper = DiscountTerms(requested_discount=0.40, deal_value=200_000, justification="competitor")
    view = await client.revise(view.workflow_id, dw.partner, deeper)
    assert view.state == "pending_approval"
    assert view.revisions[-1].asked_again == ["deal_desk", "finance", "vp_channel"]
    assert {t.role for t in view.open_tasks} == {"deal_desk", "finance"}
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    await decide(client, view.workflow_id, dw, "finance", "approve")
    # While the VP decides, the partner comes down to 35%: the step of deal desk and finance
    # (approved at 40%) stands, only the VP is asked.
    view = await client.revise(
        view.workflow_id,
        dw.partner,
        DiscountTerms(requested_discount=0.35, deal_value=200_000, justification="c"),
    )
    assert view.revisions[-1].asked_again == ["vp_channel"]
    assert [t.role for t in view.open_tasks] == ["vp_channel"]
    view = await decide(client, view.workflow_id, dw, "vp_channel", "approve")
    assert view.state == "approved"
    codes = [
        e.reason_codes
        for e in audit_of(stack.database_url, view.workflow_id)
        if e.action == "discount.revised"
    ]
    assert codes == [
        ["discount.revision_covered"],
        ["discount.revision_reapproval"],
        ["discount.revision_reapproval"],
    ]


async def test_refusals_and_bad_input_name_the_field_and_store_nothing(
    stack: Stack, dw: DiscountWorld
) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    cases = [
        ({"requested_discount": 1.5}, "requested_discount"),
        ({"requested_discount": float("nan")}, "requested_discount"),
        ({"deal_value": -5}, "deal_value"),
        ({"deal_value": 1e13}, "deal_value"),
        ({"requested_discount": 0.6}, "requested_discount"),
        ({"requested_discount": 0.25, "justification": " "}, "justification"),
    ]
    for terms, field in cases:
        assert isinstance(terms, dict)
        with pytest.raises(ValidationFailed) as caught:
            await client.request(submission(dw, registration, **terms))
        assert caught.value.problems[0].path == field, (terms, caught.value.problems)
    with pytest.raises(ValidationFailed, match="registration_id"):
        await client.request(submission(dw, "registration-999999-nope"))
    assert client.list(partner_id=dw.world.partner_id)[1] == 0
    view = await client.request(submission(dw, registration, requested_discount=0.15))
    with pytest.raises(ValidationFailed, match="requested_discount"):
        await client.revise(view.workflow_id, dw.partner, DiscountTerms(requested_discount=0.7, deal_value=1))


async def test_withdraw_and_the_registration_ending_close_open_requests(
    stack: Stack, dw: DiscountWorld
) -> None:
    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    first = await client.request(submission(dw, registration, requested_discount=0.25))
    view = await client.withdraw(first.workflow_id, dw.partner, "deal fell through")
    assert view.state == "withdrawn"
    second = await client.request(submission(dw, registration, requested_discount=0.25))
    from parley.clients.registration import RegistrationClient

    registrations = await RegistrationClient.connect(stack.settings)
    closed = await registrations.close(registration, dw.partner, "won")
    assert closed.state == "won"
    with session_scope(engine_for(stack.database_url)) as session:
        on_file = discount_ids(session=session, registration_workflow_id=registration)
    assert on_file == [first.workflow_id, second.workflow_id]
    view = await client.wait_until(second.workflow_id, lambda v: v.finished, timeout=15)
    assert view.state == "closed" and view.ended_because == "the registration is won"
    assert {t.outcome for t in tasks_of(stack.database_url, second.workflow_id)} == {"cancelled"}
    with pytest.raises(ValidationFailed, match="must be approved"):
        await client.request(submission(dw, registration, requested_discount=0.25))


async def test_a_request_stored_after_its_registration_ended_is_closed_at_once(
    stack: Stack, dw: DiscountWorld
) -> None:
    """The client's check saw the registration approved, the registration then ended, and only
    then did the request's row get stored: the request learns it from that row's read and closes."""
    from parley.clients.discount import _initial_attributes
    from parley.clients.registration import RegistrationClient
    from workflows.discount.types import discount_workflow_id
    from workflows.discount.workflow import DiscountWorkflow

    client = await discount_client(stack)
    registration = await approved_registration(stack, dw)
    request = submission(dw, registration, requested_discount=0.05)
    registrations = await RegistrationClient.connect(stack.settings)
    await registrations.close(registration, dw.partner, "won")
    view = await client.start_settled(  # what request() does once its check has passed
        DiscountWorkflow.run,
        request,
        discount_workflow_id(registration, request.request_key),
        search_attributes=_initial_attributes(request),
        settle_timeout=10,
    )
    assert view.state == "closed" and view.ended_because == "the registration is won"
