"""The demo roll-outs for ``parley up``: the next rulebook versions on their way, so the inbox and
the Rulebooks page show a roll-out's stages.

- ``2026.2`` (longer protection): submitted by partner operations, a what-if attached, approved by
  the VP channel; scheduled for a month from now, every active partner asked to acknowledge it
  (their tasks open, due within the acknowledgement period of the version in force).
- ``2026.3`` (a higher automatic-approval ceiling, on top of 2026.2): submitted by partner
  operations with its what-if attached, waiting for the VP channel's approval.

Real processes on the real worker: each draft is the version in force as written with one line
changed, submitted through the roll-out client; each what-if is a real run of the sandbox's
simulation workflow (the shipped scenario cut to the demo channel's size and four months, two
replications: seconds, not the sandbox's minutes), attached as partner operations would. Started
with the other demo processes on the first start; a demo version on record is never submitted
again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError

from activities.rulebook import rulebook_library
from parley.clients.rollout import RolloutClient
from parley.errors import ParleyError
from parley.settings import Settings
from simulation.runner import from_texts
from simulation.scenario import default_scenario_text
from store.crud import rulebooks as runs_crud
from store.engine import engine_for
from store.models import SimulationStatus, User, utcnow
from web.sandbox_runs import run_key
from web.sandbox_temporal import workflow_id as run_workflow_id
from workflows.human.updates import DecisionInput
from workflows.human.vocabulary import DecisionOutcome
from workflows.rollout.types import RolloutState, RolloutView
from workflows.simulation import SimulationInput, SimulationWorkflow

log = logging.getLogger(__name__)

OPERATOR, APPROVER = "ops", "vpchannel"
# The what-if: the shipped scenario at the demo channel's size (store.demo seeds 40 partners).
SCENARIO = {"name": "demo-channel", "horizon": "120d", "warm_up": "15d"}
CHANNEL = {"partners": 40, "accounts": 2000}
REPLICATIONS, SEED = 2, 7
RUN_TIMEOUT = 120.0
DECIDING = (RolloutState.DRAFT, RolloutState.APPROVED)  # an approved version is scheduled at once


@dataclass(frozen=True)
class DemoVersion:
    version: str
    effective_in: timedelta  # from today's midnight (UTC)
    old: str  # a line of the text it builds on, replaced by ``new``
    new: str
    comment: str
    approve: bool  # approved by the VP channel (scheduled), or left waiting for approval


VERSIONS = (
    DemoVersion(
        "2026.2",
        timedelta(days=30),
        "  protection_period: 90d",
        "  protection_period: 120d",
        "Enterprise deals run past 90 days: the partner council asked for longer protection",
        approve=True,
    ),
    DemoVersion(
        "2026.3",
        timedelta(days=60),
        "    max_deal_value: 250000",
        "    max_deal_value: 400000",
        "Fewer manual reviews: the rules approve mid-size deals of silver partners and above",
        approve=False,
    ),
)


def _texts(settings: Settings) -> tuple[str, list[tuple[DemoVersion, str]]] | None:
    """The version in force and the demo drafts' texts still to submit (None: no demo data, or
    the in-force text is not the shipped one the drafts change)."""
    engine = engine_for(settings.resolved_database_url)
    library = rulebook_library(settings, engine)  # on a new database: imports the shipped versions
    in_force = library.governing(utcnow()).version
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    with Session(engine) as session:
        if {OPERATOR, APPROVER} - set(session.exec(select(User.username)).all()):
            return None
        row = runs_crud.get_rulebook_version(session=session, version=in_force)
        text = row.text if row is not None else ""
        taken = {
            v.version for v in VERSIONS if runs_crud.get_rulebook_version(session=session, version=v.version)
        }
    drafts = []
    for demo in VERSIONS:
        lines = text.splitlines()
        if not any(line.startswith(demo.old) for line in lines):
            log.warning("demo roll-outs not started: rulebook %s has no line %r", in_force, demo.old)
            return None
        text = _with_lines(
            lines,
            {
                "version:": f'version: "{demo.version}"',
                "effective_from:": f"effective_from: {(midnight + demo.effective_in):%Y-%m-%dT%H:%M:%SZ}",
                demo.old: demo.new,
            },
        )
        if demo.version not in taken:
            drafts.append((demo, text))
    return in_force, drafts


def _with_lines(lines: list[str], replace: dict[str, str]) -> str:
    """``lines`` with each line starting with a key of ``replace`` swapped for its value."""
    return (
        "\n".join(next((v for k, v in replace.items() if line.startswith(k)), line) for line in lines) + "\n"
    )


def _scenario_text() -> str:
    scenario: dict[str, Any] = yaml.safe_load(default_scenario_text())
    scenario.update(SCENARIO)
    scenario["channel"].update(CHANNEL)
    scenario["description"] = "The shipped scenario at the demo channel's size, over four months."
    return yaml.safe_dump(scenario, sort_keys=False)


async def _what_if(client: RolloutClient, baseline: str, version: str) -> int:
    """Run a what-if of the stored draft ``version`` against ``baseline`` as the sandbox does: a
    ``simulation_runs`` row its workflow closes with the results. The run's id."""
    with client.session() as session:
        rows = {v: runs_crud.get_rulebook_version(session=session, version=v) for v in (baseline, version)}
        texts = {v: row.text for v, row in rows.items() if row is not None}
    what_if = from_texts(
        texts[baseline],
        texts[version],
        _scenario_text(),
        replications=REPLICATIONS,
        seed=SEED,
        sources=(f"version {baseline} (in force)", f"version {version} (draft)", "demo scenario"),
    )
    with client.session() as session:
        run = runs_crud.create_simulation_run(
            session=session,
            data={
                "baseline_version": baseline,
                "proposed_label": f"{version} (draft)",
                "scenario": {
                    "name": what_if.scenario.name,
                    "source": "demo scenario",
                    "partners": what_if.scenario.channel.partners,
                    "horizon_days": what_if.scenario.horizon / 86_400,
                },
                "replications": REPLICATIONS,
                "seed": SEED,
                "created_by": OPERATOR,
                "proposed_version": version,
            },
        )
        assert run.id is not None
        runs_crud.update_simulation_run(session=session, run_id=run.id, status=SimulationStatus.RUNNING)
        session.commit()
        session.refresh(run)
        run_id, key = run.id, run_key(run)
    spec = SimulationInput(
        baseline=what_if.baseline_text,
        proposed=what_if.proposed_text,
        scenario=what_if.scenario_text,
        replications=REPLICATIONS,
        seed=SEED,
        sources=[what_if.info.baseline_source, what_if.info.proposed_source, what_if.info.scenario_source],
        run_id=run_id,
    )
    await client.temporal.execute_workflow(
        SimulationWorkflow.run,
        spec,
        id=run_workflow_id(key),
        task_queue=client.settings.task_queue,
        execution_timeout=timedelta(seconds=RUN_TIMEOUT),
    )
    return run_id


