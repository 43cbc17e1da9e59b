"""Disputes on the live side: a partner whose registration a conflict decision refused contests it
through ``POST /api/v1/disputes`` when the sandbox's partner would (the lead's own draw against the
scenario's share, and ``rules.dispute.contest_refusal``, the rule the sandbox and the API ask);
both parties give their statements through the API when the sandbox's would; and what the bots
for the hearing levels need to answer a level's task as the sandbox's people would.

``dispute_readback`` reads the disputes back as the workers left them.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from parley.errors import ParleyError
from parley.http import ParleyClient
from rules import Rulebook
from rules.dispute import Contest, Side, contest_refusal
from rules.escalation import dispute_path
from simulation.channel import DISPUTE_SLOTS, Channel
from simulation.disputes import ResolutionPicker, hearing_uniform
from simulation.fidelity.background import wait_until_done
from simulation.fidelity.inputs import Clock
from simulation.scenario import Scenario
from store.engine import engine_for
from store.models import Dispute, DisputeState, Registration, utcnow

STATEMENT = "Statement of the fidelity harness's partner bot."


def contesting(scenario: Scenario, channel: Channel, leads: int) -> list[int]:
    """The first ``leads`` leads whose partner disputes a contestable refusal (its own draw)."""
    share = scenario.disputes.share
    return [i for i in range(leads) if channel.dispute_u[i] < share]


def _registration_lead(workflow_id: str) -> int:
    return int(workflow_id.split("-L", 1)[1].split("-", 1)[0])


@dataclass
class DisputePlans:
    """What the bots of the hearing levels need: which lead each dispute is, its sides, how many
    times a level has heard it, and the sandbox's own choice of resolution
    (``simulation.disputes.ResolutionPicker``)."""

    rulebook: Rulebook
    scenario: Scenario
    channel: Channel
    leads: dict[str, int] = field(default_factory=dict)  # dispute workflow -> lead
    contests: dict[str, Contest] = field(default_factory=dict)
    hearings: dict[str, int] = field(default_factory=dict)  # answers sent so far
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.path = dispute_path(self.rulebook)
        self.picker = ResolutionPicker(self.scenario.disputes)

    def record(self, workflow_id: str, lead: int, contest: Contest) -> None:
        with self.lock:
            self.leads[workflow_id] = lead
            self.contests[workflow_id] = contest

    def task(self, process: str, level: int) -> tuple[int, int, float] | None:
        """Lead, dice slot and response time (simulated seconds) of ``process``'s task at ``level``."""
        with self.lock:
            lead = self.leads.get(process)
        if lead is None:
            return None
        steps = self.path.steps
        return lead, min(level, DISPUTE_SLOTS - 1), steps[min(level, len(steps) - 1)].sla_seconds

    def decides(self, lead: int, level: int, slot: int) -> bool:
        """Whether the level decides rather than letting its response time pass (the lead's draw)."""
        return self.scenario.disputes.decides(level, float(self.channel.hearing_u[lead, slot]))

    def choice(self, process: str, level: int) -> str:
        """The resolution the level picks: the lead's uniform, turned per hearing as the sandbox
        turns it, through the sandbox's own weights."""
        with self.lock:
            lead, contest, hearings = (
                self.leads[process],
                self.contests[process],
                self.hearings.get(process, 0),
            )
        u = hearing_uniform(self.channel.resolution_u[lead], hearings)
        return self.picker.chosen(level, contest, u).value

    def answered(self, process: str) -> None:
        with self.lock:
            self.hearings[process] = self.hearings.get(process, 0) + 1


@dataclass
class Filed:
    """What became of one lead's contest: the dispute's id, or the API's refusal."""

    workflow_id: str = ""
    refused: str = ""


