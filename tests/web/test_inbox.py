"""The inbox without a running process: queues, filters, detail, claim, authorization, stale tasks."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models.types import utcnow
from tests.web.conftest import World, csrf_token, sign_in


def test_role_queue_lists_only_tasks_for_my_role(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    page = client.get("/inbox/").get_data(as_text=True)
    assert "Review Acme Health" in page and "Review Globex Clinics" in page
    assert "Review Initech Care" not in page  # the director's task


def test_an_approver_of_another_role_can_neither_see_nor_decide(client: FlaskClient, world: World) -> None:
    sign_in(client, "finance")
    assert "Review Acme Health" not in client.get("/inbox/").get_data(as_text=True)
    assert client.get(f"/inbox/tasks/{world.tasks['acme']}").status_code == 404
    token = csrf_token(client, "/inbox/")
    response = client.post(
        f"/inbox/tasks/{world.tasks['acme']}/decide", data={"outcome": "approve", "csrf_token": token}
    )
    assert response.status_code == 404
    with session_scope() as db:
        assert tasks_crud.get_task(session=db, task_id=world.tasks["acme"]).state == "open"


def test_overdue_task_is_marked_and_filterable(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    page = client.get("/inbox/?overdue=1").get_data(as_text=True)
    assert "Review Globex Clinics" in page and "Review Acme Health" not in page
    assert 'class="overdue"' in page
    assert re.search(r"overdue by (1h 5\d|2h \d)m", page)


def test_filters_partner_and_sort_by_value(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    page = client.get(f"/inbox/?partner_id={world.other_partner_id}").get_data(as_text=True)
    assert "Review Globex Clinics" in page and "Review Acme Health" not in page
    page = client.get("/inbox/?sort=value").get_data(as_text=True)
    assert page.index("Review Acme Health") < page.index("Review Globex Clinics")
    page = client.get("/inbox/?sort=due_at").get_data(as_text=True)
    assert page.index("Review Globex Clinics") < page.index("Review Acme Health")


def test_queue_counts_are_shown(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'aria-label="2 tasks"' in page  # All, and the channel account manager queue


def test_detail_shows_the_deal_partner_reasons_similar_and_timeline(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, "cam")
    page = client.get(f"/inbox/tasks/{world.tasks['acme']}").get_data(as_text=True)
    assert "Acme Health" in page and "Northwind Systems" in page
    assert "Deals above $50,000 need a review." in page and "approval.required" in page
    assert "No other registration looks like the same account." in page
    assert "Approve" in page and "Request more information" in page


def test_claim_then_a_colleague_cannot_decide_until_released(client: FlaskClient, world: World) -> None:
    task_id = world.tasks["acme"]
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    client.post(f"/inbox/tasks/{task_id}/claim", data={"action": "claim", "csrf_token": token})
    assert "claimed this task" in client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)

    colleague = client.application.test_client()
    sign_in(colleague, "cam2")
    page = colleague.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert "Claimed by <strong>cam</strong>" in page
    token2 = csrf_token(colleague, "/inbox/")
    colleague.post(f"/inbox/tasks/{task_id}/decide", data={"outcome": "approve", "csrf_token": token2})
    assert "claimed by cam" in colleague.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)

    client.post(f"/inbox/tasks/{task_id}/claim", data={"action": "release", "csrf_token": token})
    with session_scope() as db:
        assert tasks_crud.get_task(session=db, task_id=task_id).claimed_by is None


def test_a_decided_task_gets_a_clear_stale_message(client: FlaskClient, world: World) -> None:
    with session_scope() as db:
        task = tasks_crud.get_task(session=db, task_id=world.tasks["acme"])
        tasks_crud.close_task(
            session=db, process_id=task.process_id, kind=task.kind, escalation_level=0,
            outcome="escalated", closed_by="rule:sla",
        )  # fmt: skip
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    response = client.post(
        f"/inbox/tasks/{world.tasks['acme']}/decide",
        data={"outcome": "approve", "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This task is no longer open: it was escalated by rule:sla." in page
    assert "Traceback" not in page


def test_reject_without_a_comment_is_refused_naming_the_field(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    token = csrf_token(client, "/inbox/")
    response = client.post(
        f"/inbox/tasks/{world.tasks['acme']}/decide",
        data={"outcome": "reject", "comment": "  ", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Comment: a comment is required to reject" in response.get_data(as_text=True)


def test_delegate_sees_and_may_act_for_the_absent_approver(client: FlaskClient, world: World) -> None:
    now = utcnow()
    with session_scope() as db:
        users_crud.create_delegation(
            session=db,
            data={
                "user_id": world.users["director"],
                "delegate_id": world.users["finance"],
                "starts_at": now - timedelta(minutes=1),
                "ends_at": now + timedelta(days=2),
            },
        )
    sign_in(client, "finance")
    page = client.get("/inbox/").get_data(as_text=True)
    assert "Review Initech Care" in page and "Delegated by Director" in page
    detail = client.get(f"/inbox/tasks/{world.tasks['initech']}").get_data(as_text=True)
    assert "You are acting on behalf of <strong>director</strong>" in detail


def test_out_of_office_form_creates_and_ends_a_delegation(client: FlaskClient, world: World) -> None:
    sign_in(client, "director")
    token = csrf_token(client, "/out-of-office/")
    now = utcnow()
    response = client.post(
        "/out-of-office/",
        data={
            "csrf_token": token,
            "delegate_id": str(world.users["cam"]),
            "starts_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow_redirects=True,
    )
    assert "Out of office set" in response.get_data(as_text=True)
    with session_scope() as db:
        (delegation,) = users_crud.list_delegations(session=db, user_id=world.users["director"])
    colleague = client.application.test_client()
    sign_in(colleague, "cam")
    assert "Review Initech Care" in colleague.get("/inbox/").get_data(as_text=True)

    client.post(f"/out-of-office/{delegation.id}/end", data={"csrf_token": token})
    assert "Review Initech Care" not in colleague.get("/inbox/").get_data(as_text=True)


def test_out_of_office_form_names_bad_fields(client: FlaskClient, world: World) -> None:
    sign_in(client, "director")
    token = csrf_token(client, "/out-of-office/")
    response = client.post(
        "/out-of-office/",
        data={"csrf_token": token, "delegate_id": "", "starts_at": "tomorrow", "ends_at": ""},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Start: enter a date and time" in page and "Delegate: choose who stands in" in page


def test_tasks_of_a_process_type_without_a_handler_still_show(client: FlaskClient, world: World) -> None:
    with session_scope() as db:
        task = tasks_crud.open_task(
            session=db,
            data={
                "process_type": "renewal",
                "process_id": "renewal-v7",
                "kind": "renewal.approval",
                "title": "Renew contract v7",
                "role": "channel_account_manager",
                "payload": {"drafted_by": "ops"},
            },
        )
    sign_in(client, "cam")
    assert "Renew contract v7" in client.get("/inbox/").get_data(as_text=True)
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    assert "drafted by" in page and "No renewal process runs in this Parley" in page


def test_partner_sees_only_their_own_registrations(client: FlaskClient, world: World) -> None:
    sign_in(client, "pat_partner")
    page = client.get("/registrations/").get_data(as_text=True)
    assert "Acme Health" in page and "Globex Clinics" not in page
    assert client.get(f"/registrations/{world.workflows['globex']}").status_code == 404
    detail = client.get(f"/registrations/{world.workflows['acme']}").get_data(as_text=True)
    assert "pending approval" in detail


def _partner_task(partner_id: int, title: str, **data: object) -> int:
    with session_scope() as db:
        task = tasks_crud.open_task(
            session=db,
            data={
                "process_type": "rulebook",
                "process_id": "rulebook-2026.1-0badc0de",
                "kind": "rulebook.acknowledgement",
                "title": title,
                "role": "partner",
                "partner_id": partner_id,
                "slot": str(partner_id),  # one acknowledgement per partner, as the roll-out opens them
                "due_at": utcnow() + timedelta(days=14),
                "summary": "What changes: registration.protection_period: 90 days → 60 days",
                "payload": {"version": "2026.1", "partner_name": "its partner"},
                **data,
            },
        )
        assert task.id is not None
        return task.id


def test_partner_reads_only_its_own_partners_rulebook_tasks(client: FlaskClient, world: World) -> None:
    own = _partner_task(world.partner_id, "Acknowledge rulebook 2026.1 (ours)")
    theirs = _partner_task(world.other_partner_id, "Acknowledge rulebook 2026.1 (Contoso's)")
    # A partner's question on a registration is answered on the registration's page: its inbox
    # page shows what only approvers see (other partners' look-alike registrations).
    question = _partner_task(
        world.partner_id,
        "Question about your registration of Acme Health",
        process_type="registration",
        process_id=world.workflows["acme"],
        kind="registration.info",
        assignee="pat_partner",
        payload={},
    )
    sign_in(client, "pat_partner")
    for path in (
        "/inbox/",
        f"/inbox/?partner_id={world.other_partner_id}",
        "/inbox/?process_type=registration",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "Acknowledge rulebook 2026.1 (ours)" in page, path
        assert "Contoso" not in page and "Question about your registration" not in page, path
        assert "Northwind Systems" in page, path  # its own partner, in the Partner column
        assert 'name="task_id"' not in page and "Approve selected" not in page, path
        assert 'aria-label="2 tasks"' not in page and 'aria-label="1 tasks"' in page, path
    detail = client.get(f"/inbox/tasks/{own}").get_data(as_text=True)
    assert "What to do" in detail and "/rulebooks/versions/2026.1" in detail
    assert "Timeline" not in detail and "Claim" not in detail and "/decide" not in detail
    assert client.get(f"/inbox/tasks/{theirs}").status_code == 404
    assert client.get(f"/inbox/tasks/{question}").status_code == 404
    token = csrf_token(client, "/inbox/")
    for path in (f"/inbox/tasks/{own}/decide", f"/inbox/tasks/{own}/claim", f"/inbox/tasks/{own}/escalate"):
        refused = client.post(path, data={"outcome": "approve", "action": "claim", "csrf_token": token})
        assert refused.status_code == 403, path
    assert client.post("/inbox/bulk", data={"task_id": str(own), "csrf_token": token}).status_code == 403


def test_registration_search_by_account_and_status(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    page = client.get("/registrations/?account=globex").get_data(as_text=True)
    assert "Globex Clinics" in page and "Acme Health" not in page
    assert "No registrations match." in client.get("/registrations/?state=approved").get_data(as_text=True)