async def _roll_out(client: RolloutClient, in_force: str, demo: DemoVersion, text: str) -> RolloutView:
    view = await client.submit(actor=OPERATOR, text=text, comment=demo.comment)
    if view.simulation_required and view.what_if is None:
        run_id = await _what_if(client, in_force, demo.version)
        view = await client.attach_what_if(demo.version, OPERATOR, run_id)
    if demo.approve and view.open_tasks:
        task = view.open_tasks[0].task_id
        decision = DecisionInput(task, APPROVER, DecisionOutcome.APPROVE, "Matches what the what-if showed")
        view = await client.decide(view.workflow_id, decision)
        view = await client.wait_until(view.workflow_id, lambda v: v.state not in DECIDING, 15)
    return view


async def start_demo_rollouts(settings: Settings) -> int:
    """Submit the demo versions not on record yet and take each to its stage; how many."""
    found = _texts(settings)
    if found is None:
        return 0
    in_force, drafts = found
    started = 0
    try:
        client = await RolloutClient.connect(settings, rpc_timeout=15)
        for demo, text in drafts:
            await _roll_out(client, in_force, demo, text)
            started += 1
    except (ParleyError, WorkflowFailureError) as exc:  # the other demo processes stand without it
        log.warning("demo roll-outs not all started: %s", exc)
    return started
