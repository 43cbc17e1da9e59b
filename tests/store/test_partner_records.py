"""The partner records service: rulebook validation by field, one transaction, audit of each change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from parley.clients.partners import PartnerRecords
from parley.errors import NotFound, ValidationFailed
from rules.loader import load_rulebook
from store import crud
from store.engine import session_scope
from store.models import AuditEvent, Partner
from store.rules_view import partner_facts
from tests.store.factories import NOW

RULEBOOK = load_rulebook("rulebooks/default.yaml")

GOOD: dict[str, Any] = {
    "name": "Northwind",
    "tier": "gold",
    "territories": ["us-west"],
    "verticals": ["retail"],
    "certifications": ["platform-sales", "security-specialist"],
}


@pytest.fixture
def records(engine: Engine) -> PartnerRecords:
    return PartnerRecords("ops", engine=engine, rulebook=RULEBOOK)


def _audit(engine: Engine, process_id: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.process_id == process_id)).all())


def _paths(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [problem.path for problem in exc.value.problems]


def test_create_is_audited_with_its_fields(records: PartnerRecords, engine: Engine) -> None:
    partner = records.create_partner({**GOOD, "certification_expiry": {"platform-sales": "2027-01-31"}})
    assert partner.certification_expiry == {"platform-sales": "2027-01-31"}
    (event,) = _audit(engine, f"partner-{partner.id}")
    assert (event.actor, event.action, event.process_type) == ("ops", "partner.created", "partner")
    assert event.detail["tier"] == "gold"
    assert event.rulebook_version == RULEBOOK.version


def test_every_problem_names_its_field_and_nothing_is_written(
    records: PartnerRecords, engine: Engine
) -> None:
    bad = {
        **GOOD,
        "tier": "diamond",
        "status": "asleep",
        "territories": ["us-west", "mars"],
        "verticals": ["toys"],
        "certifications": ["platform-sales", "juggling"],
        "certification_expiry": {"platform-sales": "soon"},
    }
    with pytest.raises(ValidationFailed) as exc:
        records.create_partner(bad)
    assert _paths(exc) == [
        "tier",
        "status",
        "territories[1]",
        "verticals[0]",
        "certifications[1]",
        "certification_expiry.platform-sales",
    ]
    with pytest.raises(ValidationFailed) as exc:
        records.create_partner({**GOOD, "certification_expiry": {"analytics-specialist": "2027-01-01"}})
    assert _paths(exc) == ["certification_expiry.analytics-specialist"]
    with pytest.raises(ValidationFailed) as exc:
        records.create_partner({"tier": "gold"})
    assert _paths(exc) == ["name"]
    with session_scope(engine) as session:
        assert session.exec(select(Partner)).all() == []
        assert session.exec(select(AuditEvent)).all() == []


def test_update_audits_before_and_after_of_what_changed(records: PartnerRecords, engine: Engine) -> None:
    partner = records.create_partner(GOOD)
    assert partner.id is not None
    updated = records.update_partner(
        partner.id, {"tier": "silver", "territories": ["us-west"], "status": "suspended"}
    )
    assert (updated.tier, updated.status) == ("silver", "suspended")
    events = _audit(engine, f"partner-{partner.id}")
    assert [e.action for e in events] == ["partner.created", "partner.updated"]
    assert events[1].detail == {
        "tier": {"before": "gold", "after": "silver"},
        "status": {"before": "active", "after": "suspended"},
    }
    with pytest.raises(ValidationFailed) as exc:
        records.update_partner(partner.id, {"tier": "silver", "territories": ["atlantis"], "colour": "red"})
    assert _paths(exc) == ["colour", "territories[0]"]
    with pytest.raises(NotFound):
        records.update_partner(999_999, {"tier": "gold"})
    assert records.get_partner(partner.id).territories == ["us-west"]
    assert len(_audit(engine, f"partner-{partner.id}")) == 2


def test_contacts_and_engagements(records: PartnerRecords, engine: Engine) -> None:
    partner = records.create_partner(GOOD)
    assert partner.id is not None
    records.add_contact(partner.id, {"name": "Ann", "email": "ann@northwind.example"})
    with pytest.raises(ValidationFailed) as exc:
        records.add_contact(partner.id, {"name": "Bob", "email": "bob"})
    assert _paths(exc) == ["email"]
    assert [c.name for c in records.list_contacts(partner.id)] == ["Ann"]

    with pytest.raises(ValidationFailed) as exc:
        records.add_engagement(
            {"owner": "dsr", "since": NOW, "product_line": "toasters", "territory": "mars"}
        )
    assert _paths(exc) == ["product_line", "account_name", "vertical", "territory"]
    engagement = records.add_engagement(
        {
            "account_name": "Globex",
            "account_domain": "globex.com",
            "territory": "us-east",
            "vertical": "retail",
            "owner": "dsr",
            "since": NOW,
        }
    )
    assert engagement.id is not None
    with pytest.raises(ValidationFailed) as exc:
        records.end_engagement(engagement.id, NOW - timedelta(days=1))
    assert _paths(exc) == ["until"]
    ended = records.end_engagement(engagement.id, NOW + timedelta(days=3))
    assert ended.until == NOW + timedelta(days=3)
    with pytest.raises(ValidationFailed, match="ended already"):
        records.end_engagement(engagement.id, NOW + timedelta(days=4))
    assert [e.action for e in _audit(engine, f"engagement-{engagement.id}")] == [
        "engagement.added",
        "engagement.ended",
    ]
    assert [e.id for e in records.list_engagements()] == [engagement.id]


def test_an_expired_certification_no_longer_counts(records: PartnerRecords, engine: Engine) -> None:
    partner = records.create_partner({**GOOD, "certification_expiry": {"platform-sales": "2026-03-02"}})
    assert partner.id is not None
    with session_scope(engine) as session:
        row = crud.get_partner(session=session, partner_id=partner.id)
        assert partner_facts(row, NOW).certifications == ("platform-sales", "security-specialist")
        later = partner_facts(row, NOW + timedelta(days=1))
        assert later.certifications == ("security-specialist",)
    # Dropping a certification drops its expiry date with it.
    updated = records.update_partner(partner.id, {"certifications": ["security-specialist"]})
    assert updated.certification_expiry is None


def test_only_an_exit_sets_or_lifts_an_exiting_status(records: PartnerRecords, engine: Engine) -> None:
    partner = records.create_partner(GOOD)
    assert partner.id is not None
    for status in ("exiting", "exited"):
        with pytest.raises(ValidationFailed, match="only a partner exit") as exc:
            records.update_partner(partner.id, {"status": status})
        assert _paths(exc) == ["status"]
    with session_scope(engine) as session:  # as an exit's notice leaves it
        crud.update_partner(session=session, partner_id=partner.id, status="exiting")
    with pytest.raises(ValidationFailed, match="the partner is exiting") as exc:
        records.update_partner(partner.id, {"status": "active"})
    assert _paths(exc) == ["status"]
    assert records.update_partner(partner.id, {"tier": "silver"}).status == "exiting"
