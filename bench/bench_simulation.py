"""Sandbox throughput: leads simulated per second per core, and the default what-if's wall time.

1. The full model (the shipped default scenario and rulebook: registration decisions, approver
   calendars and SLAs, protection, extensions, discounts) on one core, beside a bare SimPy model
   with the same arrivals and the same approver queues (no rules, no calendars), measured in the
   same run; the ratio shows what the rules and the lifecycle cost.
2. The default what-if end to end: default scenario, 30 replications, rulebooks/default.yaml
   against rulebooks/proposals/shorter-protection.yaml, 2 worker processes.

Targets (issue 6): at least 15,000 leads/s per core; the what-if under 60 seconds.
``python -m bench simulation`` (``PARLEY_BENCH_QUICK=1`` runs 4 replications instead of 30).
"""

from __future__ import annotations

import cProfile
import math
import os
import pstats
import tempfile
import time
from collections.abc import Generator
from pathlib import Path

import simpy

from rules import load_rulebook
from simulation.channel import Channel, generate_channel
from simulation.model import simulate
from simulation.runner import prepare, run_local, summarise, write_outputs
from simulation.scenario import Scenario, default_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "rulebooks" / "default.yaml"
PROPOSED = ROOT / "rulebooks" / "proposals" / "shorter-protection.yaml"
LEAD_TARGET = 15_000
WHAT_IF_TARGET = 60.0


def bare_model(scenario: Scenario, channel: Channel) -> None:
    """Same arrivals, each queueing once for a channel account manager for its handling time."""
    env = simpy.Environment()
    role = scenario.approvers["channel_account_manager"]
    desk = simpy.Resource(env, capacity=role.staff)
    median, sigma = role.handling.median, role.handling.sigma
    z = channel.handling_z[:, 0].tolist()

    def lead(i: int) -> Generator[simpy.Event, None, None]:
        with desk.request() as request:
            yield request
            yield env.timeout(median * math.exp(sigma * z[i]))

    def arrivals() -> Generator[simpy.Event, None, None]:
        for i, t in enumerate(channel.arrival):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(lead(i))

    env.process(arrivals())
    env.run(until=scenario.horizon)


def leads_per_second(replications: int = 2) -> tuple[float, float]:
    scenario, rulebook = default_scenario(), load_rulebook(BASELINE)
    full = bare = 0.0
    leads = 0
    for r in range(replications):
        channel = generate_channel(scenario, 7, r)
        leads += channel.leads
        started = time.perf_counter()
        simulate(rulebook, scenario, channel)
        full += time.perf_counter() - started
        started = time.perf_counter()
        bare_model(scenario, channel)
        bare += time.perf_counter() - started
    return leads / full, leads / bare


def rules_share() -> float:
    """Share of the full model's time spent inside the rulebook core (profiled, so indicative):
    registration decisions with their candidate matching, and the registration index upkeep."""
    scenario, rulebook = default_scenario(), load_rulebook(BASELINE)
    channel = generate_channel(scenario, 7, 0)
    profile = cProfile.Profile()
    profile.runcall(simulate, rulebook, scenario, channel)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = inside = 0.0
    for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        if name == "simulate" and path.endswith("model.py"):
            total = cumulative
        if path.endswith(("rules/registration.py", "rules/matching.py")) and name in (
            "decide_registration", "add", "remove"
        ):
            inside += cumulative
    return inside / total if total else float("nan")


def what_if_seconds(replications: int, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    what_if = prepare(BASELINE, PROPOSED, None, replications=replications, seed=7)
    reps = run_local(what_if, workers)
    results = summarise(what_if, reps)
    with tempfile.TemporaryDirectory() as out:
        write_outputs(results, Path(out))
    return time.perf_counter() - started, sum(r.leads for r in reps)


def main() -> None:
    full, bare = leads_per_second()
    print(f"full model (rules + lifecycle): {full:10,.0f} leads/s per core")
    print(f"bare SimPy (arrivals + queue):  {bare:10,.0f} leads/s per core")
    print(f"ratio full / bare:              {full / bare:10.3f}")
    print(f"target >= {LEAD_TARGET:,} leads/s per core: {'met' if full >= LEAD_TARGET else 'NOT met'}")
    print(f"time inside the rulebook core (decisions + index upkeep, profiled): {rules_share():.0%}")
    replications = 4 if os.environ.get("PARLEY_BENCH_QUICK") == "1" else 30
    seconds, leads = what_if_seconds(replications, workers=2)
    print(
        f"default what-if ({replications} replications x 2 rulebooks, 2 workers): {seconds:.1f}s "
        f"({2 * leads / seconds:,.0f} leads/s over both workers)"
    )
    if replications == 30:
        print(f"target < {WHAT_IF_TARGET:.0f}s: {'met' if seconds < WHAT_IF_TARGET else 'NOT met'}")
