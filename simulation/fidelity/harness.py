"""One fidelity run: the same channel, seed and rulebook through the live engine and the sandbox,
compared lead by lead. ``python -m bench fidelity`` runs it on a dev server of its own; the test
in ``tests/fidelity`` on the session's."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from werkzeug.serving import make_server

from parley.http import ParleyClient
from rules import Rulebook, load_rulebook
from rules.escalation import dispute_path
from simulation.channel import Channel, generate_channel
from simulation.deals import quote_delay
from simulation.fidelity import background, discount_readback, dispute_readback, live
from simulation.fidelity.compare import Difference, DiscountVerdict, DisputeVerdict, Verdict, compare
from simulation.fidelity.discount_live import (
    DiscountPlans,
    Requester,
    asking,
    discount_key,
    wait_until_decided,
)
from simulation.fidelity.dispute_live import DisputePlans, Filer, contesting, wait_until_resolved
from simulation.fidelity.engine_time import decided_moment, delivery, opened
from simulation.fidelity.inputs import Clock, fidelity_scenario, scaled_rulebook
from simulation.fidelity.kpis import KpiCheck, LiveDiscount, LiveRow, check, live_ledger, sandbox_values
from simulation.fidelity.sandbox import Observed, first_leads, replay
from simulation.kpis import compute, percentile
from simulation.scenario import Scenario, check_against, default_scenario
from store.models import utcnow

# A live second stands for six simulated hours: the default rulebook's 48h SLA is 8 s, a typical
# hour of an approver's work 0.17 s, three weeks of leads about 80 s.
SCALE = 21_600.0
SETTLED = ("approved", "rejected")
# Live seconds before a task's deadline within which a bot does not answer (six simulated hours),
# so its answers arrive well before the deadline even on a loaded machine (at 0.25 s and at 0.5 s,
# runs beside a full test run or a benchmark had one arrive after it: docs/fidelity.md). The
# sandbox runs the KPIs are held against keep the same margin, so a wider one biases no KPI.
MARGIN = 1.0


@dataclass(frozen=True)
class Plan:
    """What to run: ``rulebook`` for the sandbox, ``live_rulebook`` (default: the same file)
    scaled for the live workers; the scenario cut to ``partners`` partners over ``days``; bots
    leave a task to lapse rather than answer within ``margin`` live seconds of its deadline; the
    live KPIs are held against ``replications`` sandbox runs of the same channel;
    ``dispute_share`` (default: the scenario's) is the share of contestable refusals disputed."""

    rulebook: Path
    live_rulebook: Path | None = None
    scenario: Scenario | None = None
    seed: int = 7
    partners: int = 40
    days: float = 21.0
    scale: float = SCALE
    max_leads: int | None = None
    margin: float = MARGIN
    replications: int = 10
    dispute_share: float | None = None


@dataclass
class Outcome:
    leads: int
    differences: list[Difference]
    live: dict[int, Verdict]
    sandbox: dict[int, Verdict]
    unsettled: int
    seconds: float
    refused: list[str] = field(default_factory=list)  # inbox listings the API did not serve a bot
    late: list[str] = field(default_factory=list)  # bot answers sent in time, taken after the deadline
    kpis: list[KpiCheck] = field(default_factory=list)
    discounts: dict[int, DiscountVerdict] = field(default_factory=dict)  # live, by lead
    sandbox_discounts: dict[int, DiscountVerdict] = field(default_factory=dict)
    discount_differences: list[Difference] = field(default_factory=list)
    undecided: int = 0  # discount requests due or open when the live run stopped
    errors: list[str] = field(default_factory=list)  # discount requests the API did not take
    disputes: dict[int, DisputeVerdict] = field(default_factory=dict)  # live, by lead
    sandbox_disputes: dict[int, DisputeVerdict] = field(default_factory=dict)
    dispute_differences: list[Difference] = field(default_factory=list)
    unresolved: int = 0  # disputes open or statements not given when the live run stopped
    dispute_errors: list[str] = field(default_factory=list)  # statements the API did not take
    # Live seconds from the moment each registration or discount answer's approver finished (the
    # bot's plan) to the moment its workflow took it: the engine's delivery time, taken out of the
    # live latencies (simulation.fidelity.engine_time).
    delivery: list[float] = field(default_factory=list)

    @property
    def all_differences(self) -> list[Difference]:
        return [*self.differences, *self.discount_differences, *self.dispute_differences]

    def summary(self) -> str:
        reviewed = sum(1 for v in self.live.values() if v.level is not None)
        escalated = sum(1 for v in self.live.values() if v.level)
        outcomes: dict[str, int] = {}
        for v in self.live.values():
            outcomes[v.outcome] = outcomes.get(v.outcome, 0) + 1
        asked: dict[str, int] = {}
        for d in self.discounts.values():
            asked[d.outcome] = asked.get(d.outcome, 0) + 1
        to_people = sum(1 for d in self.discounts.values() if d.step is not None)
        past_first = sum(1 for d in self.discounts.values() if d.step)
        resolved: dict[str, int] = {}
        for dispute in self.disputes.values():
            resolved[dispute.outcome] = resolved.get(dispute.outcome, 0) + 1
        by_default = sum(1 for d in self.disputes.values() if d.decided_by == "default")
        climbed = sum(1 for d in self.disputes.values() if d.level)
        return (
            f"{self.leads} leads compared ({', '.join(f'{n} {k}' for k, n in sorted(outcomes.items()))}; "
            f"{reviewed} went to people, {escalated} escalated): {len(self.differences)} differences; "
            f"{len(self.discounts)} discount requests compared "
            f"({', '.join(f'{n} {k}' for k, n in sorted(asked.items()))}; {to_people} went to people, "
            f"{past_first} past the first step): {len(self.discount_differences)} differences; "
            f"{len(self.disputes)} disputes compared "
            f"({', '.join(f'{n} {k}' for k, n in sorted(resolved.items()))}; {climbed} past the first level, "
            f"{by_default} by default): {len(self.dispute_differences)} differences; "
            f"{self.unsettled} leads, {self.undecided} discount requests and {self.unresolved} disputes "
            f"unsettled when the live run stopped; {len(self.late)} bot answers arrived after their "
            f"deadline; answers taken {_median_p95_ms(self.delivery)} after their approver finished; "
            f"{self.seconds:.0f}s"
        )

    @property
    def kpis_judged(self) -> bool:
        """Whether the live run played the scenario's approvers, so that its KPIs can be held
        against the sandbox's: an answer that arrived after its deadline (the machine too loaded
        for ``Plan.margin``) lapsed live where the scenario's approver answered in time."""
        return not self.late


def run(plan: Plan, temporal_address: str, folder: Path) -> Outcome:
    """Run ``plan`` against the dev server at ``temporal_address``, working in ``folder``."""
    from store.schema import upgrade_database

    started = time.perf_counter()
    rulebook = load_rulebook(plan.rulebook)
    scenario = fidelity_scenario(
        plan.scenario or default_scenario(),
        partners=plan.partners,
        days=plan.days,
        dispute_share=plan.dispute_share,
    )
    check_against(scenario, rulebook)
    channel = generate_channel(scenario, plan.seed, 0)
    leads = min(channel.leads, plan.max_leads or channel.leads)
    tag = uuid.uuid4().hex[:8]
    folder.mkdir(parents=True, exist_ok=True)
    rulebooks = folder / "rulebooks"
    rulebooks.mkdir(exist_ok=True)
    source = (plan.live_rulebook or plan.rulebook).read_text(encoding="utf-8")
    (rulebooks / "fidelity.yaml").write_text(scaled_rulebook(source, plan.scale), encoding="utf-8")
    url = f"sqlite:///{folder / f'parley-{tag}.db'}"
    upgrade_database(url)
    route = rulebook.registration.approval_route
    slas = [level.sla.total_seconds() for level in route]
    env = {
        "PARLEY_TEMPORAL_ADDRESS": temporal_address,
        "PARLEY_DATABASE_URL": url,
        "PARLEY_TASK_QUEUE": f"fidelity-{tag}",
        "PARLEY_RULEBOOK_DIR": str(rulebooks),
        "PARLEY_NOTIFICATION_DELIVERY": "false",
        # The bots look at their inboxes ten times a second; the default limit is for people.
        "PARLEY_API_RATE_LIMIT": "100000/minute",
    }
    with _environment(env), _worker(env, folder / f"worker-{tag}.log"), _web() as base_url:
        roles = {level.role for level in route} | _discount_roles(rulebook) | _dispute_roles(rulebook)
        people = live.load_people(url, channel, rulebook, sorted(roles), tag)
        clock = Clock(channel.start, live.live_zero(timedelta(seconds=3)), plan.scale)
        live.load_direct_sales(url, channel, clock)
        plans = DiscountPlans(rulebook, scenario, channel)
        hearings = DisputePlans(rulebook, scenario, channel)
        bots = [
            live.Bot(role, token, scenario, channel, clock, slas, plan.margin, plans, hearings)
            for role, token in people.approver_tokens.items()
        ]
        halt = live.run_bots(bots, base_url)
        asks = asking(channel, leads)
        # Simulated seconds from the last approval until every discount request has been decided.
        after = max((quote_delay(scenario, channel, i) for i in asks), default=0.0) + _longest_chain(rulebook)
        requester = Requester(url, base_url, scenario, channel, clock, people.partner_tokens, asks, tag)
        stop_requests, requests = background.start(requester.run)
        tokens = dict(zip(people.partner_ids, people.partner_tokens, strict=True))
        contest = contesting(scenario, channel, leads)
        filer = Filer(url, base_url, rulebook, scenario, channel, clock, tokens, people.partner_ids,
                      people.direct_token, contest, plan.margin, hearings)  # fmt: skip
        stop_filing, filing = background.start(filer.run)
        try:
            live.submit(base_url, channel, people, clock, leads, tag)
            walk = timedelta(seconds=sum(slas) / plan.scale)
            unsettled = live.wait_until_settled(url, leads, utcnow() + walk + timedelta(seconds=30))
            hearing = timedelta(seconds=_longest_dispute(rulebook) / plan.scale)
            unresolved = wait_until_resolved(url, filer, utcnow() + hearing + timedelta(seconds=30))
            chain = timedelta(seconds=after / plan.scale)
            undecided = wait_until_decided(url, requester, utcnow() + chain + timedelta(seconds=30))
        finally:
            stop_requests.set()
            stop_filing.set()
            requests.join(timeout=30)
            filing.join(timeout=30)
            halt()
        records = live.records(url)
        lost = sorted(set(range(leads)) - set(records))
        if lost:
            raise RuntimeError(f"the live run has no registration for leads {lost[:10]}")
        views = _views(base_url, people, records)
        discount_records = discount_readback.discount_records(url)
        dispute_records = dispute_readback.dispute_records(url, filer.filed)
        live_discounts = discount_readback.live_verdicts(base_url, tokens, discount_records, requester.asked)
    observed = {lead: _observed(record, clock, slas) for lead, record in records.items()}
    seen = discount_readback.observed(discount_records, requester.asked, clock)
    heard = dispute_readback.observed(dispute_records, rulebook, clock)
    live_disputes = dispute_readback.live_verdicts(dispute_records, filer.filed, plan.scale)
    live_verdicts = {lead: _verdict(record, views[lead], plan.scale) for lead, record in records.items()}
    last = max(
        [o.submitted for o in observed.values()] + list(seen.asked.values()) + list(heard.opened.values())
    )
    horizon = last + sum(slas) + _longest_dispute(rulebook) + _longest_chain(rulebook) + 86_400.0
    sandbox, sandbox_discounts, sandbox_disputes = replay(
        rulebook, scenario, channel, observed, horizon, seen, heard
    )
    differences = compare(live_verdicts, sandbox, [live.request_key(tag, i) for i in range(leads)])
    discount_differences = compare(
        live_discounts, sandbox_discounts, [discount_key(tag, i) for i in range(leads)]
    )
    dispute_differences = compare(
        live_disputes, sandbox_disputes, [live.request_key(tag, i) for i in range(leads)]
    )
    refused = [r for b in bots for r in b.refused]
    late = [r for b in bots for r in b.late]
    # The KPI replications take the submissions at the moments the live run made them, as the
    # replay does; their approvers are the sandbox's own (docs/fidelity.md, KPIs).
    submitted = first_leads(channel, leads, [observed[i].submitted for i in range(leads)])
    finished = {task: moment for b in bots for task, moment in b.finished.items()}
    answered = [t for r in records.values() for t in r.tasks] + [
        t for r in discount_records.values() for t in r.tasks
    ]
    taken = delivery(answered, finished)
    discount_rows = discount_readback.kpi_rows(
        live_discounts, discount_records, requester.asked, clock, taken, plans.first_sla
    )
    after += _longest_dispute(rulebook)  # an award's discount request comes after the dispute
    kpis = _kpis(
        plan, rulebook, scenario, submitted, records, live_verdicts, clock, discount_rows, after, taken
    )
    seconds = time.perf_counter() - started
    return Outcome(
        leads, differences, live_verdicts, sandbox, unsettled, seconds, refused, late, kpis,
        live_discounts, sandbox_discounts, discount_differences, undecided, requester.errors,
        live_disputes, sandbox_disputes, dispute_differences, unresolved, filer.errors,
        [lag.total_seconds() for lag in taken.values()],
    )  # fmt: skip


def _discount_roles(rulebook: Rulebook) -> set[str]:
    """Every role the discount matrix or its escalation sends a task to."""
    rules = rulebook.discount
    return {role for band in rules.matrix for step in band.steps for role in step.roles} | {
        rules.escalation.escalate_to
    }


def _dispute_roles(rulebook: Rulebook) -> set[str]:
    """Every role a dispute's levels send a task to."""
    return {role for step in dispute_path(rulebook).steps for role in step.roles}


def _longest_dispute(rulebook: Rulebook) -> float:
    """Simulated seconds the longest dispute can take: the parties' time, every level lapsing."""
    steps = dispute_path(rulebook).steps
    return rulebook.escalation.party_response.total_seconds() + sum(s.sla_seconds for s in steps)


def _longest_chain(rulebook: Rulebook) -> float:
    """Simulated seconds the longest discount chain can take: every step escalated, both lapsing."""
    return max(
        (2 * sum(s.sla.total_seconds() for s in band.steps) for band in rulebook.discount.matrix), default=0.0
    )


def _median_p95_ms(seconds: list[float]) -> str:
    if not seconds:
        return "(none)"
    x = np.asarray(seconds) * 1000
    return f"{percentile(x, 50):.0f} ms in the median, {percentile(x, 95):.0f} ms at p95"


def _kpis(
    plan: Plan,
    rulebook: Rulebook,
    scenario: Scenario,
    channel: Channel,
    records: dict[int, live.Record],
    verdicts: dict[int, Verdict],
    clock: Clock,
    discounts: dict[int, LiveDiscount],
    after: float,
    taken: dict[int, timedelta],
) -> list[KpiCheck]:
    """The live run's KPIs against ``plan.replications`` sandbox runs of its channel, with the
    engine's own time taken out of the live moments (``engine_time``; ``taken``: each answer's
    delivery)."""
    rows = []
    for lead in range(channel.leads):
        row, verdict = records[lead].row, verdicts[lead]
        settled_at = row.decided_at if verdict.outcome in SETTLED else None
        tasks = records[lead].tasks
        first = opened(tasks, rulebook.registration.approval_route[0].sla.total_seconds(), clock)
        decided_at = decided_moment(settled_at, row.submitted_at, verdict.decided_by, tasks, taken, first)
        rows.append(
            LiveRow(
                submitted=clock.simulated(row.submitted_at),
                decided=None if decided_at is None else clock.simulated(decided_at),
                outcome=verdict.outcome,
                decided_by=verdict.decided_by,
                codes=verdict.codes,
                reviewed=bool(records[lead].tasks),
                lapsed=sum(1 for t in records[lead].tasks if t.closed_at and t.outcome not in SETTLED),
            )
        )
    levels = len(rulebook.registration.approval_route)
    live_values = compute(live_ledger(rows, channel, scenario, discounts), levels)
    margin = plan.margin * plan.scale  # the bots' margin on the simulated clock
    sandbox = sandbox_values(rulebook, scenario, channel, plan.seed, plan.replications, after, margin)
    return check(live_values, sandbox, levels)


def _observed(record: live.Record, clock: Clock, slas: list[float]) -> Observed:
    """When the lead was submitted and how long each of its tasks stayed open before its answer,
    on the workflow's clock: a task is due ``slas[level]`` after it opened (``due_at``), and
    ``closed_at`` is when the workflow took the answer."""
    answered: list[float | None] = []
    for task in record.tasks:
        if task.outcome in SETTLED and task.closed_at is not None and task.due_at is not None:
            answered.append(
                slas[task.escalation_level] - clock.simulated(task.due_at) + clock.simulated(task.closed_at)
            )
        else:
            answered.append(None)
    return Observed(clock.simulated(record.row.submitted_at), answered)


def _verdict(record: live.Record, view: dict[str, object], scale: float) -> Verdict:
    row = record.row
    state = str(view["outcome"])
    protection = None
    if state == "approved" and row.expires_at is not None and row.decided_at is not None:
        protection = round((row.expires_at - row.decided_at).total_seconds() * scale)
    levels = [t.escalation_level for t in record.tasks]
    return Verdict(
        outcome=state,
        codes=tuple(view["codes"]),  # type: ignore[arg-type]
        decided_by=str(view["decided_by"]),
        level=max(levels) if levels else None,
        protection=protection,
    )


def _views(
    base_url: str, people: live.People, records: dict[int, live.Record]
) -> dict[int, dict[str, object]]:
    """Each registration's decision reasons, its outcome and who decided it, as the API reports
    them: the first settling transition (a dispute's award or release comes later, and is the
    dispute's verdict)."""
    tokens = dict(zip(people.partner_ids, people.partner_tokens, strict=True))
    clients: dict[int, ParleyClient] = {}
    views: dict[int, dict[str, object]] = {}
    try:
        for lead, record in records.items():
            pid = record.row.partner_id
            client = clients.setdefault(pid, ParleyClient(base_url, tokens[pid]))
            view = client.registration(record.row.workflow_id)
            by, outcome = "", "pending"
            for t in view.history:
                if t.after in SETTLED:
                    by = "default" if t.actor == "rule:sla.default_action" else (
                        "rule" if t.actor.startswith("rule:") else "person"
                    )  # fmt: skip
                    outcome = t.after
                    break
            # An award adds the dispute's outcome to the reasons: the decision's are the rest.
            codes = [r.code for r in view.reasons if not r.code.startswith("dispute.")]
            views[lead] = {"codes": codes, "decided_by": by, "outcome": outcome}
    finally:
        for client in clients.values():
            client.close()
    return views


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """The settings the in-process web app reads, for the block only."""
    from parley.settings import get_settings
    from store.engine import engine_for

    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        engine_for(values["PARLEY_DATABASE_URL"]).dispose()


@contextmanager
def _worker(env: dict[str, str], log_path: Path, timeout: float = 60) -> Iterator[None]:
    """A ``parley worker`` child process, as ``parley up`` runs it."""
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "parley", "worker"], env={**os.environ, **env}, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + timeout
        while "worker ready" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _web() -> Iterator[str]:
    """The web app on a threaded WSGI server on a free loopback port; yields its address."""
    from web import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
