"""Answers that name the real problem (issue 19, "truthful answers"), without a live process:
non-finite numbers, a missing versus an invalid CSRF token, the partner's notes on the task page."""

from __future__ import annotations

from flask.testing import FlaskClient

from store.crud import tasks as tasks_crud
from store.engine import session_scope
from store.models.types import utcnow
from tests.web.conftest import World, api_token, csrf_token, js, sign_in

BODY = {
    "request_key": "truth-1",
    "account_name": "Initech Holdings",
    "territory": "emea-north",
    "vertical": "healthcare",
    "product_line": "analytics",
    "deal_value": 1000,
}


def _post_raw(client: FlaskClient, text: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/registrations",
        data=text,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token('pat_partner')}"},
    )
    assert response.status_code in (400, 422), response.status
    return dict(js(response)["error"])


def test_nan_and_infinity_literals_are_named_as_not_finite(client: FlaskClient, world: World) -> None:
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        text = '{"request_key": "truth-1", "account_name": "Initech", "territory": "emea-north", '
        text += f'"vertical": "healthcare", "product_line": "analytics", "deal_value": {literal}}}'
        error = _post_raw(client, text)
        assert error["status"] == 400, error
        assert error["problems"] == [
            {"field": "deal_value", "message": "must be a finite number (NaN and Infinity are not JSON)"}
        ], literal
        assert "1000000000000" not in str(error["message"])


def test_a_non_finite_number_never_reads_as_too_large() -> None:
    from pydantic import ValidationError

    from web.api.schemas import RegistrationIn

    for value in (float("nan"), float("inf")):
        try:
            RegistrationIn.model_validate({**BODY, "deal_value": value})
        except ValidationError as exc:
            messages = [e["msg"] for e in exc.errors()]
        else:
            raise AssertionError(f"{value} accepted")
        assert len(messages) == 1 and "must be a finite number" in messages[0], messages


def test_the_client_names_a_non_finite_deal_value() -> None:
    from parley.clients.registration import submission_problems
    from workflows.registration.types import RegistrationSubmission

    for value in (float("nan"), float("inf")):
        submission = RegistrationSubmission(
            1, "k-1", "Initech", "emea-north", "healthcare", "analytics", value, "pat"
        )
        assert [(p.path, p.message) for p in submission_problems(submission)] == [
            ("deal_value", "must be a finite number")
        ]


def _post_claim(client: FlaskClient, task_id: int, token: str | None) -> str:
    data = {} if token is None else {"csrf_token": token}
    response = client.post(f"/inbox/tasks/{task_id}/claim", data=data)
    assert response.status_code == 400, response.status
    return response.get_data(as_text=True)


def test_a_missing_csrf_token_is_told_apart_from_an_invalid_one(client: FlaskClient, world: World) -> None:
    sign_in(client, "cam")
    task_id = world.tasks["acme"]
    csrf_token(client, f"/inbox/tasks/{task_id}")  # the session now holds its token
    missing = _post_claim(client, task_id, None)
    assert "carried no CSRF token (missing)" in missing and "invalid" not in missing
    invalid = _post_claim(client, task_id, "not-a-token")
    assert "CSRF token is invalid" in invalid and "missing" not in invalid
    # A token of another session is invalid here, not missing.
    other = client.application.test_client()
    foreign = csrf_token(other, "/login")
    assert "CSRF token is invalid" in _post_claim(client, task_id, foreign)


def test_the_partners_notes_reach_the_approvers_task_page(client: FlaskClient, world: World) -> None:
    notes = "Customer asked for a pilot in Q3.\nProcurement contact: Jo."
    with session_scope() as db:
        task = tasks_crud.open_task(
            session=db,
            data={
                "process_type": "registration",
                "process_id": world.workflows["initech"],
                "kind": "registration.review",
                "title": "Review Initech Care again",
                "role": "channel_account_manager",
                "escalation_level": 1,
                "partner_id": world.partner_id,
                "territory": "emea-north",
                "value": 80000,
                "due_at": utcnow(),
                "payload": {"submission": {"account_name": "Initech Care", "notes": notes}},
            },
        )
    sign_in(client, "cam")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="partner-notes">Customer asked for a pilot in Q3.' in page
    assert "Procurement contact: Jo." in page
    bare = client.get(f"/inbox/tasks/{world.tasks['acme']}").get_data(as_text=True)
    assert 'data-testid="partner-notes"><span class="muted">none</span>' in bare
