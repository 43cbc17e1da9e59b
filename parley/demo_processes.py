"""In-flight demo processes for ``parley up``: registrations, discount requests, disputes, a
partner's exit and rulebook roll-outs, some decided, some waiting for approvers.

Started once, on the first ``parley up`` of a database: the workflow ids are deterministic
(partner + ``demo-N``, registration + ``demo-qN``), so the next start finds them and does
nothing. Runs against the real worker, so every demo process is a real workflow with its tasks,
audit and timers. With the shipped rulebook SLAs are hours long, so the "escalated" ones are sent
up by partner operations (the manual escalate action) rather than by waiting.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from parley.clients.discount import DiscountClient
from parley.clients.registration import RegistrationClient
from parley.demo_disputes import start_demo_disputes
from parley.demo_exits import start_demo_exit
from parley.demo_rollouts import start_demo_rollouts
from parley.errors import ParleyError
from parley.settings import Settings
from store.engine import engine_for
from store.models import Account, Partner, PartnerStatus, Registration, User
from workflows.discount.types import DiscountSubmission, DiscountTerms, DiscountView
from workflows.human.updates import DecisionInput, EscalateInput
from workflows.human.vocabulary import DecisionOutcome
from workflows.registration.types import RegistrationSubmission, registration_workflow_id

log = logging.getLogger(__name__)

PARTNER_USER, APPROVER, OPERATOR = "partner", "cam", "ops"
DEAL_DESK, FINANCE = "dealdesk", "finance"
FIRST_KEY = "demo-1"
COMPETITOR = "Globex Systems"
JUSTIFICATION = "meet-competitor: Globex quoted 30% below list"


@dataclass(frozen=True)
class DemoDiscount:
    key: str
    discount: float
    value: float
    approved_by: tuple[str, ...] = ()  # demo approvers who approve their part
    rejected_by: str = ""


DISCOUNTS = (
    DemoDiscount("demo-q1", 0.05, 80_000),  # within the automatic band: quotable at once
    DemoDiscount("demo-q2", 0.25, 600_000),  # waiting for deal desk and finance, in parallel
    DemoDiscount("demo-q3", 0.15, 120_000),  # waiting for deal desk
    DemoDiscount("demo-q4", 0.40, 250_000, approved_by=(DEAL_DESK, FINANCE)),  # at the VP channel
    DemoDiscount("demo-q5", 0.25, 90_000, rejected_by=DEAL_DESK),  # rejected by deal desk
)


@dataclass(frozen=True)
class DemoCase:
    key: str
    value: float
    escalations: int = 0
    question: str = ""


CASES = (
    DemoCase("demo-1", 80_000),  # approved by the rules (if the partner's tier allows)
    DemoCase("demo-2", 420_000),  # waiting for the channel account manager
    DemoCase("demo-3", 650_000),  # waiting for the channel account manager
    DemoCase("demo-4", 900_000, escalations=1),  # at the regional channel director
    DemoCase("demo-5", 1_500_000, escalations=2),  # at the VP channel
    DemoCase("demo-6", 300_000, question="Who signs on the customer side, and when?"),
    DemoCase("demo-7", 2_000),  # below the registrable minimum: rejected by the rules
)


def _plan(settings: Settings) -> tuple[Partner, list[Account]] | None:
    """The demo partner user's partner and accounts in one of its territories (None: no demo data)."""
    with Session(engine_for(settings.resolved_database_url)) as session:
        user = session.exec(select(User).where(User.username == PARTNER_USER)).first()
        if user is None or user.partner_id is None:
            return None
        partner = session.get(Partner, user.partner_id)
        if partner is None or partner.status != PartnerStatus.ACTIVE or not partner.territories:
            return None
        if session.exec(
            select(Registration).where(
                Registration.workflow_id == registration_workflow_id(user.partner_id, FIRST_KEY)
            )
        ).first():
            return None  # started on an earlier run
        accounts = session.exec(
            select(Account)
            .where(col(Account.web_domain).is_not(None))
            .order_by(col(Account.id))
            .limit(len(CASES))
        ).all()
        return partner, list(accounts)


async def _start(client: RegistrationClient, partner: Partner, accounts: list[Account]) -> int:
    assert partner.id is not None
    started = 0
    approved: str | None = None
    for case, account in zip(CASES, accounts, strict=False):
        view = await client.start(
            RegistrationSubmission(
                partner_id=partner.id,
                request_key=case.key,
                account_name=account.name,
                account_domain=account.web_domain,
                territory=partner.territories[0],
                vertical=partner.verticals[0] if partner.verticals else account.vertical,
                product_line="services",  # needs no certification, so the partner is eligible
                deal_value=case.value,
                submitted_by=PARTNER_USER,
            )
        )
        started += 1
        for _ in range(case.escalations):
            if view.open_task is None:
                break
            view = await client.escalate(
                view.workflow_id, EscalateInput(view.open_task.task_id, OPERATOR, "demo: approver away")
            )
        if case.question and view.open_task is not None:
            await client.decide(
                view.workflow_id,
                DecisionInput(view.open_task.task_id, APPROVER, DecisionOutcome.REQUEST_INFO, case.question),
            )
        if view.state == "approved" and approved is None:
            approved = view.workflow_id
    if approved is None:  # the demo partner's tier sends even small deals to people: approve one
        view = await client.get(registration_workflow_id(partner.id, "demo-2"))
        if view.open_task is not None:
            task = view.open_task.task_id
            view = await client.decide(
                view.workflow_id, DecisionInput(task, APPROVER, DecisionOutcome.APPROVE)
            )
            approved = view.workflow_id if view.state == "approved" else None
    if approved is not None:
        started += await _discounts(client.settings, partner.id, approved)
    started += await start_demo_disputes(client.settings, skip_accounts=len(CASES))
    started += await start_demo_exit(client.settings)
    return started + await start_demo_rollouts(client.settings)


async def _discounts(settings: Settings, partner_id: int, registration_id: str) -> int:
    """Discount requests on one approved registration, in every state an approver meets."""
    client = await DiscountClient.connect(settings, rpc_timeout=15)
    for case in DISCOUNTS:
        view = await client.request(
            DiscountSubmission(
                partner_id=partner_id,
                registration_id=registration_id,
                request_key=case.key,
                terms=DiscountTerms(case.discount, case.value, COMPETITOR, JUSTIFICATION),
                submitted_by=PARTNER_USER,
            )
        )
        for approver in case.approved_by:
            view = await _decide(client, view, approver, DecisionOutcome.APPROVE, "")
        if case.rejected_by:
            await _decide(client, view, case.rejected_by, DecisionOutcome.REJECT, "below our margin floor")
    return len(DISCOUNTS)


async def _decide(
    client: DiscountClient, view: DiscountView, approver: str, outcome: DecisionOutcome, comment: str
) -> DiscountView:
    role = {DEAL_DESK: "deal_desk", FINANCE: "finance"}[approver]
    task = next(t for t in view.open_tasks if t.role == role)
    return await client.decide(view.workflow_id, DecisionInput(task.task_id, approver, outcome, comment))


def start_demo_processes(settings: Settings) -> int:
    """Start the demo processes unless they exist already; how many were started."""
    plan = _plan(settings)
    if plan is None:
        return 0

    async def run() -> int:
        client = await RegistrationClient.connect(settings, rpc_timeout=15)
        return await _start(client, *plan)

    try:
        return asyncio.run(run())
    except ParleyError as exc:  # the demo is a convenience: Parley runs without it
        log.warning("demo processes not started: %s", exc)
        return 0
