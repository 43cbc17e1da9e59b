"""``parley simulate``: a what-if of a proposed rulebook against a baseline; ``parley replay``."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from parley.cli.console import friendly_errors

if TYPE_CHECKING:
    from workflows.simulation import SimulationProgress

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _summary_table(results: dict[str, Any]) -> str:
    from simulation import report_words as words
    from simulation.kpis import Kpi

    currency = results.get("run", {}).get("currency", "")
    rows = [("KPI", "baseline", "proposed", "difference", "95% CI", "verdict")]
    for e in results["kpis"]:
        kpi = Kpi(e["key"], e["label"], e["unit"], e["better"], e["description"])
        low, high = e["ci95"]
        ci = (
            f"{words.show(kpi, low, currency, True)} .. {words.show(kpi, high, currency, True)}"
            if low is not None and high is not None
            else "n/a"
        )
        rows.append((
            e["label"], words.show(kpi, e["baseline"], currency), words.show(kpi, e["proposed"], currency),
            words.change(kpi, e["difference"], e["baseline"], currency), ci, e["verdict"],
        ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1],
                 strict=True)), row[-1]]  # fmt: skip
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.command()
@click.option("--baseline", required=True, type=_FILE, help="Rulebook in force (YAML).")
@click.option("--proposed", required=True, type=_FILE, help="Rulebook to try (YAML).")
@click.option("--scenario", type=_FILE, default=None, help="Scenario YAML (default: built in).")
@click.option("--replications", default=30, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Local worker processes (default: one per core).")  # fmt: skip
@click.option("--temporal", "use_temporal", is_flag=True,
              help="Run the replications as Temporal activities on Parley workers.")  # fmt: skip
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@friendly_errors
def simulate(
    baseline: Path,
    proposed: Path,
    scenario: Path | None,
    replications: int,
    seed: int,
    workers: int | None,
    use_temporal: bool,
    out: Path,
) -> None:
    """Compare a proposed rulebook with a baseline on a simulated channel (paired replications).

    Writes OUT/results.json and OUT/report.html and prints a summary table.
    """
    from simulation.runner import default_workers, prepare, run_local, summarise, write_outputs

    what_if = prepare(baseline, proposed, scenario, replications=replications, seed=seed)
    started = time.perf_counter()
    with click.progressbar(length=replications, label="replications", file=sys.stderr) as bar:
        if use_temporal:
            from simulation.temporal_client import run_on_temporal

            def advance(progress: SimulationProgress) -> None:
                bar.update(progress.done - bar.pos)

            results = asyncio.run(run_on_temporal(what_if, advance))
        else:
            reps = run_local(what_if, workers or default_workers(), lambda _r: bar.update(1))
            results = summarise(what_if, reps)
    json_path, html_path = write_outputs(results, out)
    elapsed = time.perf_counter() - started
    click.echo(_summary_table(results))
    if results["headlines"]:
        click.echo("\nWhy:")
        for line in results["headlines"][:5]:
            click.echo(f"  - {line}")
    click.echo(f"\n{replications} replications in {elapsed:.1f}s")
    click.echo(f"results: {json_path}\nreport:  {html_path}")


@click.command()
@click.option("--proposed", required=True, type=_FILE, help="Rulebook to try (YAML).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Only registrations submitted on or after this date (UTC).")  # fmt: skip
@click.option("--limit", default=50, show_default=True, help="Differences to list in full.")
@friendly_errors
def replay(proposed: Path, since: datetime | None, limit: int) -> None:
    """Decide the registrations on record again under a proposed rulebook; list what differs."""
    from rules import load_rulebook
    from simulation.replay import replay as run_replay
    from store.engine import session_scope

    rulebook = load_rulebook(proposed)
    with session_scope() as session:
        report = run_replay(session, rulebook, since.replace(tzinfo=UTC) if since else None)
    click.echo(
        f"{report.examined} registrations decided again under {report.proposed_version}: "
        f"{len(report.differences)} would be decided differently"
    )
    for (before, after), count in sorted(report.transitions().items(), key=lambda i: -i[1]):
        click.echo(f"  {count:5d}  {before} -> {after}")
    for d in report.differences[:limit]:
        click.echo(
            f"\n{d.workflow_id}  partner {d.partner_id}  {d.account_name} / {d.product_line}  "
            f"submitted {d.submitted_at:%Y-%m-%d %H:%M} (now {d.recorded_state})\n"
            f"  {d.recorded_version}: {d.before} [{', '.join(d.before_codes)}]\n"
            f"  {report.proposed_version}: {d.after} [{', '.join(d.after_codes)}]"
        )
        for text in d.after_reasons:
            click.echo(f"    - {text}")
    for workflow_id, why in report.skipped:
        click.echo(f"skipped {workflow_id}: {why}", err=True)


def register(group: click.Group) -> None:
    group.add_command(simulate)
    group.add_command(replay)
