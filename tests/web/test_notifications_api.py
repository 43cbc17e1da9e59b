"""``/api/v1/notifications`` on rows written through the data layer: each user reads what is
addressed to them (a partner's user never another partner's), newest first, with an unread
count; marking read names ``notification_ids`` when refused and then marks nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.conftest import World, api_token, js
from tests.web.test_notification_pages import notify, seed


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(username)}"}


def test_a_partner_user_lists_its_own_and_the_program_wide_news(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    body = js(client.get("/api/v1/notifications", headers=bearer("pat_partner")))
    assert [item["id"] for item in body["items"]] == [ids["program"], ids["own"]]
    assert (body["total"], body["unread_count"]) == (2, 2)
    own = body["items"][1]
    assert own["type"] == "registration.decided" and own["subject"] == "Acme Health approved"
    assert own["read"] is False and own["event_id"].startswith("test/")
    assert own["process"]["id"] == world.workflows["acme"]
    assert own["process"]["url"].endswith(f"/registrations/{world.workflows['acme']}")
    assert own["process"]["url"].startswith("http")  # absolute: the payload's shape, for integrations

    other = js(client.get("/api/v1/notifications", headers=bearer("olga_other")))
    assert [item["id"] for item in other["items"]] == [ids["other"], ids["program"]]
    staff = js(client.get("/api/v1/notifications", headers=bearer("cam")))
    assert [item["id"] for item in staff["items"]] == [ids["staff"]]


def test_marking_read_and_the_unread_filter(client: FlaskClient, world: World) -> None:
    ids = seed(world)
    headers = bearer("pat_partner")
    response = client.post(
        "/api/v1/notifications/read", json={"notification_ids": [ids["own"]]}, headers=headers
    )
    assert response.status_code == 200 and js(response) == {"marked": 1, "unread_count": 1}
    again = client.post(
        "/api/v1/notifications/read", json={"notification_ids": [ids["own"]]}, headers=headers
    )
    assert js(again) == {"marked": 0, "unread_count": 1}
    unread = js(client.get("/api/v1/notifications?unread=true", headers=headers))
    assert [item["id"] for item in unread["items"]] == [ids["program"]] and unread["unread_count"] == 1
    listed = js(client.get("/api/v1/notifications", headers=headers))
    assert [(item["id"], item["read"]) for item in listed["items"]] == [
        (ids["program"], False),
        (ids["own"], True),
    ]
    response = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert js(response) == {"marked": 1, "unread_count": 0}
    # The program-wide news read by one partner's user is still unread for the other's.
    assert js(client.get("/api/v1/notifications", headers=bearer("olga_other")))["unread_count"] == 2


def test_another_users_notification_is_refused_by_name_and_nothing_is_marked(
    client: FlaskClient, world: World
) -> None:
    ids = seed(world)
    headers = bearer("pat_partner")
    for foreign in (ids["other"], ids["staff"], 999999):
        response = client.post(
            "/api/v1/notifications/read", json={"notification_ids": [ids["own"], foreign]}, headers=headers
        )
        assert response.status_code == 404
        assert js(response)["error"]["problems"] == [
            {"field": "notification_ids", "message": f"no notification {foreign} among yours"}
        ]
    assert js(client.get("/api/v1/notifications", headers=headers))["unread_count"] == 2
    assert js(client.get("/api/v1/notifications", headers=bearer("olga_other")))["unread_count"] == 2


def test_bad_bodies_and_queries_name_the_field(client: FlaskClient, world: World) -> None:
    headers = bearer("pat_partner")
    cases = [
        ({}, "notification_ids"),
        ({"notification_ids": [1], "all": True}, "notification_ids"),
        ({"all": False}, "all"),
        ({"all": 1}, "all"),
        ({"notification_ids": []}, "notification_ids"),
        ({"notification_ids": ["5"]}, "notification_ids.0"),
        ({"notification_ids": [0]}, "notification_ids.0"),
        ({"everything": True}, "everything"),
        ({"all": True, "notification_ids": None}, "notification_ids"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/notifications/read", json=body, headers=headers)
        assert response.status_code == 422, body
        assert js(response)["error"]["problems"][0]["field"] == field, body
    response = client.post("/api/v1/notifications/read", data="all", headers=headers)
    assert response.status_code == 415
    for query, field in [("unread=perhaps", "unread"), ("per_page=0", "per_page"), ("page=0", "page")]:
        response = client.get(f"/api/v1/notifications?{query}", headers=headers)
        assert response.status_code == 400 and js(response)["error"]["problems"][0]["field"] == field


def test_pages_and_the_token(client: FlaskClient, world: World) -> None:
    for number in range(3):
        notify(f"Task {number}", user="cam", event_type="task.assigned")
    headers = bearer("cam")
    body = js(client.get("/api/v1/notifications?per_page=2&page=2", headers=headers))
    assert [item["subject"] for item in body["items"]] == ["Task 0"]
    assert (body["total"], body["page"], body["per_page"], body["unread_count"]) == (3, 2, 2, 3)
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401
