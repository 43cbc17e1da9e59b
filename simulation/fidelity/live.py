"""The live side: the channel's partners and accounts in a fresh database, its leads submitted
through the public API, and bot approvers answering their tasks through the API with the
scenario's own choices and handling times (on the scaled clock).

Facts go in through the store's writers (partners, users and tokens, accounts, direct-sales
engagements); everything the rules decide comes out of the real workers, read back from the
records they keep (``observe``).
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from parley.errors import ParleyError
from parley.http import ParleyClient
from rules import PartnerStatus, Rulebook
from simulation.approvers import answers_in_time
from simulation.calendar import WorkCalendar
from simulation.channel import Channel
from simulation.fidelity.background import wait_until_done
from simulation.fidelity.discount_live import DiscountPlans, discount_lead_of
from simulation.fidelity.dispute_live import DisputePlans
from simulation.fidelity.inputs import Clock
from simulation.model import _certifications
from simulation.scenario import Scenario
from store import crud
from store.engine import engine_for
from store.models import Registration, Task, utcnow
from workflows.discount.types import APPROVAL_TASK
from workflows.dispute.types import LEVEL_TASK

POLL = 0.1  # seconds between a bot's looks at its inbox (36 simulated minutes at the default scale)


@dataclass
class People:
    """Who acts in the live run: each channel partner's id and token, each approver role's token."""

    partner_ids: list[int]
    partner_tokens: list[str]
    approver_tokens: dict[str, str]
    direct_token: str = ""  # direct sales' user: answers for direct sales in disputes


def request_key(tag: str, lead: int) -> str:
    return f"L{lead:07d}-{tag}"


def lead_of(workflow_id: str) -> int:
    """The lead row of a registration's workflow id (``registration-<partner>-L<row>-<tag>``)."""
    return int(workflow_id.split("-L", 1)[1].split("-", 1)[0])


def load_people(url: str, channel: Channel, rulebook: Rulebook, roles: list[str], tag: str) -> People:
    """The channel's partners (and a user with a token for each) and one approver per role."""
    people = People([], [], {})
    with Session(engine_for(url), expire_on_commit=False) as session:
        for p in channel.partners:
            partner = crud.create_partner(
                session=session,
                data={
                    "name": f"{p.name} {p.key}",
                    "tier": p.tier,
                    "territories": list(p.territories),
                    "verticals": list(p.verticals),
                    "certifications": list(_certifications(rulebook, p.certifications)),
                    "status": PartnerStatus.ACTIVE if p.active else PartnerStatus.SUSPENDED,
                },
            )
            assert partner.id is not None
            people.partner_ids.append(partner.id)
            seller = f"seller-{tag}-{p.key.lower()}"
            people.partner_tokens.append(_user(session, seller, ["partner"], partner.id))
        for role in roles:
            people.approver_tokens[role] = _user(session, f"bot-{tag}-{role}", [role], None)
        people.direct_token = _user(session, f"direct-{tag}", ["direct_sales"], None)
        session.commit()
    return people


def _user(session: Session, username: str, roles: list[str], partner_id: int | None) -> str:
    user = crud.create_user(
        session=session,
        data={
            "username": username,
            "display_name": username,
            "password": secrets.token_urlsafe(16),
            "roles": roles,
            "partner_id": partner_id,
        },
    )
    assert user.id is not None
    _, token = crud.create_api_token(session=session, user_id=user.id, label="fidelity harness")
    return token


def load_direct_sales(url: str, channel: Channel, clock: Clock) -> int:
    """Direct sales' engagements on the accounts the scenario has it engage, dated on the live
    clock; returns how many."""
    count = 0
    with Session(engine_for(url), expire_on_commit=False) as session:
        for account in channel.accounts:
            if not math.isfinite(account.direct_from):
                continue
            row = crud.create_account(
                session=session,
                data={"name": account.stem, "web_domain": account.domain, "territory": account.territory,
                      "vertical": account.vertical},
            )  # fmt: skip
            since = clock.live(account.direct_from)
            crud.add_direct_engagement(
                session=session, data={"account_id": row.id, "owner": "direct-sales", "since": since}
            )
            count += 1
        session.commit()
    return count


