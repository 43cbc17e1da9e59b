"""Demo data for ``parley up`` and ``parley db seed-demo``: a believable channel to click through.

Deterministic (fixed seeds), idempotent (an already-seeded database is left alone; missing demo
users are added), and limited to reference data: partners, accounts, direct engagements and one
user per approver role plus a partner user. Later processes add in-flight work on top.

The demo passwords are public (``demo-<username>``): they are for a local demo database only.
Never run this against a database real people use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from faker import Faker
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import crud
from store.engine import session_scope
from store.keys import normalised_name
from store.models import Partner, PartnerStatus, Role

SEED = 2026
PARTNERS = 40
ACCOUNTS = 200
# The codes of the shipped rulebook (rulebooks/default.yaml), so demo requests can succeed.
TERRITORIES = ("us-west", "us-east", "us-central", "canada", "latam")
VERTICALS = ("financial-services", "healthcare", "public-sector", "retail", "manufacturing")
TIERS = ("registered", "silver", "gold", "platinum")
TIER_WEIGHTS = (4, 6, 4, 2)
CERTIFICATIONS = ("platform-sales", "analytics-specialist", "security-specialist")
PRODUCT_LINES = ("core-platform", "analytics", "security", "services")
_PARTNER_SUFFIXES = ("Technologies", "Systems", "Consulting", "Networks", "IT Group", "Solutions")
_TLDS = ("com", "com", "com", "io", "net", "co")
# When the demo's direct engagements started (fixed, so reseeding gives the same rows).
_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str

    def __str__(self) -> str:
        return f"{self.username} / {self.password} / {self.role}"


DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("cam", "Casey Morgan", Role.CHANNEL_ACCOUNT_MANAGER),
    ("director", "Riley Chen", Role.REGIONAL_CHANNEL_DIRECTOR),
    ("vpchannel", "Valerie Park", Role.VP_CHANNEL),
    ("dealdesk", "Dev Desai", Role.DEAL_DESK),
    ("finance", "Frances Olsen", Role.FINANCE),
    ("ops", "Omar Sato", Role.PARTNER_OPS),
    ("direct", "Drew Salas", Role.DIRECT_SALES),
    ("partner", "Pat Quinn", Role.PARTNER),
    # A user of another partner: the demo disputes are between the two.
    ("rival", "Robin Vance", Role.PARTNER),
)
RIVAL = "rival"
# The rival's partner holds accounts the demo partner then contests, so it must be one whose
# registrations the rules approve at once (active, silver or better).
_AUTO_APPROVED_TIERS = ("silver", "gold", "platinum")


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(name, f"demo-{name}", role.value) for name, _, role in DEMO_USERS]


def _domain_for(name: str, tld: str) -> str:
    words = [w for w in normalised_name(name).split() if w != "and"]
    return f"{''.join(words[:2])}.{tld}"


def _seed_partners(session: Session, fake: Faker, rng: random.Random) -> list[int]:
    ids: list[int] = []
    names: set[str] = set()
    while len(ids) < PARTNERS:
        name = f"{fake.last_name()} {rng.choice(_PARTNER_SUFFIXES)}"
        if name in names:
            continue
        names.add(name)
        tier = rng.choices(TIERS, weights=TIER_WEIGHTS)[0]
        certifications = [c for c in CERTIFICATIONS if rng.random() < 0.55] or ["platform-sales"]
        status = PartnerStatus.ACTIVE
        if len(ids) in (7, 23):
            status = PartnerStatus.SUSPENDED
        # No partner is seeded exiting: that status comes from an exit process (the demo
        # processes give one partner notice, parley/demo_exits.py), never from a bare row.
        partner = crud.create_partner(
            session=session,
            data={
                "name": name,
                "tier": tier,
                "status": status,
                "territories": rng.sample(TERRITORIES, rng.randint(1, 3)),
                "verticals": rng.sample(VERTICALS, rng.randint(1, 3)),
                "certifications": certifications,
            },
        )
        crud.add_partner_contact(
            session=session,
            data={
                "partner_id": partner.id,
                "name": fake.name(),
                "email": f"alliances@{_domain_for(name, 'com')}",
                "title": "Alliance manager",
            },
        )
        assert partner.id is not None
        ids.append(partner.id)
    return ids


def _seed_accounts(session: Session, fake: Faker, rng: random.Random) -> list[int]:
    ids: list[int] = []
    domains: set[str] = set()
    while len(ids) < ACCOUNTS:
        name = fake.company()
        domain = _domain_for(name, rng.choice(_TLDS))
        if domain in domains:
            continue
        domains.add(domain)
        account = crud.create_account(
            session=session,
            data={
                "name": name,
                # A few end customers are known by name only, as in real CRM data.
                "web_domain": None if rng.random() < 0.08 else f"www.{domain}",
                "territory": rng.choice(TERRITORIES),
                "vertical": rng.choice(VERTICALS),
            },
        )
        assert account.id is not None
        ids.append(account.id)
    return ids


def _seed_engagements(session: Session, fake: Faker, rng: random.Random, accounts: list[int]) -> None:
    for index, account_id in enumerate(rng.sample(accounts, 6)):
        crud.add_direct_engagement(
            session=session,
            data={
                "account_id": account_id,
                # Half cover one product line, half the whole account.
                "product_line": rng.choice(PRODUCT_LINES) if index % 2 else None,
                "owner": fake.name(),
                "since": _EPOCH + timedelta(days=7 * index),
            },
        )


def _ensure_users(session: Session, partner_id: int | None, rival_id: int | None) -> None:
    for (username, display_name, role), login in zip(DEMO_USERS, demo_logins(), strict=True):
        if crud.get_user_by_username(session=session, username=username) is not None:
            continue
        own = rival_id if username == RIVAL else partner_id
        if role == Role.PARTNER and own is None:
            continue
        crud.create_user(
            session=session,
            data={
                "username": username,
                "display_name": display_name,
                "email": f"{username}@demo.parley.invalid",
                "password": login.password,
                "roles": [role],
                "partner_id": own if role == Role.PARTNER else None,
            },
        )


def ensure_demo_data(engine: Engine | None = None) -> list[DemoLogin]:
    """Seed the demo channel if the database has no partners yet; always return the logins."""
    with session_scope(engine) as session:
        partner_count = session.exec(select(func.count()).select_from(Partner)).one()
        if partner_count == 0:
            fake = Faker("en_US")
            fake.seed_instance(SEED)
            rng = random.Random(SEED)
            _seed_partners(session, fake, rng)
            accounts = _seed_accounts(session, fake, rng)
            _seed_engagements(session, fake, rng, accounts)
        first_active = session.exec(
            select(Partner.id).where(Partner.status == PartnerStatus.ACTIVE).order_by(col(Partner.id))
        ).first()
        rival = session.exec(
            select(Partner.id)
            .where(
                Partner.status == PartnerStatus.ACTIVE,
                col(Partner.tier).in_(_AUTO_APPROVED_TIERS),
                Partner.id != first_active,
            )
            .order_by(col(Partner.id))
        ).first()
        _ensure_users(session, first_active, rival)
    return demo_logins()
