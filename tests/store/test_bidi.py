"""Bidirectional control characters are refused in one-line names, naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from parley.errors import ValidationFailed
from parley.text import BIDI_CONTROLS, bidi_problem
from store import crud
from store.crud import webhooks as webhooks_crud
from tests.store.factories import make_partner, make_registration, make_user, pk

RLO = "\u202e"  # right-to-left override: "Acme" + RLO + "oC" shows as "AcmeCo" reversed


def test_every_bidi_control_is_named_and_ordinary_text_passes() -> None:
    for char in BIDI_CONTROLS:
        assert f"U+{ord(char):04X}" in (bidi_problem(f"A{char}B") or "")
    for plain in ("Acme Corp", "Müller & Söhne GmbH", "شركة الأمل", "株式会社", "O'Brien-Smith"):
        assert bidi_problem(plain) is None


def _refused(field: str, make: Callable[[], Any]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        make()
    assert [p.path for p in refused.value.problems] == [field]
    assert "U+202E" in refused.value.problems[0].message


def test_names_with_bidi_controls_are_refused_by_field(session: Session) -> None:
    partner = make_partner(session)
    user = make_user(session, "ann", ["partner_ops"])
    _refused("name", lambda: make_partner(session, name=f"Acme{RLO}oC"))
    _refused(
        "name",
        lambda: crud.add_partner_contact(
            session=session, data={"partner_id": pk(partner), "name": f"Bo{RLO}b"}
        ),
    )
    _refused(
        "name",
        lambda: crud.create_account(
            session=session, data={"name": f"Globex{RLO}", "territory": "emea", "vertical": "retail"}
        ),
    )
    _refused("account_name", lambda: make_registration(session, partner, account_name=f"Initech{RLO}"))
    _refused("display_name", lambda: make_user(session, "bea", ["finance"], display_name=f"Bea{RLO}"))
    _refused("username", lambda: make_user(session, f"bea{RLO}", ["finance"], display_name="Bea"))
    _refused(
        "display_name", lambda: crud.update_user(session=session, user_id=pk(user), display_name=f"A{RLO}")
    )
    _refused(
        "description",
        lambda: webhooks_crud.create_subscription(
            session=session,
            data={
                "url": "https://h.example/x",
                "event_types": ["task.escalated"],
                "description": f"crm{RLO}",
            },
            partner_id=None,
            created_by="ann",
        ),
    )


def test_a_submission_is_refused_before_its_process_starts() -> None:
    from parley.clients.registration import submission_problems
    from workflows.registration.types import RegistrationSubmission

    submission = RegistrationSubmission(
        partner_id=1, request_key="crm-1", account_name=f"Acme{RLO}oC", territory="emea",
        vertical="retail", product_line="network", deal_value=1000, submitted_by="pat",
    )  # fmt: skip
    assert [(p.path, "U+202E" in p.message) for p in submission_problems(submission)] == [
        ("account_name", True)
    ]
