"""``parley partner ...`` through the API on a real HTTP server, as the token's user, against the
test database and the default rulebook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.crud import records as records_crud
from store.engine import session_scope
from tests.web.cli_api import CliApi, cli_api
from tests.web.conftest import World


@pytest.fixture
def api(world: World) -> Iterator[CliApi]:
    with cli_api() as running:
        yield running


def test_create_update_show_and_list(api: CliApi) -> None:
    code, out = api.run(
        "ops",
        "partner",
        "create",
        "Wingtip Resellers",
        "--tier",
        "silver",
        "--territory",
        "us-west",
        "--vertical",
        "retail",
        "--certification",
        "platform-sales",
        "--expires",
        "platform-sales=2027-06-30",
    )
    assert code == 0, out
    partner_id = int(out.split("#")[1].split()[0])
    code, out = api.run("ops", "partner", "update", str(partner_id), "--tier", "gold")
    assert code == 0, out
    assert "tier:           gold" in out
    code, out = api.run(
        "ops", "partner", "contact-add", str(partner_id), "Ann Lee", "--email", "ann@wingtip.example"
    )
    assert code == 0, out
    code, out = api.run("cam", "partner", "show", str(partner_id))
    assert (
        "platform-sales (until 2027-06-30)" in out and "contact:        Ann Lee, ann@wingtip.example" in out
    )
    code, out = api.run("cam", "partner", "list")
    assert "Wingtip Resellers" in out and "Northwind Systems" in out
    with session_scope() as db:
        events = records_crud.list_audit_events(session=db, process_id=f"partner-{partner_id}").items
    assert [(e.actor, e.action) for e in events] == [
        ("ops", "partner.created"),
        ("ops", "partner.updated"),
        ("ops", "partner.contact_added"),
    ]


def test_refusals_name_the_field_or_the_user(api: CliApi) -> None:
    code, out = api.run("ops", "partner", "create", "Bad", "--tier", "diamond", "--territory", "mars")
    assert code == 1
    assert "tier:" in out and "territories[0]:" in out
    code, out = api.run("cam", "partner", "create", "Fine", "--tier", "gold")
    assert code == 1 and "partner_ops" in out
    code, out = api.run("cam", "partner", "list", "--as", "cam")
    assert code == 2 and "No such option '--as'" in out


def test_engagements_add_list_and_end(api: CliApi) -> None:
    code, out = api.run(
        "ops",
        "partner",
        "engagement-add",
        "--account",
        "Globex",
        "--domain",
        "globex.com",
        "--territory",
        "us-east",
        "--vertical",
        "retail",
        "--owner",
        "dsales",
        "--since",
        "2026-03-01",
    )
    assert code == 0, out
    engagement_id = out.split("#")[1].split()[0]
    code, out = api.run("ops", "partner", "engagement-list")
    assert "dsales" in out and "open" in out and "1 engagement(s)" in out
    code, out = api.run("ops", "partner", "engagement-end", engagement_id, "--until", "2026-04-01")
    assert code == 0 and "2026-03-01 -> 2026-04-01" in out
    code, out = api.run("ops", "partner", "engagement-end", engagement_id)
    assert code == 1 and "until: the engagement ended already" in out
