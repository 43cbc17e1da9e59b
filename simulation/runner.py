"""Running a what-if: validate the documents, run the replications, write the outputs.

Replications are independent, so they are spread over local worker processes (or, from the CLI's
``--temporal``, over Temporal activities; see ``workflows/simulation.py``). Results are ordered by
replication index whatever order they finish in, so the output does not depend on the workers.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rules import Rulebook, load_rulebook, parse_rulebook
from simulation.replication import Change, ReplicationInput, ReplicationResult, run_replication
from simulation.report import write_report
from simulation.results import RunInfo, build_results, write_results
from simulation.scenario import (
    Scenario,
    check_against,
    default_scenario_text,
    load_scenario,
    scenario_from_text,
)

Progress = Callable[[ReplicationResult], None]


@dataclass(frozen=True)
class WhatIf:
    """The validated inputs of a comparison, with the text each was read from."""

    baseline: Rulebook
    proposed: Rulebook
    scenario: Scenario
    baseline_text: str
    proposed_text: str
    scenario_text: str
    info: RunInfo

    def jobs(self) -> Iterator[ReplicationInput]:
        for r in range(self.info.replications):
            yield ReplicationInput(
                self.baseline_text, self.proposed_text, self.scenario_text, self.info.seed, r
            )


def prepare(
    baseline: Path,
    proposed: Path,
    scenario: Path | None,
    *,
    replications: int,
    seed: int,
) -> WhatIf:
    """Read and validate every input, refusing bad files with the field named, before any run."""
    baseline_rb, proposed_rb = load_rulebook(baseline), load_rulebook(proposed)
    if scenario is None:
        scenario_text, scenario_source = default_scenario_text(), "default (built in)"
        scenario_model = scenario_from_text(scenario_text)
    else:
        scenario_model = load_scenario(scenario)
        scenario_text, scenario_source = scenario.read_text(encoding="utf-8"), str(scenario)
    check_against(scenario_model, baseline_rb, "baseline")
    check_against(scenario_model, proposed_rb, "proposed")
    return WhatIf(
        baseline=baseline_rb,
        proposed=proposed_rb,
        scenario=scenario_model,
        baseline_text=baseline.read_text(encoding="utf-8"),
        proposed_text=proposed.read_text(encoding="utf-8"),
        scenario_text=scenario_text,
        info=RunInfo(
            seed=seed,
            replications=replications,
            baseline_source=str(baseline),
            proposed_source=str(proposed),
            scenario_source=scenario_source,
        ),
    )


def from_texts(
    baseline: str, proposed: str, scenario: str, *, replications: int, seed: int,
    sources: tuple[str, str, str] = ("baseline", "proposed", "scenario"),
) -> WhatIf:  # fmt: skip
    """The same as :func:`prepare` for documents already in memory (web uploads, Temporal)."""
    baseline_rb = parse_rulebook(baseline, source=sources[0])
    proposed_rb = parse_rulebook(proposed, source=sources[1])
    scenario_model = scenario_from_text(scenario)
    check_against(scenario_model, baseline_rb, "baseline")
    check_against(scenario_model, proposed_rb, "proposed")
    return WhatIf(
        baseline_rb, proposed_rb, scenario_model, baseline, proposed, scenario,
        RunInfo(seed, replications, *sources),
    )  # fmt: skip


def worker_setup() -> None:
    """Worker processes only simulate: collect cyclic garbage less often (SimPy's events form
    short-lived cycles; with the default thresholds full collections rescan the whole channel)."""
    gc.set_threshold(50_000, 20, 100)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_local(what_if: WhatIf, workers: int, progress: Progress | None = None) -> list[ReplicationResult]:
    """Run every replication, in this process (``workers <= 1``) or in a process pool."""
    jobs = list(what_if.jobs())
    results: list[ReplicationResult] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(run_replication(job))
            if progress:
                progress(results[-1])
    else:
        with ProcessPoolExecutor(min(workers, len(jobs)), initializer=worker_setup) as pool:
            futures = [pool.submit(run_replication, job) for job in jobs]
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(results[-1])
    return sorted(results, key=lambda r: r.replication)


def summarise(
    what_if: WhatIf,
    reps: list[ReplicationResult],
    details: tuple[list[Change], dict[str, str]] | None = None,
) -> dict[str, Any]:
    return build_results(
        what_if.info, what_if.baseline, what_if.proposed, what_if.scenario, reps, details
    )


def write_outputs(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``report.html`` into ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "results.json", out / "report.html"
    write_results(results, json_path)
    write_report(results, html_path)
    return json_path, html_path
