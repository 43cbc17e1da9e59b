"""The exit pages through the real exit workflow (dev server, worker process, the app under
Flask's test client): partner operations give notice from the partner's page and cancel it with
a reason, the exiting partner reads its own exit and no other, a for-cause exit waits for a
second person's approval in the inbox, and partner operations answer a transferee task. Every
refusal is shown naming its field and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from store.engine import session_scope
from store.models import Partner
from tests.web.conftest import csrf_token, post_form, signed_in
from tests.web.exit_page_fixtures import ExitPeople, pending_registration, seed_exit_people
from tests.web.exit_page_fixtures import exit_pages_live as exit_pages_live  # re-exported: a fixture
from tests.web.live import (
    DisputePeople,
    Live,
    LiveWorld,
    seed_dispute_people,
    seed_live_world,
    wait_for_open_task,
)

pytestmark = pytest.mark.temporal

People = tuple[LiveWorld, DisputePeople, ExitPeople]


@pytest.fixture
def people(exit_pages_live: Live) -> People:
    return seed_live_world(), seed_dispute_people(), seed_exit_people()


def exit_link(page: str) -> str:
    """The one exit page a page links to (or posts to)."""
    found = set(re.findall(r'"(/exits/exit-\d+-\d+-[0-9a-f]+)(?:/cancel|/transferee)?"', page))
    assert len(found) == 1, found
    return found.pop()


def partner_named(name: str) -> Partner:
    with session_scope() as db:
        return db.exec(select(Partner).where(Partner.name == name)).one()


def test_ops_give_notice_from_the_partner_page_and_cancel_it(people: People) -> None:
    world, others, _ = people
    registration = pending_registration(signed_in("pat"), "pat")
    partner_page = f"/partners/{world.partner_id}"
    start = f"/exits/start/{world.partner_id}"
    ops = signed_in("ops")
    page = ops.get(partner_page).get_data(as_text=True)
    assert "Start an exit" in page and "voluntary (10 minutes notice; access revoked at notice end)" in page

    # Refused naming the field; nothing is started.
    page = post_form(ops, start, partner_page, exit_type="voluntary", why=" ")
    assert "Why: say why the partnership ends: the audit and the partner read it." in page
    page = post_form(ops, start, partner_page, exit_type="amicable", why="Contract not renewed")
    assert "Exit type: must be one of voluntary, for_cause, program_change" in page
    assert "Start an exit" in page and 'data-testid="partner-exits"' not in page

    page = post_form(ops, start, partner_page, exit_type="voluntary", why="Contract not renewed")
    assert "Notice given: it ends" in page and 'data-testid="exit-state">notice' in page
    assert 'data-testid="notice-ends"' in page and 'data-testid="commission-ends"' in page
    row = page[page.index(f'data-testid="disposition-{registration["workflow_id"]}"') :]
    assert "return to direct" in row[:1500] and 'data-testid="disposition-state">planned' in row[:1500]
    assert "Exit notice given" in page and "by ops" in page  # the history, and who acted
    exit_page = exit_link(page)
    page = post_form(ops, start, partner_page, exit_type="voluntary", why="Again")
    assert f"Partner id: partner {world.partner_id} is exiting: an exit is already under way." in page
    page = ops.get(partner_page).get_data(as_text=True)
    assert "Start an exit" not in page and f'href="{exit_page}">voluntary exit' in page
    assert exit_page in ops.get("/exits/?state=notice").get_data(as_text=True)

    # The partner reads its own exit (no history, nobody at the vendor named); others cannot.
    pat = signed_in("pat")
    page = pat.get(exit_page).get_data(as_text=True)
    assert "Your exit" in page and "Contract not renewed" in page and "direct sales" in page
    assert 'data-testid="notice-ends"' in page and "History" not in page and "Started by" not in page
    assert f'href="{exit_page}" aria-current="page">Your exit' in page  # the partner's nav link
    assert exit_page in pat.get("/exits/").get_data(as_text=True)
    for stranger in (others.holder_user, others.stranger):
        assert signed_in(stranger).get(exit_page).status_code == 404
    token = csrf_token(pat, exit_page)
    assert pat.post(f"{exit_page}/cancel", data={"reason": "We stay", "csrf_token": token}).status_code == 403

    # Cancelling needs a reason; then the partner is active again.
    page = post_form(ops, f"{exit_page}/cancel", exit_page, reason="  ")
    assert "Reason: say why the exit is cancelled." in page and 'data-testid="exit-state">notice' in page
    page = post_form(ops, f"{exit_page}/cancel", exit_page, reason="Renewal signed after all")
    assert "The exit is cancelled" in page and 'data-testid="exit-state">cancelled' in page
    assert "Renewal signed after all" in page and "Cancel the exit" not in page
    assert partner_named("Northwind Systems").status == "active"
    assert "Start an exit" in ops.get(partner_page).get_data(as_text=True)


def test_a_for_cause_approval_and_a_transferee_task_in_the_inbox(people: People) -> None:
    world, others, more = people
    registration = pending_registration(signed_in("pat"), "pat")
    ops, vops = signed_in(more.ops), signed_in(more.vops)
    northwind_page = f"/partners/{world.partner_id}"
    page = post_form(
        ops,
        f"/exits/start/{world.partner_id}",
        northwind_page,
        exit_type="program_change",
        why="Program restructured",
    )
    assert "Notice given" in page
    program_change = exit_link(page)

    # For cause: whoever started it sees the task but may not decide it (four eyes).
    litware_page = f"/partners/{more.litware_id}"
    page = post_form(
        vops,
        f"/exits/start/{more.litware_id}",
        litware_page,
        exit_type="for_cause",
        why="Misrepresented certifications",
    )
    assert "The exit waits for the approval of vp channel." in page
    assert 'data-testid="exit-state">awaiting approval' in page
    for_cause = exit_link(page)
    approval = wait_for_open_task(for_cause.rsplit("/", 1)[1], "vp_channel")
    task_page = f"/inbox/tasks/{approval.id}"
    page = vops.get(task_page).get_data(as_text=True)
    assert "You started this exit, so you cannot approve or reject it" in page
    assert "Litware Inc" in page and "for cause" in page and "Misrepresented certifications" in page
    assert "The plan, if approved now" in page and 'value="approve"' in page and 'value="reject"' in page
    page = post_form(vops, f"{task_page}/decide", task_page, outcome="approve", comment="")
    assert "Refused: you submitted this exit; someone else must decide it (four-eyes)" in page
    vp = signed_in(world.approvers["vp_channel"])
    page = vp.get(task_page).get_data(as_text=True)
    assert "Four eyes: vops started this exit and cannot decide it." in page
    page = post_form(vp, f"{task_page}/decide", task_page, outcome="approve", comment="Checked the evidence")
    assert "Decision recorded." in page
    assert "approved by vp" in ops.get(for_cause).get_data(as_text=True)

    # Notice ends with nobody eligible having registered Northwind's account: ops choose.
    choice = wait_for_open_task(program_change.rsplit("/", 1)[1], "partner_ops", timeout=30)
    task_page = f"/inbox/tasks/{choice.id}"
    page = ops.get(task_page).get_data(as_text=True)
    assert registration["account_name"] in page and "core-platform" in page and "$300,000" in page
    assert "no other eligible partner registered the account: partner operations choose" in page
    assert f'<option value="{others.holder_partner_id}">Fabrikam Resellers (gold)</option>' in page
    assert "Tailspin Traders:" in page and "Litware" not in page  # not allowed; exiting
    tailspin = partner_named("Tailspin Traders")
    form = {"registration_id": registration["workflow_id"], "task_id": str(choice.id)}
    transferee = f"{program_change}/transferee"
    page = post_form(ops, transferee, task_page, **form, choice="partner", partner_id=str(tailspin.id))
    assert "Partner id: may not take this registration over:" in page and "Who takes it over" in page
    page = post_form(ops, transferee, task_page, **form, choice="partner", partner_id="")
    assert "Partner id: choose a partner, or return it to direct sales." in page
    page = post_form(ops, transferee, task_page, **form, choice="direct", comment="Nobody covers it")
    assert "The registration is returned to direct sales." in page
    row = page[page.index(f'data-testid="disposition-{registration["workflow_id"]}"') :][:1500]
    assert (
        'data-testid="registration-state">released' in row
        and 'data-testid="disposition-state">applied' in row
    )
    assert "direct sales" in row and "Nobody covers it" in page
    assert 'data-testid="task-outcome"' in ops.get(task_page).get_data(as_text=True)
