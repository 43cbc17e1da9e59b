"""The "first to register" hold, including 50 submissions racing for one account."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from parley.errors import ValidationFailed
from store import crud
from store.crud import ClaimResult
from store.engine import session_scope
from tests.store.factories import NOW, make_partner, pk

KEY, LINE = "domain:globex.com", "network"


def test_claim_is_exclusive_idempotent_and_releasable(session: Session) -> None:
    first, second = make_partner(session), make_partner(session)

    def claim(workflow_id: str, partner_id: int, offset: int) -> ClaimResult:
        return crud.claim_account(
            session=session,
            account_key=KEY,
            product_line=LINE,
            workflow_id=workflow_id,
            partner_id=partner_id,
            submitted_at=NOW + timedelta(seconds=offset),
        )

    assert claim("wf-a", pk(first), 0) == ClaimResult(True, "wf-a", pk(first), NOW)
    assert claim("wf-a", pk(first), 0).granted  # a retried activity keeps its hold
    lost = claim("wf-b", pk(second), 5)
    assert lost == ClaimResult(False, "wf-a", pk(first), NOW)
    assert claim("wf-b", pk(second), 5).granted is False
    # Another product line of the same account is a separate hold.
    assert crud.claim_account(
        session=session,
        account_key=KEY,
        product_line="storage",
        workflow_id="wf-b",
        partner_id=pk(second),
        submitted_at=NOW,
    ).granted
    session.commit()

    assert not crud.release_account(session=session, account_key=KEY, product_line=LINE, workflow_id="wf-b")
    assert crud.release_account(session=session, account_key=KEY, product_line=LINE, workflow_id="wf-a")
    assert crud.get_claim(session=session, account_key=KEY, product_line=LINE) is None
    assert claim("wf-b", pk(second), 5).granted


@pytest.mark.parametrize("field", ["account_key", "product_line", "workflow_id", "partner_id"])
def test_bad_claim_names_the_field(session: Session, field: str) -> None:
    partner = make_partner(session)
    arguments: dict[str, object] = {
        "account_key": KEY,
        "product_line": LINE,
        "workflow_id": "wf",
        "partner_id": pk(partner),
        "submitted_at": NOW,
    }
    arguments[field] = 999_999 if field == "partner_id" else " "
    with pytest.raises(ValidationFailed) as caught:
        crud.claim_account(session=session, **arguments)  # type: ignore[arg-type]
    assert caught.value.problems[0].path == field


def test_fifty_concurrent_claims_have_exactly_one_winner(engine: Engine) -> None:
    """Each claimant uses its own connection and transaction, all released at the same moment."""
    claimants = 50
    with session_scope(engine) as session:
        partner_ids = [pk(make_partner(session)) for _ in range(claimants)]
    start = threading.Barrier(claimants)

    def submit(index: int) -> ClaimResult:
        start.wait()
        with session_scope(engine) as session:
            return crud.claim_account(
                session=session,
                account_key=KEY,
                product_line=LINE,
                workflow_id=f"wf-{index}",
                partner_id=partner_ids[index],
                submitted_at=NOW + timedelta(milliseconds=index),
            )

    with ThreadPoolExecutor(max_workers=claimants) as pool:
        results = list(pool.map(submit, range(claimants)))

    winners = [result for result in results if result.granted]
    assert len(winners) == 1
    winner = winners[0]
    losers = [result for result in results if not result.granted]
    assert len(losers) == claimants - 1
    for loser in losers:
        assert loser.holder_workflow_id == winner.holder_workflow_id
        assert loser.holder_submitted_at == winner.holder_submitted_at
        assert loser.holder_partner_id == winner.holder_partner_id
    with Session(engine) as session:
        held = crud.get_claim(session=session, account_key=KEY, product_line=LINE)
        assert held is not None and held.workflow_id == winner.holder_workflow_id