def submit(base_url: str, channel: Channel, people: People, clock: Clock, leads: int, tag: str) -> None:
    """Register the first ``leads`` leads in order, each at its arrival on the live clock (or as
    soon as the one before was taken, when the run falls behind)."""
    clients = [ParleyClient(base_url, token) for token in people.partner_tokens]
    try:
        for i, request in enumerate(channel.requests[:leads]):
            _sleep_until(clock.live(channel.arrival[i]))
            clients[channel.partner[i]].register(
                request_key=request_key(tag, i),
                account_name=request.account_name,
                account_domain=request.account_domain or None,
                territory=request.territory,
                vertical=request.vertical,
                product_line=request.product_line,
                deal_value=request.deal_value,
            )
    finally:
        for client in clients:
            client.close()


def _sleep_until(moment: datetime) -> None:
    wait = (moment - utcnow()).total_seconds()
    if wait > 0:
        time.sleep(wait)


@dataclass
class Bot:
    """One approver role's bot: answers each task of its role (registrations, discount
    exceptions when ``discounts`` is given, the levels of disputes when ``disputes`` is) when
    the scenario's approver would have finished it
    (handling time on the role's working calendar, from the lead's own draw for that task), with
    the lead's own choice. A task it would not finish ``margin`` live seconds before its SLA
    runs out is left to lapse (``simulation.approvers.answers_in_time``), so that no answer races
    the workflow's timer; an answer the workflow refuses all the same (it arrived after the
    deadline) is kept in ``late``: the live run then did not play the scenario's approvers."""

    role: str
    token: str
    scenario: Scenario
    channel: Channel
    clock: Clock
    slas: list[float]  # simulated seconds, per approval level
    margin: float  # live seconds
    discounts: DiscountPlans | None = None  # the discount tasks' paths and dice
    disputes: DisputePlans | None = None  # the disputes' leads, sides and hearings
    hearing_of: dict[int, str] = field(default_factory=dict)  # a dispute level's task -> dispute
    senders: list[threading.Thread] = field(default_factory=list)  # dispute decisions under way
    base_url: str = ""
    planned: dict[int, tuple[datetime, str] | None] = field(default_factory=dict)  # task -> when, what
    # Task -> the live moment the scenario's approver finished it, for each answer sent: the engine
    # takes it a little later (docs/fidelity.md, KPIs: the engine's delivery time).
    finished: dict[int, datetime] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # inbox listings the API did not serve
    late: list[str] = field(default_factory=list)  # answers sent in time, refused as too late

    def plan(self, lead: int, level: int, due: datetime) -> tuple[datetime, str] | None:
        """When and how to answer lead ``lead``'s registration task at ``level``, due at ``due``
        (the workflow's own deadline, so the task opened ``slas[level]`` before it)."""
        return self.plan_task(due, self.slas[level], lead, level)

    def plan_task(self, due: datetime, sla: float, lead: int, slot: int) -> tuple[datetime, str] | None:
        """When and how to answer a task due at ``due`` that opened ``sla`` simulated seconds
        before, with lead ``lead``'s handling time and choice of ``slot``."""
        done = self._finish(due, sla, float(self.channel.handling_z[lead, slot]))
        if done is None:
            return None
        role = self.scenario.approvers[self.role]
        choice = "approve" if float(self.channel.approve_u[lead, slot]) < role.approve_rate else "reject"
        return done, choice

    def plan_hearing(self, process: str, level: int, due: datetime) -> tuple[datetime, str] | None:
        """When and how to answer dispute ``process``'s task at ``level``, as the sandbox's level
        would (``simulation.disputes``): it decides at all with the lead's draw against the
        level's decide rate, works the case with the lead's handling time for the level, and picks
        the resolution the sandbox's weights give the lead's uniform."""
        assert self.disputes is not None
        found = self.disputes.task(process, level)
        if found is None:
            return None
        lead, slot, sla = found
        if not self.disputes.decides(lead, level, slot):
            return None
        done = self._finish(due, sla, float(self.channel.hearing_z[lead, slot]))
        if done is None:
            return None
        return done, self.disputes.choice(process, level)

    def _finish(self, due: datetime, sla: float, z: float) -> datetime | None:
        """When the role's approver finishes a task due at ``due`` that opened ``sla`` simulated
        seconds before, with handling-time normal ``z``; None when not in time by the margin."""
        role = self.scenario.approvers[self.role]
        calendar = WorkCalendar.for_role(role, self.scenario.start)
        deadline = self.clock.simulated(due)
        done = calendar.finish(deadline - sla, role.handling.median * math.exp(role.handling.sigma * z))
        if not answers_in_time(done, deadline, self.margin * self.clock.scale):
            return None
        return self.clock.live(done)

    def run(self, base_url: str, stop: threading.Event) -> None:
        self.base_url = base_url
        with ParleyClient(base_url, self.token) as client:
            while not stop.is_set():
                try:
                    self._round(client)
                except ParleyError as error:  # an answer refused or a listing not served: go on
                    self.refused.append(str(error))
                stop.wait(self._pause())

    def _pause(self) -> float:
        """Until the next look at the inbox, or sooner the next answer due (a poll's lag would
        be up to 36 simulated minutes late on every answer)."""
        due = [plan[0] for plan in self.planned.values() if plan is not None]
        if not due:
            return POLL
        return min(POLL, max(0.0, (min(due) - utcnow()).total_seconds()))

    def _round(self, client: ParleyClient) -> None:
        self._answer(client)  # first: the answers due are what the pause woke for
        for task in client.tasks(per_page=200).items:
            if task.id in self.planned or not task.due_at:
                continue
            if task.process_type == "registration":
                self.planned[task.id] = self.plan(
                    lead_of(task.process_id), task.escalation_level, task.due_at
                )
            elif task.kind == APPROVAL_TASK and self.discounts is not None:
                lead = discount_lead_of(task.process_id)
                slot, sla = self.discounts.task(task.process_id, lead, task.escalation_level, self.role)
                self.planned[task.id] = self.plan_task(task.due_at, sla, lead, slot)
            elif task.kind == LEVEL_TASK and self.disputes is not None:
                self.hearing_of[task.id] = task.process_id
                self.planned[task.id] = self.plan_hearing(task.process_id, task.escalation_level, task.due_at)
        self._answer(client)

    def _answer(self, client: ParleyClient) -> None:
        now = utcnow()
        for task_id, plan in list(self.planned.items()):
            if plan is not None and plan[0] <= now:
                self.planned[task_id] = None
                self.finished[task_id] = plan[0]
                if task_id in self.hearing_of and self.disputes is not None:
                    # A dispute's decision returns once the registrations have taken its outcome
                    # (hundreds of live milliseconds): sent aside, so the role's other answers
                    # are not held up past their deadlines.
                    self.disputes.answered(self.hearing_of[task_id])
                    sender = threading.Thread(target=self._decide_aside, args=(task_id, plan[1]), daemon=True)
                    sender.start()
                    self.senders.append(sender)
                    continue
                try:
                    client.decide(task_id, plan[1], "fidelity bot")
                except ParleyError as error:  # it reached the workflow after the task's deadline
                    self.late.append(f"task {task_id}: {error}")

    def _decide_aside(self, task_id: int, choice: str) -> None:
        assert self.base_url
        with ParleyClient(self.base_url, self.token) as client:
            try:
                client.decide(task_id, choice, "fidelity bot")
            except ParleyError as error:
                self.late.append(f"task {task_id}: {error}")


