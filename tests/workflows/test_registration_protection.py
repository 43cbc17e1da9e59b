"""After approval: reminder and expiry, extensions granted and refused, close won/lost,
withdrawal, and registering the account again once it is released."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from parley.clients import ExtendInput, RegistrationClient
from parley.errors import DecisionRefused
from store.engine import engine_for
from store.models import AccountClaim
from tests.workflows.harness import (
    Stack,
    World,
    audit_of,
    notifications_of,
    registration_row,
    seed_world,
    tasks_of,
)


def claim_holder(url: str, workflow_id: str) -> str | None:
    row = registration_row(url, workflow_id)
    with Session(engine_for(url)) as session:
        claim = session.exec(
            select(AccountClaim).where(
                AccountClaim.account_key == row.account_key, AccountClaim.product_line == row.product_line
            )
        ).first()
        return claim.workflow_id if claim else None


async def _expiry_then_register_again(client: RegistrationClient, stack: Stack, world: World) -> None:
    url = stack.database_url
    first = await client.start(world.submission())
    assert first.state == "approved" and claim_holder(url, first.workflow_id) == first.workflow_id
    rival = seed_world(url)
    same_account = rival.submission(
        account_name=world.submission().account_name, account_domain=world.submission().account_domain
    )
    blocked = await client.start(same_account)
    assert blocked.state == "rejected" and "conflict.first_to_register" in blocked.reason_codes

    expired = await client.wait_until(first.workflow_id, lambda v: v.finished, timeout=15)
    assert expired.state == "expired" and expired.reminded
    assert [h.action for h in expired.history] == [
        "registration.approved",
        "protection.reminder",
        "registration.expired",
    ]
    events = [n.event_type for n in notifications_of(url, first.workflow_id)]
    assert events == ["registration.decided", "registration.protection_lapsing", "registration.expired"]
    assert claim_holder(url, first.workflow_id) is None
    assert registration_row(url, first.workflow_id).state == "expired"

    again = await client.start(
        rival.submission(account_name=same_account.account_name, account_domain=same_account.account_domain)
    )
    assert again.state == "approved"
    assert "conflict.prior_expired" in again.reason_codes


async def _extensions(client: RegistrationClient, world: World) -> None:
    wid = (
        await client.start(world.submission(account_name="Extend Corp", account_domain="extend.example"))
    ).workflow_id
    early = await client.extend(wid, ExtendInput(world.partner_user, "need time"))
    assert not early.extensions[-1].granted
    assert [r.code for r in early.extensions[-1].reasons] == ["extension.too_early"]
    with pytest.raises(DecisionRefused):
        await client.extend(wid, ExtendInput(world.approvers["vp_channel"]))  # not the partner's side

    before = (await client.get(wid)).expires_at
    assert before is not None
    # The request window is the last 4 s of 6; ask as soon as it opens, 2 s before the first reminder.
    await asyncio.sleep(max(0.0, (before - timedelta(seconds=3.8) - datetime.now(UTC)).total_seconds()))
    granted = await client.extend(wid, ExtendInput(world.partner_user, "legal review"))
    assert granted.extensions[-1].granted and granted.extensions_used == 1
    assert before is not None and granted.expires_at is not None
    assert (granted.expires_at - before).total_seconds() == pytest.approx(3)
    again = await client.extend(wid, ExtendInput(world.partner_user))
    assert [r.code for r in again.extensions[-1].reasons] == ["extension.limit_reached"]
    assert again.expires_at == granted.expires_at

    done = await client.wait_until(wid, lambda v: v.finished, timeout=15)
    assert done.state == "expired" and done.expires_at == granted.expires_at
    # An extension granted before the first reminder was due (2 s before the old expiry) moves the
    # reminder with the expiry; one granted after it (a loaded machine) follows a first reminder.
    granted_at = next(h.at for h in done.history if h.action == "extension.granted")
    reminded_first = granted_at >= before - timedelta(seconds=2)
    assert [h.action for h in done.history] == [
        "registration.approved",
        "extension.refused",
        *(["protection.reminder"] if reminded_first else []),
        "extension.granted",
        "extension.refused",
        "protection.reminder",
        "registration.expired",
    ]
    assert done.history[-2].at >= done.expires_at - timedelta(seconds=2)


async def _close_and_withdraw(client: RegistrationClient, stack: Stack, world: World) -> None:
    url = stack.database_url
    won, lost = await asyncio.gather(
        client.start(world.submission(account_name="Won Inc", account_domain="won.example")),
        client.start(world.submission(account_name="Lost Inc", account_domain="lost.example")),
    )
    with pytest.raises(DecisionRefused):
        await client.close(won.workflow_id, world.approvers["vp_channel"], "won")
    closed_won = await client.close(won.workflow_id, world.partner_user, "won", "signed")
    closed_lost = await client.close(lost.workflow_id, world.partner_user, "lost")
    assert (closed_won.state, closed_lost.state) == ("won", "lost")
    assert claim_holder(url, won.workflow_id) == won.workflow_id  # a won account stays held
    assert claim_holder(url, lost.workflow_id) is None
    with pytest.raises(DecisionRefused):
        await client.withdraw(won.workflow_id, world.partner_user)

    pending = await client.start(
        world.submission(deal_value=300_000, account_name="Pending Ltd", account_domain="pending.example")
    )
    withdrawn = await client.withdraw(pending.workflow_id, world.partner_user, "customer went quiet")
    assert withdrawn.state == "withdrawn" and withdrawn.open_task is None
    assert [(t.outcome, t.closed_by) for t in tasks_of(url, pending.workflow_id)] == [
        ("cancelled", world.partner_user)
    ]
    assert claim_holder(url, pending.workflow_id) is None
    assert audit_of(url, pending.workflow_id)[-1].after_state == "withdrawn"


async def test_protection_lifecycle(sqlite_stack: Stack, world: World) -> None:
    client = await sqlite_stack.client()
    other, third = seed_world(sqlite_stack.database_url), seed_world(sqlite_stack.database_url)
    await asyncio.gather(
        _expiry_then_register_again(client, sqlite_stack, world),
        _extensions(client, other),
        _close_and_withdraw(client, sqlite_stack, third),
    )
