"""Discount exceptions on the live side: each partner asks for the scenario's exception through
``POST /api/v1/discounts`` when the sandbox's partner would (its registration's approval plus
the quote's delay, on the live clock); the bots' approval path and dice for each discount task;
``discount_readback`` reads the requests back as the workers left them.

Which leads ask, how deep and with what justification are the channel's draws, read as
``simulation.deals`` reads them; the path every bot works from is ``rules.decide_discount``'s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from parley.clients.discount import _REFUSAL_FIELDS
from parley.errors import ParleyError
from parley.http import ParleyClient
from parley.http.errors import ValidationFailed
from rules import DiscountRequest, Rulebook, decide_discount
from rules.approval import ApprovalPath
from simulation.channel import DISCOUNT_SLOT, MAX_LEVELS, Channel
from simulation.deals import justification, quote_delay
from simulation.fidelity.background import wait_until_done
from simulation.fidelity.inputs import Clock
from simulation.scenario import Scenario
from store.engine import engine_for
from store.models import DiscountException, Registration, utcnow

# The field a refused request's 422 names, and the rules' reason it stands for.
REFUSAL_CODE = {str(f): str(code) for code, f in _REFUSAL_FIELDS.items()}
LIVE_STATES = ("requested", "pending_approval", "info_requested")


def discount_key(tag: str, lead: int) -> str:
    return f"D{lead:07d}-{tag}"


def discount_lead_of(workflow_id: str) -> int:
    """The lead row of a discount's workflow id (``discount-<registration id>-D<row>-<tag>``)."""
    return int(workflow_id.rsplit("-D", 1)[1].split("-", 1)[0])


def _registration_lead(workflow_id: str) -> int:
    """The lead row of a registration's workflow id (``registration-<partner>-L<row>-<tag>``)."""
    return int(workflow_id.split("-L", 1)[1].split("-", 1)[0])


def asking(channel: Channel, leads: int) -> list[int]:
    """The first ``leads`` leads whose partner asks for an exception once the deal is approved."""
    return [i for i in range(leads) if channel.discount[i] > 0]


@dataclass
class Asked:
    """What became of one lead's request: the workflow's id and when the request was taken, or
    the fields of the API's refusal."""

    workflow_id: str = ""
    at: datetime | None = None
    refused: tuple[str, ...] = ()


@dataclass
class Requester:
    """The partners' side: every asking lead's request, sent when its moment comes."""

    url: str
    base_url: str
    scenario: Scenario
    channel: Channel
    clock: Clock
    tokens: list[str]  # per channel partner
    leads: list[int]  # the leads that ask
    tag: str
    asked: dict[int, Asked] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        due: dict[int, tuple[datetime, str]] = {}  # lead -> when, its registration's workflow id
        clients: dict[int, ParleyClient] = {}
        waiting = set(self.leads)
        try:
            while not stop.is_set():
                for lead, moment, registration in self._approved(waiting):
                    due[lead] = moment, registration
                    waiting.discard(lead)
                now = utcnow()
                for lead in sorted((k for k, (m, _) in due.items() if m <= now), key=lambda k: due[k][0]):
                    partner = self.channel.partner[lead]
                    client = clients.setdefault(partner, ParleyClient(self.base_url, self.tokens[partner]))
                    self._ask(client, lead, due.pop(lead)[1])
                stop.wait(0.05)
        finally:
            for client in clients.values():
                client.close()

    def _approved(self, waiting: set[int]) -> list[tuple[int, datetime, str]]:
        """The waiting leads whose registration is approved: when each asks, and its id."""
        if not waiting:
            return []
        with Session(engine_for(self.url)) as session:
            rows = session.exec(
                select(Registration).where(
                    Registration.state == "approved", col(Registration.decided_at).is_not(None)
                )
            ).all()
        found = []
        for row in rows:
            lead = _registration_lead(row.workflow_id)
            if lead in waiting and row.decided_at is not None:
                delay = timedelta(seconds=quote_delay(self.scenario, self.channel, lead) / self.clock.scale)
                found.append((lead, row.decided_at + delay, row.workflow_id))
        return found

    def _ask(self, client: ParleyClient, lead: int, registration: str) -> None:
        try:
            view = client.request_discount(
                registration_id=registration,
                request_key=discount_key(self.tag, lead),
                requested_discount=self.channel.discount[lead],
                deal_value=self.channel.value[lead],
                justification=justification(self.scenario, self.channel, lead) or None,
            )
        except ValidationFailed as refusal:
            self.asked[lead] = Asked(refused=tuple(sorted(p.path for p in refusal.problems)))
            return
        except ParleyError as error:
            self.errors.append(f"lead {lead}: {error}")
            return
        self.asked[lead] = Asked(view.workflow_id, view.submitted_at or utcnow())

    def pending(self) -> int:
        """Asking leads with an approved registration not yet asked."""
        with Session(engine_for(self.url)) as session:
            approved = session.exec(
                select(Registration.workflow_id).where(Registration.state == "approved")
            ).all()
        leads = {_registration_lead(w) for w in approved}
        return len((leads & set(self.leads)) - set(self.asked))


def open_requests(url: str) -> int:
    with Session(engine_for(url)) as session:
        return len(
            session.exec(
                select(DiscountException.id).where(col(DiscountException.state).in_(LIVE_STATES))
            ).all()
        )


def wait_until_decided(url: str, requester: Requester, deadline: datetime) -> int:
    """Wait until every request due is sent and decided (or ``deadline``); how many are not."""
    return wait_until_done(lambda: requester.pending() + open_requests(url), deadline)


@dataclass
class DiscountPlans:
    """What the bots need to answer a discount task as the sandbox's approver would: the step's
    SLA and the slot of the lead's dice the sandbox gives the task (``DISCOUNT_SLOT`` onwards,
    one per task in the order the walk opens them: a step's roles in order, step after step)."""

    rulebook: Rulebook
    scenario: Scenario
    channel: Channel
    opened: dict[str, set[int]] = field(default_factory=dict)  # process -> steps seen with a task
    lock: threading.Lock = field(default_factory=threading.Lock)
    paths: dict[int, ApprovalPath] = field(default_factory=dict)

    def path(self, lead: int) -> ApprovalPath:
        if lead not in self.paths:
            ch = self.channel
            decision = decide_discount(
                self.rulebook,
                DiscountRequest(
                    partner_tier=ch.partners[ch.partner[lead]].tier,
                    deal_value=ch.value[lead],
                    requested_discount=ch.discount[lead],
                    justification=justification(self.scenario, ch, lead),
                ),
                ch.start,
            )
            assert decision.path is not None, f"lead {lead}'s discount needs nobody"
            self.paths[lead] = decision.path
        return self.paths[lead]

    def first_sla(self, lead: int) -> float:
        """The response time (simulated seconds) of the first step of lead ``lead``'s request."""
        return self.path(lead).steps[0].sla_seconds

    def task(self, process: str, lead: int, step: int, role: str) -> tuple[int, float]:
        """The slot and SLA (simulated seconds) of ``role``'s task at ``step`` of ``process``.
        The steps walked before it are the ones any bot has seen a task at: every step's tasks
        stay open until its bot answers or the SLA passes, so each is seen before the next opens."""
        path = self.path(lead)
        with self.lock:
            seen = self.opened.setdefault(process, set())
            seen.add(step)
            before = sum(len(path.steps[s].roles) for s in seen if s < step)
        slot = DISCOUNT_SLOT + before + path.steps[step].roles.index(role)
        return min(slot, MAX_LEVELS - 1), path.steps[step].sla_seconds
