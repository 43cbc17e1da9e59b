"""``parley partner ...`` against the test database and the default rulebook."""

from __future__ import annotations

from click.testing import CliRunner

from parley.cli import cli
from store.crud import records as records_crud
from store.engine import session_scope
from tests.web.conftest import World


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["partner", *args])
    return result.exit_code, result.output


def test_create_update_show_and_list(world: World) -> None:
    code, out = run(
        "create", "Wingtip Resellers", "--tier", "silver", "--territory", "us-west", "--vertical", "retail",
        "--certification", "platform-sales", "--expires", "platform-sales=2027-06-30", "--as", "ops",
    )  # fmt: skip
    assert code == 0, out
    partner_id = int(out.split("#")[1].split()[0])
    code, out = run("update", str(partner_id), "--tier", "gold", "--as", "ops")
    assert code == 0, out
    assert "tier:           gold" in out
    code, out = run(
        "contact-add", str(partner_id), "Ann Lee", "--email", "ann@wingtip.example", "--as", "ops"
    )
    assert code == 0, out
    code, out = run("show", str(partner_id), "--as", "cam")
    assert (
        "platform-sales (until 2027-06-30)" in out and "contact:        Ann Lee, ann@wingtip.example" in out
    )
    code, out = run("list", "--as", "cam")
    assert "Wingtip Resellers" in out and "Northwind Systems" in out
    with session_scope() as db:
        events = records_crud.list_audit_events(session=db, process_id=f"partner-{partner_id}").items
    assert [(e.actor, e.action) for e in events] == [
        ("ops", "partner.created"),
        ("ops", "partner.updated"),
        ("ops", "partner.contact_added"),
    ]


def test_refusals_name_the_field_or_the_user(world: World) -> None:
    code, out = run("create", "Bad", "--tier", "diamond", "--territory", "mars", "--as", "ops")
    assert code == 1
    assert "tier:" in out and "territories[0]:" in out
    code, out = run("create", "Fine", "--tier", "gold", "--as", "cam")
    assert code == 1 and "--as: cam is not partner_ops or admin" in out
    code, out = run("list", "--as", "nobody")
    assert code == 1 and "no user 'nobody'" in out


def test_engagements_add_list_and_end(world: World) -> None:
    code, out = run(
        "engagement-add", "--account", "Globex", "--domain", "globex.com", "--territory", "us-east",
        "--vertical", "retail", "--owner", "dsales", "--since", "2026-03-01", "--as", "ops",
    )  # fmt: skip
    assert code == 0, out
    engagement_id = out.split("#")[1].split()[0]
    code, out = run("engagement-list", "--as", "ops")
    assert "dsales" in out and "open" in out and "1 engagement(s)" in out
    code, out = run("engagement-end", engagement_id, "--until", "2026-04-01", "--as", "ops")
    assert code == 0 and "2026-03-01 -> 2026-04-01" in out
    code, out = run("engagement-end", engagement_id, "--as", "ops")
    assert code == 1 and "until: the engagement ended already" in out
