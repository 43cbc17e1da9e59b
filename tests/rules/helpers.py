"""Builders for rulebook tests: a partner, a request and an existing registration in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rules import (
    ExistingRegistration,
    PartnerFacts,
    PartnerStatus,
    RegistrationRequest,
    RegistrationStanding,
    Rulebook,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "rulebooks" / "default.yaml"
FAST = ROOT / "rulebooks" / "testing" / "fast.yaml"
DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 3, 2, 14, 0, 0, tzinfo=UTC)


def partner(partner_id: str = "p-acme", **changes: object) -> PartnerFacts:
    base: dict[str, object] = {
        "partner_id": partner_id,
        "status": PartnerStatus.ACTIVE,
        "tier": "gold",
        "territories": ("us-west", "us-east"),
        "verticals": ("financial-services", "healthcare", "retail"),
        "certifications": ("platform-sales", "analytics-specialist"),
    }
    base.update(changes)
    return PartnerFacts(**base)  # type: ignore[arg-type]


def request(
    key: str = "req-1",
    partner_id: str = "p-acme",
    account: str = "Globex Corporation",
    domain: str = "globex.com",
    *,
    at: datetime = T0,
    **changes: object,
) -> RegistrationRequest:
    base: dict[str, object] = {
        "request_key": key,
        "partner_id": partner_id,
        "account_name": account,
        "account_domain": domain,
        "territory": "us-west",
        "vertical": "retail",
        "product_line": "core-platform",
        "deal_value": 80_000.0,
        "submitted_at": at,
    }
    base.update(changes)
    return RegistrationRequest(**base)  # type: ignore[arg-type]


def existing(
    reg_id: str,
    partner_id: str,
    account: str = "Globex Corporation",
    domain: str = "globex.com",
    *,
    state: RegistrationStanding = RegistrationStanding.APPROVED,
    at: datetime = T0 - timedelta(days=10),
    expires: datetime | None = T0 + timedelta(days=80),
    product_line: str = "core-platform",
    request_key: str | None = None,
) -> ExistingRegistration:
    return ExistingRegistration(
        registration_id=reg_id,
        partner_id=partner_id,
        account_name=account,
        account_domain=domain,
        product_line=product_line,
        state=state,
        submitted_at=at,
        expires_at=expires,
        request_key=request_key,
    )


def changed(rulebook: Rulebook, **paths: object) -> Rulebook:
    """A validated copy of ``rulebook`` with dotted paths replaced: ``changed(rb, **{"a.b": 1})``."""
    data = rulebook.model_dump(mode="json")
    for path, value in paths.items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[leaf] = value
    return Rulebook.model_validate(data)
