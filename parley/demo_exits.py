"""The demo exit for ``parley up``: one partner of the demo channel in its notice period, with the
plan for its open registrations (the approved ones honoured until they expire, the one still
waiting for an approver returned to direct sales when notice ends).

Partner operations (the demo ``ops`` user) register the partner's deals, as an integration
loading the partner's CRM would, then give it voluntary notice through the exit client, so the
registrations and the exit are real processes on the real worker. Under the shipped rulebook a
voluntary notice runs 90 days: the partner stays in notice. Started with the other demo
processes on the first start; its exit is on record afterwards (found by its reason), so it is
never started twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from parley.clients.exit import ExitClient
from parley.clients.registration import RegistrationClient
from parley.errors import ParleyError
from parley.settings import Settings
from store.demo import PARTNERS, RIVAL
from store.engine import engine_for
from store.models import Account, DirectEngagement, Exit, Partner, PartnerStatus, User
from workflows.registration.types import RegistrationSubmission

log = logging.getLogger(__name__)

PARTNER_USER, OPERATOR = "partner", "ops"
PRODUCT_LINE = "services"  # needs no certification: the partner may register it
WHY = "The partner did not renew its program agreement for next year."
# Partners whose registrations the rules approve at once (up to the automatic limit).
AUTO_APPROVED_TIERS = ("silver", "gold", "platinum")


@dataclass(frozen=True)
class DemoDeal:
    key: str
    value: float


DEALS = (
    DemoDeal("demo-x1", 90_000),  # approved by the rules: honoured until it expires
    DemoDeal("demo-x2", 180_000),  # approved by the rules: honoured until it expires
    DemoDeal("demo-x3", 700_000),  # waits for the channel account manager: returned to direct
)


def _plan(settings: Settings) -> tuple[Partner, list[Account]] | None:
    """The exiting partner and accounts for its deals (None: no demo data, or started already).

    The partner is the last of the seeded channel of a tier the rules approve at once, other than
    the demo partner users' own (chosen whatever its status now, so a restart after its exit
    picks the same one); its accounts are the last seeded ones, which the other demo processes
    leave alone, that direct sales is not engaged on."""
    with Session(engine_for(settings.resolved_database_url)) as session:
        if session.exec(select(Exit).where(Exit.why == WHY)).first() is not None:
            return None
        if session.exec(select(User).where(User.username == OPERATOR)).first() is None:
            return None
        users = session.exec(select(User).where(col(User.username).in_([PARTNER_USER, RIVAL])))
        taken = {u.partner_id for u in users}
        seeded = session.exec(select(Partner).order_by(col(Partner.id)).limit(PARTNERS)).all()
        partner = next(
            (
                p
                for p in reversed(seeded)
                if p.id not in taken and p.tier in AUTO_APPROVED_TIERS and p.territories
            ),
            None,
        )
        if partner is None or partner.status != PartnerStatus.ACTIVE:
            return None
        accounts = session.exec(
            select(Account)
            .where(
                col(Account.web_domain).is_not(None),
                col(Account.id).not_in(select(DirectEngagement.account_id)),
            )
            .order_by(col(Account.id).desc())
            .limit(len(DEALS))
        ).all()
        return partner, list(accounts)


def _submission(partner: Partner, account: Account, deal: DemoDeal) -> RegistrationSubmission:
    assert partner.id is not None
    return RegistrationSubmission(
        partner_id=partner.id,
        request_key=deal.key,
        account_name=account.name,
        account_domain=account.web_domain,
        territory=partner.territories[0],
        vertical=partner.verticals[0] if partner.verticals else account.vertical,
        product_line=PRODUCT_LINE,
        deal_value=deal.value,
        submitted_by=OPERATOR,
    )


async def start_demo_exit(settings: Settings) -> int:
    """Register the demo partner's deals and give it notice; how many exits were started."""
    found = _plan(settings)
    if found is None:
        return 0
    partner, accounts = found
    assert partner.id is not None
    registrations = await RegistrationClient.connect(settings, rpc_timeout=15)
    exits = await ExitClient.connect(settings, rpc_timeout=15)
    try:
        for deal, account in zip(DEALS, accounts, strict=False):
            await registrations.start(_submission(partner, account, deal))
        await exits.start(actor=OPERATOR, partner_id=partner.id, exit_type="voluntary", why=WHY)
    except ParleyError as exc:  # the other demo processes stand without it
        log.warning("demo exit not started: %s", exc)
        return 0
    return 1
