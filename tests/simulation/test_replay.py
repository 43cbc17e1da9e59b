"""``parley replay``: recorded registrations decided again under a proposal, on a real database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session

from parley.cli import cli
from rules import parse_rulebook
from simulation.replay import replay
from store import crud
from tests.simulation.conftest import DEFAULT_RULEBOOK
from tests.store.factories import make_partner, make_registration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def record(session: Session, text: str) -> str:
    rulebook = parse_rulebook(text)
    document = rulebook.model_dump(mode="json")
    crud.record_rulebook_version(session=session, data={
        "version": rulebook.version, "effective_from": rulebook.effective_from,
        "source": "test", "document": document,
        "sha256": hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest(),
    })  # fmt: skip
    return rulebook.version


def seed(session: Session) -> None:
    """Two partners, three registrations under the default rulebook (one held by another)."""
    version = record(session, DEFAULT_RULEBOOK.read_text())
    common = {"territories": ["us-west"], "verticals": ["retail"],
              "certifications": ["platform-sales"]}  # fmt: skip
    gold = make_partner(session, tier="gold", **common)
    silver = make_partner(session, tier="silver", **common)
    base = {"territory": "us-west", "vertical": "retail", "product_line": "core-platform",
            "rulebook_version": version}  # fmt: skip
    first = make_registration(session, gold, account_name="Initech LLC",
                              account_domain="initech.com", deal_value=300_000,
                              submitted_at=T0, **base)  # fmt: skip
    crud.update_registration(session=session, workflow_id=first.workflow_id, state="approved",
                             decided_at=T0 + timedelta(hours=5),
                             expires_at=T0 + timedelta(days=90))  # fmt: skip
    make_registration(session, silver, account_name="INITECH", account_domain="www.initech.com",
                      deal_value=20_000, submitted_at=T0 + timedelta(days=1), **base)  # fmt: skip
    make_registration(session, silver, account_name="Hooli Inc.", account_domain="hooli.com",
                      deal_value=120_000, submitted_at=T0 + timedelta(days=2), **base)  # fmt: skip
    session.commit()


def test_replay_reports_only_decisions_the_proposal_changes(
    session: Session, variant: Callable[..., str], default_rulebook_text: str
) -> None:
    seed(session)
    same = replay(session, parse_rulebook(default_rulebook_text))
    assert same.examined == 3 and same.differences == []

    limit = (("registration", "auto_approve", "max_deal_value"), 100_000)
    stricter = parse_rulebook(variant("stricter", limit))
    report = replay(session, stricter)
    assert report.examined == 3
    [changed] = report.differences
    assert changed.account_name == "Hooli Inc."
    assert (changed.before, changed.after) == ("auto_approved", "needs_approval")
    assert "approval.required" in changed.after_codes
    assert any("auto-approve limit" in text for text in changed.after_reasons)
    # The second registration stays refused: the first partner held Initech at the time.
    assert replay(session, stricter, since=T0 + timedelta(hours=12)).examined == 2


def test_replay_command(
    session: Session, parley_database: str, tmp_path: Path, variant: Callable[..., str]
) -> None:
    seed(session)
    proposed = tmp_path / "stricter.yaml"
    proposed.write_text(variant("stricter", (("registration", "auto_approve", "max_deal_value"), 100_000)))
    result = CliRunner().invoke(cli, ["replay", "--proposed", str(proposed), "--since", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert "3 registrations decided again under stricter: 1 would be decided differently" in result.output
    assert "auto_approved -> needs_approval" in result.output
    assert "Hooli Inc." in result.output
