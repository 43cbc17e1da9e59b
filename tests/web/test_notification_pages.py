"""The notification pages under Flask's test client, on rows written through the data layer: the
in-app list with its unread badge (a partner's user reads its own and the program-wide news,
never another partner's), opening and marking read, webhook subscriptions (the secret shown once,
another partner's answering 404), and partner operations' delivery log with its retry. Every form
needs its CSRF token; every refusal names its field or says who may."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask.testing import FlaskClient

from store.crud import deliveries as deliveries_crud
from store.crud import notifications as notifications_crud
from store.crud import users as users_crud
from store.crud import webhooks as webhooks_crud
from store.engine import session_scope
from store.models import Delivery, Notification, WebhookSubscription
from tests.web.conftest import PASSWORD, World, csrf_token, post_form, sign_in, signed_in

LIST = "/notifications/"


def notify(
    subject: str,
    *,
    user: str | None = None,
    role: str | None = None,
    process: tuple[str, str] | None = None,
    event_type: str = "registration.decided",
    data: dict[str, Any] | None = None,
) -> int:
    """A notification for a user or a role, written as a transition writes it."""
    key = f"test/{uuid.uuid4().hex}"
    with session_scope() as db:
        notification = notifications_crud.append_notification(
            session=db,
            data={
                "event_type": event_type,
                "recipient_user": user,
                "recipient_role": role,
                "subject": subject,
                "body": f"About: {subject}",
                "process_type": process[0] if process else None,
                "process_id": process[1] if process else None,
                "event_key": key,
                "data": data or {},
                "idempotency_key": key,
            },
        )
        assert notification.id is not None
        return notification.id


def seed(world: World) -> dict[str, int]:
    """Northwind's user's own news, the program-wide news, Contoso's user's own news, and a task
    for channel account managers (vendor staff only)."""
    return {
        "own": notify(
            "Acme Health approved", user="pat_partner", process=("registration", world.workflows["acme"])
        ),
        "program": notify("Rulebook 2026.2 published", role="partner", event_type="rulebook.published"),
        "other": notify(
            "Globex Clinics approved", user="olga_other", process=("registration", world.workflows["globex"])
        ),
        "staff": notify("Review Acme Health", role="channel_account_manager", event_type="task.assigned"),
    }


def subscription(partner_id: int | None, url: str = "https://hooks.example.com/in") -> WebhookSubscription:
    with session_scope() as db:
        return webhooks_crud.create_subscription(
            session=db,
            data={"url": url, "event_types": ["registration.decided"]},
            partner_id=partner_id,
            created_by="test",
        )


def delivery(notification_id: int, *, dead: bool) -> Delivery:
    """The webhook deliveries a notification needs, planned as the outbox plans them; the first one
    failed once and, when ``dead``, dead-lettered."""
    with session_scope() as db:
        notification = db.get(Notification, notification_id)
        assert notification is not None
        ids = deliveries_crud.plan_deliveries(session=db, notification=notification, email=False)
        deliveries_crud.record_attempt(
            session=db, delivery_id=ids[0], attempt=1, error="HTTP 500 from receiver"
        )
        if dead:
            deliveries_crud.dead_letter(session=db, delivery_id=ids[0], error="HTTP 500 after 5 attempts")
        return deliveries_crud.get_delivery(session=db, delivery_id=ids[0])


def badge(page: str) -> int | None:
    found = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else None


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status
    return response.get_data(as_text=True)


# --- the in-app list -----------------------------------------------------------------------------


def test_a_partner_user_reads_its_own_and_the_program_wide_news_newest_first(
    client: FlaskClient, world: World
) -> None:
    seed(world)
    sign_in(client, "pat_partner")
    page = text(client, LIST)
    assert page.index("Rulebook 2026.2 published") < page.index("Acme Health approved")
    assert "Globex Clinics" not in page and "Review Acme Health" not in page
    assert badge(page) == 2 and page.count('data-testid="unread-mark"') == 2
    # The badge is in the navigation of every page.
    assert badge(text(client, "/registrations/")) == 2

    other = signed_in("olga_other")
    page = text(other, LIST)
    assert "Globex Clinics approved" in page and "Rulebook 2026.2 published" in page
    assert "Acme Health" not in page and badge(page) == 2

    staff = signed_in("cam")
    page = text(staff, LIST)
    assert "Review Acme Health" in page and "Rulebook 2026.2" not in page and "Globex" not in page
    assert badge(page) == 1


def test_opening_one_marks_it_read_and_goes_to_its_process_page(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    sign_in(client, "pat_partner")
    token = csrf_token(client, LIST)
    response = client.post(f"/notifications/{ids['own']}/open", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/registrations/{world.workflows['acme']}"
    page = text(client, LIST)
    assert badge(page) == 1 and page.count('data-testid="unread-mark"') == 1
    row = page[page.index(f'data-testid="notification-{ids["own"]}"') :].split("</tr>")[0]
    assert "unread" not in row
    # One without a process page is marked read and the list comes back.
    response = client.post(f"/notifications/{ids['program']}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith(LIST)
    assert badge(text(client, LIST)) is None


def test_another_users_notification_is_not_found_and_stays_unread(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    sign_in(client, "pat_partner")
    token = csrf_token(client, LIST)
    assert client.post(f"/notifications/{ids['other']}/open", data={"csrf_token": token}).status_code == 404
    response = client.post("/notifications/read", data={"csrf_token": token, "notification_id": ids["staff"]})
    assert response.status_code == 404
    assert badge(text(signed_in("olga_other"), LIST)) == 2
    assert badge(text(signed_in("cam"), LIST)) == 1
    assert badge(text(client, LIST)) == 2


def test_mark_one_and_mark_all_read(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    sign_in(client, "pat_partner")
    page = post_form(client, "/notifications/read", LIST, notification_id=str(ids["program"]))
    assert badge(page) == 1
    page = text(client, f"{LIST}?unread=1")
    assert "Acme Health approved" in page and "Rulebook 2026.2" not in page
    page = post_form(client, "/notifications/read", LIST, all="1")
    assert "1 notification marked read." in page and badge(page) is None
    assert "No notifications yet" not in text(client, LIST)
    assert "Nothing unread." in text(client, f"{LIST}?unread=1")
    # Marking all read is the user's own: the others keep theirs unread.
    assert badge(text(signed_in("olga_other"), LIST)) == 2


def test_the_list_is_paginated(client: FlaskClient, world: World) -> None:
    for number in range(30):
        notify(f"Task number {number:02d}", user="cam", event_type="task.assigned")
    sign_in(client, "cam")
    first = text(client, LIST)
    assert "Task number 29" in first and "Task number 05" in first and "Task number 04" not in first
    assert "Page 1 of 2 · 30 notifications" in first and badge(first) == 30
    second = text(client, f"{LIST}?page=2")
    assert "Task number 04" in second and "Task number 00" in second and "Task number 05" not in second


def test_the_list_needs_a_signed_in_user(client: FlaskClient, world: World) -> None:
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    pat_sub = subscription(world.partner_id)
    sign_in(client, "pat_partner")
    for path, data in [
        ("/notifications/read", {"all": "1"}),
        (f"/notifications/{ids['own']}/open", {}),
        ("/notifications/webhooks", {"url": "https://a.example.com/x", "event_types": "task.assigned"}),
        (f"/notifications/webhooks/{pat_sub.id}/revoke", {}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True), path
    assert badge(text(client, LIST)) == 2
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == [pat_sub]

    dead = delivery(notify("Acme decided", user="pat_partner"), dead=True)
    ops = signed_in("ops")
    response = ops.post(f"/notifications/deliveries/{dead.id}/retry", data={})
    assert response.status_code == 400
    with session_scope() as db:
        assert deliveries_crud.get_delivery(session=db, delivery_id=dead.id or 0).state == "dead"


# --- webhook subscriptions -----------------------------------------------------------------------


def test_a_partner_adds_a_webhook_and_sees_its_secret_once(client: FlaskClient, world: World) -> None:
    sign_in(client, "pat_partner")
    token = csrf_token(client, "/notifications/webhooks")
    response = client.post(
        "/notifications/webhooks",
        data={
            "csrf_token": token,
            "url": "https://portal.northwind.example/parley",
            "event_types": ["registration.decided", "dispute.opened"],
            "description": "Our portal",
        },
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    with session_scope() as db:
        (sub,) = webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id)
    assert sub.event_types == ["dispute.opened", "registration.decided"] and sub.created_by == "pat_partner"
    assert f'data-testid="webhook-secret">{sub.secret}<' in response.get_data(as_text=True)
    # Never again: not on the list, not on its page, and no other partner sees it.
    listing = text(client, "/notifications/webhooks")
    assert "https://portal.northwind.example/parley" in listing and sub.secret not in listing
    detail = text(client, f"/notifications/webhooks/{sub.id}")
    assert "Our portal" in detail and sub.secret not in detail
    other = signed_in("olga_other")
    assert "portal.northwind" not in text(other, "/notifications/webhooks")
    assert other.get(f"/notifications/webhooks/{sub.id}").status_code == 404
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=None) == []


def test_bad_webhook_input_is_refused_naming_the_field(client: FlaskClient, world: World) -> None:
    sign_in(client, "pat_partner")
    token = csrf_token(client, "/notifications/webhooks")
    cases = [
        (
            {"url": "http://portal.example/x", "event_types": "task.assigned"},
            "Url: must be an absolute https://",
        ),
        (
            {"url": "https://portal.example/x", "event_types": "task.nonsense"},
            "Event types: Value error, unknown",
        ),
        ({"url": "https://portal.example/x"}, "Event types: List should have at least 1 item"),
        ({"url": "https://user:pw@portal.example/x", "event_types": "task.assigned"}, "Url: "),
    ]
    for form, message in cases:
        response = client.post("/notifications/webhooks", data={**form, "csrf_token": token})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page, (form, page[page.find("flash") :][:300])
        assert 'value="https://' in page or 'value="http://' in page  # the form keeps what was typed
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == []


def test_revoking_is_the_owners_alone(client: FlaskClient, world: World) -> None:
    pat_sub = subscription(world.partner_id)
    other_sub = subscription(world.other_partner_id, "https://contoso.example/hook")
    sign_in(client, "pat_partner")
    token = csrf_token(client, "/notifications/webhooks")
    response = client.post(f"/notifications/webhooks/{other_sub.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    page = post_form(client, f"/notifications/webhooks/{pat_sub.id}/revoke", "/notifications/webhooks")
    assert f"Subscription {pat_sub.id} (https://hooks.example.com/in) is revoked" in page
    assert f'data-testid="webhook-{pat_sub.id}"' in page and "revoked" in page
    with session_scope() as db:
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.partner_id) == []
        assert webhooks_crud.list_subscriptions(session=db, partner_id=world.other_partner_id) == [other_sub]


def test_partner_ops_keep_the_integrators_webhooks_and_others_may_not(world: World) -> None:
    pat_sub = subscription(world.partner_id)
    ops = signed_in("ops")
    page = post_form(
        ops, "/notifications/webhooks", "/notifications/webhooks",
        url="https://crm.vendor.example/parley", event_types="task.assigned",
    )  # fmt: skip
    assert "Webhook subscription" in page and "added" in page
    with session_scope() as db:
        (sub,) = webhooks_crud.list_subscriptions(session=db, partner_id=None)
    assert sub.url == "https://crm.vendor.example/parley"
    assert ops.get(f"/notifications/webhooks/{pat_sub.id}").status_code == 404
    assert signed_in("pat_partner").get(f"/notifications/webhooks/{sub.id}").status_code == 404
    for username in ("cam", "finance", "director"):
        response = signed_in(username).get("/notifications/webhooks")
        assert response.status_code == 403 and "partner operations" in response.get_data(as_text=True)


def test_a_webhooks_page_shows_its_delivery_log(client: FlaskClient, world: World) -> None:
    sub = subscription(world.partner_id)
    other = subscription(world.other_partner_id, "https://contoso.example/hook")
    own = delivery(notify("Acme decided", user="pat_partner"), dead=True)
    theirs = delivery(notify("Globex decided", user="olga_other"), dead=False)
    assert own.subscription_id == sub.id and theirs.subscription_id == other.id
    sign_in(client, "pat_partner")
    page = text(client, f"/notifications/webhooks/{sub.id}")
    assert f'data-testid="delivery-{own.id}"' in page and "HTTP 500 after 5 attempts" in page
    assert f'data-testid="delivery-{theirs.id}"' not in page and "dead" in page


# --- the delivery log ----------------------------------------------------------------------------


def test_partner_ops_see_dead_letters_and_retry_one(world: World) -> None:
    subscription(world.partner_id)
    with session_scope() as db:
        users_crud.create_user(
            session=db,
            data={
                "username": "admin1",
                "display_name": "Ada Admin",
                "password": PASSWORD,
                "roles": ["admin"],
            },
        )
    dead = delivery(notify("Acme decided", user="pat_partner"), dead=True)
    pending = delivery(notify("Initech decided", user="pat_partner"), dead=False)
    ops = signed_in("ops")
    page = text(ops, "/notifications/deliveries")
    assert f'data-testid="delivery-{dead.id}"' in page and f'data-testid="delivery-{pending.id}"' not in page
    row = page[page.index(f'data-testid="delivery-{dead.id}"') :].split("</tr>")[0]
    for shown in ("webhook", "https://hooks.example.com/in", "Acme decided", "registration.decided",
                  "HTTP 500 after 5 attempts", ">1<", "Retry"):  # fmt: skip
        assert shown in row, shown
    page = text(ops, "/notifications/deliveries?state=pending")
    assert f'data-testid="delivery-{pending.id}"' in page and f'data-testid="delivery-{dead.id}"' not in page
    assert "Retry delivery" not in page
    assert f'data-testid="delivery-{dead.id}"' in text(signed_in("admin1"), "/notifications/deliveries")

    page = post_form(
        ops, f"/notifications/deliveries/{dead.id}/retry", "/notifications/deliveries", state="dead"
    )
    assert f"Delivery {dead.id} to https://hooks.example.com/in is queued again." in page
    assert "No dead letters" in page
    with session_scope() as db:
        again = deliveries_crud.get_delivery(session=db, delivery_id=dead.id or 0)
    assert (again.state, again.attempts) == ("pending", 0)
    # Only a dead letter is retried: the refusal names the field and changes nothing.
    page = post_form(ops, f"/notifications/deliveries/{dead.id}/retry", "/notifications/deliveries")
    assert f"Delivery id: delivery {dead.id} is pending, not dead-lettered." in page


def test_the_delivery_log_is_for_partner_ops_alone(world: World) -> None:
    subscription(world.partner_id)
    dead = delivery(notify("Acme decided", user="pat_partner"), dead=True)
    for username in ("pat_partner", "cam", "finance"):
        client = signed_in(username)
        assert client.get("/notifications/deliveries").status_code == 403
        token = csrf_token(client, LIST)
        response = client.post(f"/notifications/deliveries/{dead.id}/retry", data={"csrf_token": token})
        assert response.status_code == 403
    with session_scope() as db:
        assert deliveries_crud.get_delivery(session=db, delivery_id=dead.id or 0).state == "dead"