def run_bots(bots: list[Bot], base_url: str) -> Callable[[], None]:
    """Start every bot in a thread of its own; returns the function that stops them."""
    stop = threading.Event()
    threads = [threading.Thread(target=b.run, args=(base_url, stop), daemon=True) for b in bots]
    for thread in threads:
        thread.start()

    def halt() -> None:
        stop.set()
        for thread in [*threads, *(s for b in bots for s in b.senders)]:
            thread.join(timeout=30)

    return halt


def wait_until_settled(url: str, leads: int, deadline: datetime) -> int:
    """Wait until every lead is approved or rejected (or ``deadline``); how many are not."""

    def unsettled() -> int:
        with Session(engine_for(url)) as session:
            settled = session.exec(
                # A holder a dispute released was settled before.
                select(Registration.id).where(
                    col(Registration.state).in_(("approved", "rejected", "released"))
                )
            ).all()
        return leads - len(settled)

    return wait_until_done(unsettled, deadline)


@dataclass
class Record:
    """A registration's row and its approval tasks (by level) as the live run left them."""

    row: Registration
    tasks: list[Task]


def records(url: str) -> dict[int, Record]:
    """Every registration on file, by lead row, with its registration tasks by level."""
    with Session(engine_for(url), expire_on_commit=False) as session:
        rows = session.exec(select(Registration)).all()
        tasks = session.exec(select(Task).where(Task.process_type == "registration")).all()
    by_process: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=lambda t: (t.escalation_level, t.id or 0)):
        by_process.setdefault(task.process_id, []).append(task)
    return {lead_of(r.workflow_id): Record(r, by_process.get(r.workflow_id, [])) for r in rows}


def live_zero(after: timedelta) -> datetime:
    return utcnow() + after
