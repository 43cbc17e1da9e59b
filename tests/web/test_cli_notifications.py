"""``parley webhooks ...`` and ``parley notifications list`` through the API on a real HTTP server,
as the token's user: a partner's user keeps its partner's subscriptions, partner ops the
integrators'; the secret is printed by ``add`` alone; another owner's id is unknown."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from store.crud import webhooks as webhooks_crud
from store.engine import session_scope
from tests.web.cli_api import CliApi, cli_api
from tests.web.conftest import World
from tests.web.test_notification_pages import seed


@pytest.fixture
def api(world: World) -> Iterator[CliApi]:
    with cli_api() as running:
        yield running


def test_add_list_and_revoke_a_partners_webhook(api: CliApi, world: World) -> None:
    code, out = api.run(
        "pat_partner",
        "webhooks",
        "add",
        "--url",
        "https://portal.northwind.example/in",
        "--event",
        "registration.decided",
        "--event",
        "dispute.opened",
        "--description",
        "portal",
    )
    assert code == 0, out
    secret = re.search(r"^secret: ([0-9a-f]{64})$", out, re.M)
    assert secret, out
    sub_id = int(out.split("#")[1].split()[0])
    with session_scope() as db:
        stored = webhooks_crud.get_subscription(
            session=db, subscription_id=sub_id, partner_id=world.partner_id
        )
    assert stored.secret == secret.group(1) and stored.created_by == "pat_partner"
    assert stored.event_types == ["dispute.opened", "registration.decided"]

    code, out = api.run("pat_partner", "webhooks", "list")
    assert code == 0 and f"#{sub_id}" in out and "active" in out and secret.group(1) not in out
    assert f"1 subscription(s) of partner {world.partner_id}" in out
    code, out = api.run("olga_other", "webhooks", "list")
    assert code == 0 and f"#{sub_id}" not in out and "0 subscription(s)" in out
    code, out = api.run("ops", "webhooks", "list")
    assert code == 0 and "0 subscription(s) of the integrators" in out

    # Another owner's id is as unknown as a missing one; nothing changes.
    for actor in ("olga_other", "ops"):
        code, out = api.run(actor, "webhooks", "revoke", str(sub_id))
        assert code == 1 and f"subscription_id: no webhook subscription {sub_id}" in out
    code, out = api.run("pat_partner", "webhooks", "revoke", str(sub_id))
    assert code == 0 and "revoked" in out
    code, out = api.run("pat_partner", "webhooks", "list")
    assert f"#{sub_id}" not in out
    code, out = api.run("pat_partner", "webhooks", "list", "--all")
    assert f"#{sub_id}" in out and "revoked" in out


def test_partner_ops_add_the_integrators_webhook(api: CliApi, world: World) -> None:
    code, out = api.run(
        "ops", "webhooks", "add", "--url", "https://crm.vendor.example/in", "--event", "task.assigned"
    )
    assert code == 0, out
    with session_scope() as db:
        (sub,) = webhooks_crud.list_subscriptions(session=db, partner_id=None)
    assert sub.url == "https://crm.vendor.example/in"


def test_refusals_name_the_field_or_the_user(api: CliApi, world: World) -> None:
    code, out = api.run("cam", "webhooks", "add", "--url", "https://a.example/x", "--event", "task.assigned")
    assert code == 1 and ("role:" in out or "Authorization:" in out), out  # the API's refusal
    api.tokens["nobody"] = "not-a-token"
    code, out = api.run("nobody", "webhooks", "list")
    assert code == 1 and "Authorization" in out
    code, out = api.run(
        "pat_partner", "webhooks", "add", "--url", "http://a.example/x", "--event", "task.assigned"
    )
    assert code == 1 and "url: must be an absolute https:// address" in out
    code, out = api.run("pat_partner", "webhooks", "add", "--url", "https://a.example/x", "--event", "nope")
    assert code == 2 and "--event" in out
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == []


def test_notifications_list_is_the_users_own(api: CliApi, world: World) -> None:
    ids = seed(world)
    code, out = api.run("pat_partner", "notifications", "list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith(f"* #{ids['program']}") and "rulebook.published" in lines[0]
    assert lines[1].startswith(f"* #{ids['own']}") and lines[1].endswith(
        f"/registrations/{world.workflows['acme']}"
    )
    assert lines[2] == "2 unread" and "Globex" not in out and "Review Acme" not in out
    code, out = api.run("olga_other", "notifications", "list", "--limit", "1")
    assert code == 0 and "Globex Clinics approved" in out and "Rulebook" not in out
    assert "2 unread (1 of 2 shown; raise --limit for more)" in out
