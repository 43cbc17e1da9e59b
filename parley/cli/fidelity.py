"""``parley fidelity``: one channel through the live workers and the sandbox, compared lead by
lead (issue 21, ``docs/fidelity.md``)."""

from __future__ import annotations

import socket
import tempfile
from contextlib import ExitStack
from pathlib import Path

import click

from parley.cli.console import friendly_errors

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@click.command()
@click.option("--rulebook", type=_FILE, default=Path("rulebooks/default.yaml"), show_default=True,
              help="Rulebook both engines run (the live workers get it on a scaled clock).")  # fmt: skip
@click.option("--scenario", type=_FILE, default=None, help="Scenario YAML (default: built in).")
@click.option("--partners", default=60, show_default=True, type=click.IntRange(2, 2_000))
@click.option("--days", default=30.0, show_default=True, type=click.FloatRange(1, 365),
              help="Simulated days of leads.")  # fmt: skip
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--scale", default=21_600.0, show_default=True, type=click.FloatRange(60, 1e6),
              help="Simulated seconds per live second.")  # fmt: skip
@click.option("--margin", default=1.0, show_default=True, type=click.FloatRange(0, 60),
              help="Live seconds before a deadline within which bots let a task lapse.")  # fmt: skip
@click.option("--replications", default=10, show_default=True, type=click.IntRange(2, 1_000),
              help="Sandbox runs of the channel the live KPIs are held against.")  # fmt: skip
@click.option("--dispute-share", type=click.FloatRange(0, 1), default=None,
              help="Share of contestable refusals disputed (default: the scenario's).")  # fmt: skip
@click.option("--temporal", "temporal_address", default=None,
              help="A running Temporal server (default: start a dev server of its own).")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the database, rulebook and logs (default: a temporary one).")  # fmt: skip
@click.option("--limit", default=20, show_default=True, help="Differences to list in full.")
@friendly_errors
def fidelity(
    rulebook: Path,
    scenario: Path | None,
    partners: int,
    days: float,
    seed: int,
    scale: float,
    margin: float,
    replications: int,
    dispute_share: float | None,
    temporal_address: str | None,
    out: Path | None,
    limit: int,
) -> None:
    """Submit a scenario's leads to real workers through the API and replay them in the sandbox;
    list every lead the two engines decide differently, and hold the live KPIs against the
    sandbox's over replications. Exits 1 when a lead, a discount request or a dispute differs or
    is left undecided, a held KPI falls outside, or the bots could not keep the scenario's times."""
    from parley.settings import Settings
    from parley.temporal_server import headless_dev_server
    from simulation.fidelity.harness import Plan, run
    from simulation.fidelity.kpis import failed, table
    from simulation.scenario import load_scenario

    folder = out or Path(tempfile.mkdtemp(prefix="parley-fidelity-"))
    folder.mkdir(parents=True, exist_ok=True)
    plan = Plan(
        rulebook,
        scenario=load_scenario(scenario) if scenario else None,
        seed=seed,
        partners=partners,
        days=days,
        scale=scale,
        margin=margin,
        replications=replications,
        dispute_share=dispute_share,
    )
    with ExitStack() as stack:
        if temporal_address is None:
            settings = Settings(temporal_address=f"127.0.0.1:{_free_port()}")
            log = stack.enter_context((folder / "temporal.log").open("wb"))
            stack.enter_context(headless_dev_server(settings, folder / "temporal.db", log))
            temporal_address = settings.temporal_address
        click.echo(f"working in {folder}", err=True)
        outcome = run(plan, temporal_address, folder)
    click.echo(outcome.summary())
    for difference in outcome.all_differences[:limit]:
        click.echo(difference.describe())
    for error in outcome.errors[:limit]:
        click.echo(f"discount request not taken: {error}")
    for error in outcome.dispute_errors[:limit]:
        click.echo(f"dispute statement not taken: {error}")
    click.echo(f"\nKPIs: live against {replications} sandbox runs of the same channel")
    click.echo(table(outcome.kpis))
    if not outcome.kpis_judged:
        click.echo(
            f"\nThe KPIs cannot be judged: {len(outcome.late)} bot answers sent at least {margin} s "
            "before their deadline reached the workflow after it, so the live run did not play the "
            "scenario's approvers (raise --margin, or run on a quieter machine):"
        )
        for late in outcome.late[:limit]:
            click.echo(f"  {late}")
    broken = (
        outcome.all_differences
        or outcome.unsettled
        or outcome.undecided
        or outcome.errors
        or outcome.unresolved
        or outcome.dispute_errors
    )
    if broken or not outcome.kpis_judged or failed(outcome.kpis):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(fidelity)