@dataclass
class Filer:
    """The partners' side of disputes: each contesting lead's dispute, filed once its registration
    is refused on a conflict, and both parties' statements when they come."""

    url: str
    base_url: str
    rulebook: Rulebook
    scenario: Scenario
    channel: Channel
    clock: Clock
    tokens: dict[int, str]  # partner id -> token
    partner_ids: list[int]  # per channel partner
    direct_token: str
    leads: list[int]  # the leads that would contest
    margin: float  # live seconds before the parties' deadline within which nobody writes
    plans: DisputePlans
    filed: dict[int, Filed] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    examined: set[int] = field(default_factory=set)
    statements: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # when, token, id, who

    def run(self, stop: threading.Event) -> None:
        clients: dict[str, ParleyClient] = {}
        try:
            while not stop.is_set():
                for row in self._refused():
                    self.examined.add(_registration_lead(row.workflow_id))
                    self._file(self._client(clients, self.tokens[row.partner_id]), row)
                now = utcnow()
                due = sorted(s for s in self.statements if s[0] <= now)
                for s in due:
                    self.statements.remove(s)
                    try:
                        self._client(clients, s[1]).dispute_statement(s[2], STATEMENT)
                    except ParleyError as error:
                        self.errors.append(f"{s[3]} statement on {s[2]}: {error}")
                stop.wait(0.1)
        finally:
            for client in clients.values():
                client.close()

    def _client(self, clients: dict[str, ParleyClient], token: str) -> ParleyClient:
        return clients.setdefault(token, ParleyClient(self.base_url, token))

    def _refused(self) -> list[Registration]:
        waiting = set(self.leads) - self.examined
        if not waiting:
            return []
        with Session(engine_for(self.url)) as session:
            rows = session.exec(
                select(Registration).where(
                    Registration.state == "rejected", col(Registration.decided_at).is_not(None)
                )
            ).all()
        return [r for r in rows if _registration_lead(r.workflow_id) in waiting]

    def _file(self, client: ParleyClient, row: Registration) -> None:
        """Contest ``row``'s refusal when the rules let its partner (the codes the live client
        reads: the row's and the registration's reasons), at the moment of the refusal."""
        lead = _registration_lead(row.workflow_id)
        codes = list(row.last_reason_codes)
        # Unreadable when its process has ended (a closed appeal): the API says so on opening.
        with contextlib.suppress(ParleyError):
            codes += [r.code for r in client.registration(row.workflow_id).reasons]
        if contest_refusal(
            self.rulebook, reason_codes=codes, decided_at=row.decided_at, now=row.decided_at or utcnow()
        ):
            return
        try:
            opened = client.open_dispute(registration_id=row.workflow_id, statement=STATEMENT)
        except ParleyError as error:
            self.filed[lead] = Filed(refused=str(error))
            return
        workflow_id = opened.workflow_id
        with Session(engine_for(self.url)) as session:
            dispute = session.exec(select(Dispute).where(Dispute.workflow_id == workflow_id)).one()
        contest = Contest(Side(dispute.claimant_side), Side(dispute.respondent_side))
        self.plans.record(workflow_id, lead, contest)
        self.filed[lead] = Filed(workflow_id)
        if opened.hearing_until is None:
            return
        deadline = opened.hearing_until
        start = deadline - timedelta(
            seconds=self.rulebook.escalation.party_response.total_seconds() / self.clock.scale
        )
        respondent = (
            self.tokens[dispute.respondent_partner_id]
            if dispute.respondent_partner_id is not None
            else self.direct_token
        )
        mean = self.scenario.disputes.statement_mean
        for k, (token, who) in enumerate(
            ((self.tokens[row.partner_id], "claimant"), (respondent, "respondent"))
        ):
            at = start + timedelta(seconds=mean * float(self.channel.statement_e[lead, k]) / self.clock.scale)
            if at <= deadline - timedelta(seconds=self.margin):  # else silent: the deadline hears it
                self.statements.append((at, token, workflow_id, who))

    def pending(self) -> int:
        """Contesting leads refused and not yet looked at, and statements still to give."""
        return len(self._refused()) + len(self.statements)


def open_disputes(url: str) -> int:
    with Session(engine_for(url)) as session:
        return len(session.exec(select(Dispute.id).where(col(Dispute.state).in_(DisputeState.LIVE))).all())


def wait_until_resolved(url: str, filer: Filer, deadline: datetime) -> int:
    """Wait until every contesting refusal is filed and every dispute has ended (or ``deadline``);
    how many have not."""
    return wait_until_done(lambda: filer.pending() + open_disputes(url), deadline)
