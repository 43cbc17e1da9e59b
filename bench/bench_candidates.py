"""Conflict-candidate lookup per lead through the live data layer, beside the rules core's
``RegistrationIndex`` in memory on the same registrations, at growing numbers on file.

For each size (10k, 100k, 1M registrations; ``PARLEY_BENCH_QUICK=1``: 10k and 100k;
``PARLEY_BENCH_SIZES=10000,1000000`` chooses) on SQLite and on PostgreSQL
(``PARLEY_BENCH_DATABASES=postgresql`` runs one; ``PARLEY_BENCH_POSTGRES_URL``, default the local
server, where a throwaway database is created and dropped): registrations of sandbox-style
accounts (``simulation.names``, the channel generator's names, each account written several ways
by several partners) are loaded in bulk with their blocking keys; then 200 leads (half new
accounts, half other spellings of accounts on file) are looked up one at a time with
``conflict_candidates``, as the facts activity asks. Printed: p50/p95 per lead for both, the
ratio live / in memory, the mean number of candidates, and the growth of the live p95 from the
smallest size (targets: p95 under 10 ms at 1M on PostgreSQL, growth at most 2x).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from activities.registration_facts import CANDIDATE_STATES
from bench.postgres import throwaway_database
from rules.matching import AccountKey, RegistrationIndex, similar_entries
from simulation.names import account_stems, written
from store.crud.blocks import account_blocks
from store.crud.registration_process import conflict_candidates
from store.engine import create_engine_for, session_scope
from store.models import Partner, Registration, RegistrationBlock
from store.rules_view import existing_registration
from store.schema import upgrade_database

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
WRITINGS_PER_ACCOUNT = 3  # registrations per account on file (partners, spellings, years)
PARTNERS = 50
LEADS = 200
STATES = ("approved", "approved", "expired", "lost", "won", "withdrawn", "pending_approval")
TARGET_P95_MS = 10.0
REVIEW_THRESHOLD = 0.8  # rulebooks/default.yaml registration.conflict.name_review_threshold
TARGET_GROWTH = 2.0
_CHUNK = 20_000


def _domain(stem: str, i: int) -> str:
    slug = "".join(c for c in stem.lower() if c.isalnum())
    return slug + (".com", ".io", ".net", ".co.uk")[i % 4]


def _rows(size: int, rng: np.random.Generator) -> tuple[list[dict[str, object]], list[str]]:
    accounts = max(1, size // WRITINGS_PER_ACCOUNT)
    stems = account_stems(rng, accounts + LEADS)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    which = rng.integers(0, accounts, size)
    choice, legal = rng.integers(0, 5, size), rng.integers(0, 6, size)
    partner, state = rng.integers(1, PARTNERS + 1, size), rng.integers(0, len(STATES), size)
    rows = []
    for n in range(size):
        a = int(which[n])
        name, host = written(stems[a], _domain(stems[a], a), int(choice[n]), int(legal[n]))
        submitted = start + timedelta(minutes=n)
        rows.append(
            {
                "id": n + 1, "workflow_id": f"registration-{partner[n]}-b{n}", "partner_id": int(partner[n]),
                "request_key": f"b{n}", "account_name": name[:200], "account_domain": host,
                "territory": "us-west", "vertical": "retail", "product_line": "network",
                "deal_value": 50_000.0, "submitted_by": "bench", "rulebook_version": "bench",
                "normalised_name": name.lower()[:200], "normalised_domain": host, "account_key": f"k{a}",
                "state": STATES[int(state[n])], "submitted_at": submitted, "updated_at": submitted,
                "expires_at": submitted + timedelta(days=90), "extensions_used": 0, "last_reason_codes": [],
            }
        )  # fmt: skip
    return rows, stems[accounts:]


def _load(engine: Engine, rows: list[dict[str, object]]) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Partner),
            [{"id": i, "name": f"Bench {i}", "tier": "gold", "status": "active", "territories": ["us-west"],
              "verticals": ["retail"], "certifications": [], "created_at": datetime.now(UTC),
              "updated_at": datetime.now(UTC)} for i in range(1, PARTNERS + 1)],
        )  # fmt: skip
    for at in range(0, len(rows), _CHUNK):
        chunk = rows[at : at + _CHUNK]
        blocks = [
            {"block": block, "registration_id": row["id"]}
            for row in chunk
            for block in account_blocks(str(row["account_name"]), str(row["account_domain"]))
        ]
        with engine.begin() as connection:
            connection.execute(insert(Registration), chunk)
            connection.execute(insert(RegistrationBlock), blocks)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))  # both databases plan the block join from statistics


def _leads(
    rows: list[dict[str, object]], new_stems: list[str], rng: np.random.Generator
) -> list[tuple[str, str]]:
    leads = []
    for n in range(LEADS):
        if n % 2:
            stem = new_stems[n]
            leads.append(written(stem, _domain(stem, n), n % 5, n % 6))
        else:
            row = rows[int(rng.integers(0, len(rows)))]
            leads.append((str(row["account_name"]).upper(), ""))  # another spelling, no domain
    return leads


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _measure(engine: Engine, rows: list[dict[str, object]], leads: list[tuple[str, str]]) -> dict[str, float]:
    live: list[float] = []
    found: list[int] = []
    with session_scope(engine) as session:
        for name, domain in leads[:10]:  # warm the connection and the caches
            conflict_candidates(session=session, account_name=name, account_domain=domain,
                                exclude_workflow_id="-", states=CANDIDATE_STATES)  # fmt: skip
        for name, domain in leads:
            started = time.perf_counter()
            got = conflict_candidates(session=session, account_name=name, account_domain=domain,
                                      exclude_workflow_id="-", states=CANDIDATE_STATES)  # fmt: skip
            live.append(time.perf_counter() - started)
            found.append(len(got))
            session.expunge_all()
    index = RegistrationIndex(
        existing_registration(Registration(**row))  # type: ignore[arg-type]
        for row in rows
        if row["state"] in CANDIDATE_STATES
    )
    memory: list[float] = []
    matches: list[int] = []
    for name, domain in leads:
        started = time.perf_counter()
        index.candidates(name, domain)
        memory.append(time.perf_counter() - started)
        # What any lookup must return at least: the registrations the rules core scores at or above
        # the default rulebook's review line (not timed).
        key = AccountKey.of(name, domain)
        matches.append(len(similar_entries(key, index.keyed_candidates(key), REVIEW_THRESHOLD)))
    live_p50, live_p95 = _percentiles(live)
    mem_p50, mem_p95 = _percentiles(memory)
    return {"live_p50": live_p50, "live_p95": live_p95, "mem_p50": mem_p50, "mem_p95": mem_p95,
            "candidates": statistics.fmean(found), "matches": statistics.fmean(matches)}  # fmt: skip


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parley-bench-candidates-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    with throwaway_database("parley_bench_candidates") as url:
        yield url


def main() -> None:
    sizes: tuple[int, ...] = QUICK_SIZES if os.environ.get("PARLEY_BENCH_QUICK") == "1" else SIZES
    if chosen := os.environ.get("PARLEY_BENCH_SIZES"):
        sizes = tuple(int(size) for size in chosen.split(","))
    kinds = os.environ.get("PARLEY_BENCH_DATABASES", "sqlite,postgresql").split(",")
    for kind in kinds:
        first_p95: float | None = None
        for size in sizes:
            rng = np.random.default_rng(size)
            rows, new_stems = _rows(size, rng)
            with _database(kind) as url:
                if url is None:  # no PostgreSQL server, as throwaway_database said
                    break
                upgrade_database(url)
                engine = create_engine_for(url)
                started = time.perf_counter()
                _load(engine, rows)
                loaded = time.perf_counter() - started
                figures = _measure(engine, rows, _leads(rows, new_stems, rng))
                engine.dispose()
            first_p95 = first_p95 or figures["live_p95"]
            growth = figures["live_p95"] / first_p95
            print(
                f"{kind:10} {size:>9,} on file (loaded in {loaded:5.1f}s): live p50/p95 "
                f"{figures['live_p50'] * 1e3:6.2f}/{figures['live_p95'] * 1e3:6.2f} ms, in memory "
                f"{figures['mem_p50'] * 1e3:6.3f}/{figures['mem_p95'] * 1e3:6.3f} ms, ratio p95 live/memory "
                f"{figures['live_p95'] / figures['mem_p95']:6.1f}, {figures['candidates']:7.1f} candidates "
                f"and {figures['matches']:5.1f} matches >= {REVIEW_THRESHOLD} per lead, p95 growth from "
                f"{sizes[0]:,}: {growth:4.1f}x",
                flush=True,
            )
            if kind == "postgresql" and size == 1_000_000:
                met = figures["live_p95"] * 1e3 < TARGET_P95_MS and growth <= TARGET_GROWTH
                print(f"target p95 < {TARGET_P95_MS:.0f} ms at 1M on PostgreSQL, growth <= "
                      f"{TARGET_GROWTH:.0f}x: {'met' if met else 'NOT met'}")  # fmt: skip
