"""Demo disputes for ``parley up``: two accounts the rival partner registered first and the demo
partner was refused on, each contested. One waits at the first level of the escalation path, one
was sent up to the regional channel director by partner operations (with the shipped rulebook a
level has days to answer, so waiting for the escalation is not an option).

Real processes on the real worker: the registrations are refused by the rules, the disputes are
opened through the dispute client, both parties give their statements as their users.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from parley.clients.dispute import DisputeClient
from parley.clients.registration import RegistrationClient
from parley.settings import Settings
from store.demo import RIVAL
from store.engine import engine_for
from store.models import Account, DirectEngagement, Partner, User
from workflows.dispute.types import DisputeView
from workflows.human.updates import EscalateInput
from workflows.registration.types import RegistrationSubmission

PARTNER_USER, OPERATOR = "partner", "ops"
PRODUCT_LINE = "services"  # needs no certification: both partners may register it


@dataclass(frozen=True)
class DemoDispute:
    key: str
    escalate: bool
    statement: str
    answer: str


DISPUTES = (
    DemoDispute(
        "demo-d1",
        False,
        "We have run workshops with this customer since spring; our registration was refused only "
        "because another partner filed a day earlier.",
        "We registered first and have an open proposal with the customer.",
    ),
    DemoDispute(
        "demo-d2",
        True,
        "The customer asked for us by name; the other registration names a different division.",
        "Same customer, same project: our registration stands.",
    ),
)


def _parties(settings: Settings, skip: int) -> tuple[Partner, Partner, list[Account]] | None:
    """The demo partner, the rival's partner, and accounts direct sales is not engaged on."""
    with Session(engine_for(settings.resolved_database_url)) as session:
        users = {
            u.username: u
            for u in session.exec(select(User).where(col(User.username).in_([PARTNER_USER, RIVAL])))
        }
        if set(users) != {PARTNER_USER, RIVAL}:
            return None
        mine = session.get(Partner, users[PARTNER_USER].partner_id)
        rival = session.get(Partner, users[RIVAL].partner_id)
        if mine is None or rival is None or not mine.territories or not rival.territories:
            return None
        engaged = select(DirectEngagement.account_id)
        accounts = session.exec(
            select(Account)
            .where(col(Account.web_domain).is_not(None), col(Account.id).not_in(engaged))
            .order_by(col(Account.id))
            .offset(skip)
            .limit(len(DISPUTES))
        ).all()
        return mine, rival, list(accounts)


def _submission(partner: Partner, account: Account, key: str, submitted_by: str) -> RegistrationSubmission:
    assert partner.id is not None
    return RegistrationSubmission(
        partner_id=partner.id,
        request_key=key,
        account_name=account.name,
        account_domain=account.web_domain,
        territory=partner.territories[0],
        vertical=partner.verticals[0] if partner.verticals else account.vertical,
        product_line=PRODUCT_LINE,
        deal_value=90_000,
        submitted_by=submitted_by,
    )


async def start_demo_disputes(settings: Settings, skip_accounts: int) -> int:
    """Start the demo disputes (on accounts after the first ``skip_accounts``); how many."""
    found = _parties(settings, skip_accounts)
    if found is None:
        return 0
    mine, rival, accounts = found
    registrations = await RegistrationClient.connect(settings, rpc_timeout=15)
    disputes = await DisputeClient.connect(settings, rpc_timeout=15)
    started = 0
    for case, account in zip(DISPUTES, accounts, strict=False):
        held = await registrations.start(_submission(rival, account, case.key, RIVAL))
        refused = await registrations.start(_submission(mine, account, case.key, PARTNER_USER))
        if held.state != "approved" or refused.state != "rejected":
            continue  # the rules saw these accounts differently: nothing to contest
        view = await disputes.open(
            actor=PARTNER_USER, registration_id=refused.workflow_id, statement=case.statement
        )
        await disputes.statement(view.workflow_id, RIVAL, case.answer)
        await disputes.statement(view.workflow_id, PARTNER_USER, "Meeting notes attached to our CRM record.")
        view = await disputes.wait_until(view.workflow_id, lambda v: v.state == "in_review", timeout=15)
        if case.escalate:
            await _escalate(disputes, view)
        started += 1
    return started


async def _escalate(disputes: DisputeClient, view: DisputeView) -> None:
    task = next((t for t in view.open_tasks if t.kind == "dispute.level"), None)
    if task is not None:
        await disputes.escalate(
            view.workflow_id,
            EscalateInput(task.task_id, OPERATOR, "demo: the channel account manager is away"),
        )
