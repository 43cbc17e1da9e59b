"""The HTTP client (``parley.http``) against the live app on a real HTTP server, and its retry
rule against a scripted server."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from parley.errors import ConfigurationError, DecisionRefused, NotFound, ServiceUnavailable, ValidationFailed
from parley.http import AsyncParleyClient, AuthError, Conflict, ParleyClient, RateLimited, RetryPolicy
from parley.http import models as m
from parley.http.config import ClientConfig
from parley.settings import get_settings
from tests.web.conftest import api_token
from tests.web.http_server import Answer, Recording, Script, scripted, serve_app
from tests.web.live import (
    Live,
    LiveWorld,
    registration_body,
    seed_discount_people,
    seed_live_world,
    wait_for_open_task,
)

ME = {"username": "cam", "display_name": "Casey", "roles": ["channel_account_manager"], "partner_id": None}
FAST = RetryPolicy(retries=3, backoff=0.05, max_wait=5)


@pytest.fixture
def app_url(live: Live) -> Iterator[str]:
    with serve_app() as url:
        yield url


@pytest.fixture
def world(live: Live) -> LiveWorld:
    return seed_live_world(dual_role_user=True)


def _register(client: ParleyClient, key: str) -> m.Registration:
    return client.register(**registration_body(key))


@pytest.mark.temporal
def test_submit_read_and_decide_with_each_persons_token(app_url: str, world: LiveWorld) -> None:
    # dual sells for the partner and is a channel account manager: four-eyes knows them as the
    # submitter only because the API took the submitter from the token.
    with ParleyClient(app_url, api_token("dual")) as seller:
        assert seller.me().partner_id == world.partner_id
        created = _register(seller, f"http-{uuid.uuid4().hex[:8]}")
        assert created.state == "pending_approval"
        assert created.partner_id == world.partner_id
        again = _register(seller, created.request_key or "")  # the same key finds the same process
        assert again.workflow_id == created.workflow_id
        assert created.workflow_id in [row.workflow_id for row in seller.registrations().items]
        task = wait_for_open_task(created.workflow_id, "channel_account_manager")
        with pytest.raises(DecisionRefused):
            seller.decide(task.id or 0, "approve", "my own deal")

    with ParleyClient(app_url, api_token("cam")) as cam:
        assert task.id in [t.id for t in cam.tasks().items]
        decided = cam.decide(task.id or 0, "approve", "Clean account")
        assert decided.accepted and decided.process_state == "approved"
        assert decided.task.closed_by == "cam"
        shown = cam.registration(created.workflow_id)
    assert shown.state == "approved"
    assert [t.actor for t in shown.history if t.after == "approved"] == ["cam"]


@pytest.mark.temporal
def test_refusals_carry_the_api_field_names(app_url: str, world: LiveWorld) -> None:
    with ParleyClient(app_url, api_token("pat")) as partner:
        body = {**registration_body("bad-1"), "deal_value": -5, "territory": " "}
        with pytest.raises(ValidationFailed) as refused:
            partner.register(**body)
        assert {p.path for p in refused.value.problems} == {"deal_value", "territory"}
        with pytest.raises(AuthError) as forbidden:  # a partner user does not decide
            partner.decide(1, "approve")
        assert forbidden.value.status == 403
    with pytest.raises(AuthError) as unknown, ParleyClient(app_url, "not-a-token") as stranger:
        stranger.me()
    assert unknown.value.status == 401 and unknown.value.problems[0].path == "Authorization"


@pytest.mark.temporal
def test_another_partners_token_cannot_read_the_registration(app_url: str, world: LiveWorld) -> None:
    people = seed_discount_people()
    with ParleyClient(app_url, api_token("pat")) as partner:
        created = _register(partner, f"mine-{uuid.uuid4().hex[:8]}")
    with ParleyClient(app_url, api_token(people.other_partner_user)) as other:
        with pytest.raises(NotFound):
            other.registration(created.workflow_id)
        assert created.workflow_id not in [r.workflow_id for r in other.registrations().items]
        with pytest.raises(AuthError):  # nor register for the first partner
            other.register(**registration_body("theirs-1"), partner_id=world.partner_id)


@pytest.mark.temporal
def test_a_start_not_decided_within_the_wait_is_read_whole(
    world: LiveWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_DECISION_WAIT_SECONDS", "0.001")  # the API answers 202 at once
    get_settings.cache_clear()
    recording = Recording()
    body = registration_body(f"slow-{uuid.uuid4().hex[:8]}")
    with serve_app() as url, ParleyClient(url, api_token("pat"), transport=recording) as partner:
        created = partner.register(**body)
    assert recording.seen[0] == ("POST", "/api/v1/registrations", 202)
    # Then the process is read; its row may lag the 202 by a moment (404), which is waited out.
    path = f"/api/v1/registrations/{created.workflow_id}"
    assert recording.seen[-1] == ("GET", path, 200)
    assert {seen[:2] for seen in recording.seen[1:]} == {("GET", path)}
    assert created.account_name == body["account_name"] and created.partner_id == world.partner_id
    assert created.state in ("submitted", "pending_approval")


@pytest.mark.temporal
def test_the_async_client(app_url: str, world: LiveWorld) -> None:
    async def go() -> tuple[m.Registration, m.Registration]:
        async with AsyncParleyClient(app_url, api_token("pat")) as partner:
            created = await partner.register(**registration_body(f"async-{uuid.uuid4().hex[:8]}"))
            return created, await partner.registration(created.workflow_id)

    created, shown = asyncio.run(go())
    assert shown.workflow_id == created.workflow_id and shown.state == "pending_approval"


def test_a_get_is_retried_after_503_and_429_honouring_retry_after() -> None:
    busy = Answer(503, {"error": {"status": 503, "message": "busy", "problems": []}}, {"Retry-After": "1"})
    limited = Answer(
        429, {"error": {"status": 429, "message": "slow down", "problems": []}}, {"Retry-After": "1"}
    )
    script = Script([busy, limited, Answer(200, ME)])
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client:
        started = time.monotonic()
        me = client.me()
        waited = time.monotonic() - started
    assert me.username == "cam"
    assert script.received == [("GET", "/api/v1/me")] * 3
    assert waited >= 2  # twice the second Retry-After asked for, not the 0.05 s backoff


def test_retries_end_with_the_last_answer() -> None:
    limited = Answer(
        429, {"error": {"status": 429, "message": "slow down", "problems": []}}, {"Retry-After": "0"}
    )
    script = Script([limited])
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client, pytest.raises(RateLimited):
        client.me()
    assert len(script.received) == 4  # once and three retries


def test_a_decision_is_never_retried() -> None:
    script = Script(
        [Answer(503, {"error": {"status": 503, "message": "busy", "problems": []}}, {"Retry-After": "0"})]
    )
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client:
        with pytest.raises(ServiceUnavailable):
            client.decide(7, "approve")
        with pytest.raises(ServiceUnavailable):
            client.open_dispute(registration_id="r-1", statement="no key, so once")
    assert script.received == [("POST", "/api/v1/tasks/7/decision"), ("POST", "/api/v1/disputes")]


def test_a_submission_with_its_request_key_is_retried() -> None:
    body = {"workflow_id": "registration-1-k", "state": "approved"}
    script = Script(
        [Answer(503, {"error": {"status": 503, "message": "busy", "problems": []}}), Answer(201, body)]
    )
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client:
        created = client.register(
            request_key="k", account_name="Acme", territory="t", vertical="v", product_line="p", deal_value=1
        )
    assert created.state == "approved" and len(script.received) == 2


def test_a_202_is_read_at_the_process() -> None:
    pending = {"workflow_id": "registration-1-k", "state": "pending_approval", "partner_id": 1}
    script = Script(
        [
            Answer(
                202, {"workflow_id": "registration-1-k", "state": "received", "url": "/x", "message": "m"}
            ),
            Answer(200, pending),
        ]
    )
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client:
        created = client.register(
            request_key="k", account_name="Acme", territory="t", vertical="v", product_line="p", deal_value=1
        )
    assert created.state == "pending_approval"
    assert script.received[1] == ("GET", "/api/v1/registrations/registration-1-k")


def test_the_url_and_token_come_from_arguments_environment_or_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PARLEY_URL", "PARLEY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    config.write_text('url = "https://parley.example.com/"\ntoken = "from-file"\n')
    monkeypatch.setenv("PARLEY_CONFIG", str(config))
    assert ClientConfig.resolve() == ClientConfig("https://parley.example.com/api/v1", "from-file")
    monkeypatch.setenv("PARLEY_TOKEN", "from-env")
    assert ClientConfig.resolve().token == "from-env"
    assert ClientConfig.resolve("http://h:1/api/v1", "given") == ClientConfig("http://h:1/api/v1", "given")
    config.write_text('url = "http://h"\n')
    monkeypatch.delenv("PARLEY_TOKEN")
    with pytest.raises(ConfigurationError, match="PARLEY_TOKEN"):
        ClientConfig.resolve()
    config.write_text('url = "http://h"\ntokn = "typo"\n')
    with pytest.raises(ConfigurationError, match="tokn"):
        ClientConfig.resolve()


def test_the_models_name_only_fields_the_api_answers() -> None:
    from web.api import discount_schemas as d
    from web.api import dispute_schemas as dp
    from web.api import exit_schemas as ex
    from web.api import notification_schemas as ns
    from web.api import partner_schemas as ps
    from web.api import schemas as s

    pairs: list[tuple[type[BaseModel], type[BaseModel]]] = [
        (m.Me, s.Me), (m.Task, s.InboxTask), (m.Decision, s.DecisionOut), (m.Reason, s.ReasonOut),
        (m.Transition, s.TransitionOut), (m.OpenTask, s.OpenTaskOut), (m.Extension, s.ExtensionOut),
        (m.Registration, s.RegistrationOut), (m.RegistrationRow, s.RegistrationRow),
        (m.Discount, d.DiscountOut), (m.DiscountRow, d.DiscountRow), (m.Approval, d.ApprovalOut),
        (m.Revision, d.RevisionOut), (m.DiscountTerms, d.DiscountTermsOut),
        (m.Dispute, dp.DisputeOut), (m.DisputeRow, dp.DisputeRow), (m.Party, dp.PartyOut),
        (m.PartyRow, dp.PartyRow), (m.ThreadEntry, dp.ThreadEntryOut),
        (m.Exit, ex.ExitOut), (m.ExitRow, ex.ExitRow), (m.Disposition, ex.DispositionOut),
        (m.Partner, ps.PartnerOut), (m.Contact, ps.ContactOut), (m.Engagement, ps.EngagementOut),
        (m.Notification, ns.NotificationOut), (m.NotificationPage, ns.NotificationPage),
        (m.MarkedRead, ns.MarkReadOut), (m.Webhook, ns.WebhookOut), (m.WebhookCreated, ns.WebhookCreated),
        (m.Delivery, ns.DeliveryOut), (m.AuditEvent, s.AuditEventOut),
    ]  # fmt: skip
    # The open task of a dispute has a slot; of an exit, an opening time: OpenTask holds them all.
    task_fields = set(s.OpenTaskOut.model_fields) | set(dp.DisputeTaskOut.model_fields)
    for ours, theirs in pairs:
        known = task_fields if ours is m.OpenTask else set(theirs.model_fields)
        assert set(ours.model_fields) <= known, (ours.__name__, set(ours.model_fields) - known)


def test_a_key_reused_with_another_body_is_a_conflict_naming_the_fields() -> None:
    problems = [{"field": "deal_value", "message": "on file: 100000"}]
    body = {
        "error": {"status": 409, "message": "request_key: used for another submission", "problems": problems}
    }
    script = Script([Answer(409, body)])
    with (
        scripted(script) as url,
        ParleyClient(url, "t", retry=FAST) as client,
        pytest.raises(Conflict) as refused,
    ):
        client.register(
            request_key="k", account_name="A", territory="t", vertical="v", product_line="p", deal_value=2
        )
    assert [p.path for p in refused.value.problems] == ["deal_value"] and len(script.received) == 1


def test_a_404_is_waited_out_only_after_a_202() -> None:
    missing = Answer(
        404, {"error": {"status": 404, "message": "workflow_id: no such registration", "problems": []}}
    )
    pending = {"workflow_id": "registration-1-k", "state": "pending_approval"}
    started = Answer(
        202, {"workflow_id": "registration-1-k", "state": "received", "url": "/x", "message": "m"}
    )
    script = Script([started, missing, Answer(200, pending)])
    with scripted(script) as url, ParleyClient(url, "t", retry=FAST) as client:
        created = client.register(
            request_key="k", account_name="A", territory="t", vertical="v", product_line="p", deal_value=1
        )
    assert created.state == "pending_approval" and len(script.received) == 3
    plain = Script([missing, Answer(200, pending)])
    with scripted(plain) as url, ParleyClient(url, "t", retry=FAST) as client, pytest.raises(NotFound):
        client.registration("registration-1-k")
    assert len(plain.received) == 1
