"""The live RoE health dashboard on SQLite and PostgreSQL, checked three ways: against figures
computed by hand on a small data set written through the store's data layer, against
``simulation.kpis`` computed directly on the adapter's ledger, and against a what-if's prediction.
Who may see it, and that no partner is named, are checked too.

The data set (A and B are the Mondays two weeks and one week before this week's):

====  =======  ========  =====================================================================
reg   partner  version   what happened
====  =======  ========  =====================================================================
r1    P1       2025.4    A+10h review; SLA escalated A+58h; approved by a person A+70h; won,
                         one extension
r2    P2       2025.4    A+20h rejected by the rules (first to register); disputed A+40h,
                         upheld A+70h
r3    P1       2026.1    A+30h approved by the rules; expired; honoured by P1's exit
r4    P1       2026.1    B+8h review (fuzzy duplicate); SLA escalated B+56h, B+80h; rejected by
                         the default action B+104h
r5    P2       2026.1    B+9h review; approved by a person B+21h; lost; a discount exception
                         asked B+30h, reviewed, approved B+36h
r6    P3       2026.1    B+10h rejected by the rules (direct sales engaged)
r7    P3       2025.4    B+11h review; SLA escalated B+59h; still pending
====  =======  ========  =====================================================================

P1's exit gives notice at B+50h under 2026.1.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from simulation.kpis import compute
from simulation.ledger import DecidedBy, DiscountFate, ExitFate, Fate, Final, Revision
from simulation.ledger import Dispute as DisputeFate
from simulation.runner import from_texts, run_local, summarise
from store.crud import disputes as disputes_crud
from store.crud import exits as exits_crud
from store.crud import partners as partners_crud
from store.crud import records as records_crud
from store.crud import registrations as registrations_crud
from store.crud import rulebooks as runs_crud
from store.crud import users as users_crud
from store.crud.discounts import create_discount, get_discount, update_discount
from store.engine import get_engine, session_scope
from store.models import DiscountException, Dispute, Exit, ExitDisposition, Registration
from store.models.types import utcnow
from tests.web.conftest import PASSWORD, signed_in
from tests.web.ops_fixtures import DEFAULT_RULEBOOK, OpsDirs, ops_dirs, rulebook_yaml, tiny_scenario_yaml
from web.live_ledger import live_ledger
from web.live_records import Event, LiveRecords, read_live_records

__all__ = ["ops_dirs"]  # the fixture, imported for pytest

NAN = math.nan
LEVELS = 3  # the default rulebook's approval route: channel account manager, director, VP
PARTNER_NAMES = ("Northwind Systems", "Contoso Partners", "Fabrikam Resellers")

# Figures by hand (hours for latencies, fractions for rates).
WEEK_A = {
    "registrations": 3, "conflict_rate": 1 / 3, "duplicate_rate": 0.0, "auto_decision_rate": 2 / 3,
    "approval_latency_p50": 60.0, "approval_latency_p95": 60.0, "sla_breach_rate": 1.0,
    "default_action_rate": 0.0, "time_to_decision": 20.0, "approved_rate": 2 / 3, "expired": 1,
    "extensions": 1, "win_rate": 1.0, "fairness_gini": 2 / 3, "disputes_opened": 1,
    "dispute_resolution_p50": 30.0, "dispute_default_rate": 0.0, "dispute_outcome.uphold": 1,
    "exits": 0, "exit_honoured": 1, "discount_latency_p50": NAN, "escalations.level_1": 1,
    "escalations.level_2": 0,
}  # fmt: skip
WEEK_B = {
    "registrations": 4, "conflict_rate": 0.25, "duplicate_rate": 0.25, "auto_decision_rate": 0.25,
    "approval_latency_p50": 54.0, "approval_latency_p95": 91.8, "sla_breach_rate": 0.5,
    "default_action_rate": 0.5, "time_to_decision": 36.0, "approved_rate": 0.25, "expired": 0,
    "extensions": 0, "win_rate": 0.0, "fairness_gini": 2 / 3, "discount_latency_p50": 6.0,
    "discount_win_rate": 0.0, "approved_depth": NAN, "disputes_opened": 0, "exits": 1,
    "escalations.level_1": 2, "escalations.level_2": 1, "escalations.level_3": 1,
}  # fmt: skip
VERSION_2025 = {
    "registrations": 3, "conflict_rate": 1 / 3, "auto_decision_rate": 1 / 3, "approval_latency_p50": 60.0,
    "sla_breach_rate": 1.0, "time_to_decision": 30.0, "approved_rate": 1 / 3, "fairness_gini": 2 / 3,
    "disputes_opened": 1, "exits": 0, "escalations.level_1": 2,
}  # fmt: skip
VERSION_2026 = {
    "registrations": 4, "conflict_rate": 0.25, "duplicate_rate": 0.25, "auto_decision_rate": 0.5,
    "approval_latency_p50": 54.0, "sla_breach_rate": 0.5, "default_action_rate": 0.5,
    "time_to_decision": 27.0, "approved_rate": 0.5, "expired": 1, "win_rate": 0.0,
    "fairness_gini": 1 / 3, "exits": 1, "exit_honoured": 1,
}  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    a: datetime
    b: datetime
    registrations: dict[str, str]
    week_a: str
    week_b: str


def _label(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _event(db: Session, pid: str, action: str, at: datetime, actor: str = "rule:test",
           codes: tuple[str, ...] = (), process_type: str = "registration",
           before: str | None = None, after: str | None = None) -> None:  # fmt: skip
    records_crud.append_audit_event(
        session=db,
        data={"process_type": process_type, "process_id": pid, "actor": actor, "action": action,
              "reason_codes": list(codes), "before_state": before, "after_state": after, "at": at,
              "idempotency_key": f"{pid}:{action}:{at.isoformat()}"},
    )  # fmt: skip


def _user(db: Session, username: str, roles: list[str], partner_id: int | None = None) -> None:
    users_crud.create_user(
        session=db,
        data={"username": username, "display_name": username.title(), "password": PASSWORD,
              "roles": roles, "partner_id": partner_id},
    )  # fmt: skip


def seed() -> Seeded:
    """The data set of the module docstring, plus a partner-ops user ``ops``, an approver
    ``cam``, a partner user ``pat`` and an ``admin``."""
    now = utcnow()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    a, b = monday - timedelta(days=14), monday - timedelta(days=7)

    def h(base: datetime, hours: float) -> datetime:
        return base + timedelta(hours=hours)

    with session_scope() as db:
        partners = [
            partners_crud.create_partner(
                session=db, data={"name": name, "tier": "gold", "territories": ["us-west"]}
            )
            for name in PARTNER_NAMES
        ]
        p1, p2, p3 = (p.id for p in partners)
        assert p1 and p2 and p3
        _user(db, "ops", ["partner_ops"])
        _user(db, "cam", ["channel_account_manager"])
        _user(db, "pat", ["partner"], p1)
        _user(db, "admin", ["admin"])
        regs: dict[str, str] = {}

        def reg(name: str, partner: int, version: str, at: datetime, value: float, state: str) -> str:
            wid = f"registration-{partner}-{name}"
            registrations_crud.create_registration(session=db, data={
                "workflow_id": wid, "partner_id": partner, "request_key": name,
                "account_name": f"Account {name.upper()} Holdings", "territory": "us-west",
                "vertical": "retail", "product_line": "core-platform", "deal_value": value,
                "submitted_by": "pat", "rulebook_version": version, "state": state, "submitted_at": at,
            })  # fmt: skip
            regs[name] = wid
            return wid

        r1 = reg("r1", p1, "2025.4", h(a, 10), 100_000, "won")
        registrations_crud.update_registration(session=db, workflow_id=r1, extensions_used=1)
        _event(db, r1, "review.opened", h(a, 10), "rule:approval.required", ("approval.required",))
        _event(db, r1, "review.escalated", h(a, 58), "rule:sla.escalated", ("sla.escalated",))
        _event(db, r1, "registration.approved", h(a, 70), "director", ("approval.approved",))

        r2 = reg("r2", p2, "2025.4", h(a, 20), 50_000, "rejected")
        _event(db, r2, "registration.rejected", h(a, 20), "rule:conflict.first_to_register",
               ("conflict.first_to_register",))  # fmt: skip
        disputes_crud.create_dispute(session=db, data={
            "workflow_id": "dispute-r2", "contest_key": f"{r2}|{r1}", "claimant_side": "partner",
            "respondent_side": "partner", "claimant_partner_id": p2, "respondent_partner_id": p1,
            "claimant_registration_id": r2, "respondent_registration_id": r1,
            "product_line": "core-platform", "contested_codes": ["conflict.first_to_register"],
            "opened_by": "pat2", "rulebook_version": "2025.4",
        })  # fmt: skip
        # The store stamps a dispute's opening with the clock; the data set needs it in week A.
        dispute = disputes_crud.get_dispute(session=db, workflow_id="dispute-r2")
        dispute.opened_at = h(a, 40)
        db.add(dispute)
        disputes_crud.update_dispute(session=db, workflow_id="dispute-r2", state="resolved", at=h(a, 70),
                                     level=0, due_at=None, resolution="uphold")  # fmt: skip

        r3 = reg("r3", p1, "2026.1", h(a, 30), 80_000, "expired")
        _event(db, r3, "registration.approved", h(a, 30), "rule:auto.approved", ("auto.approved",))

        r4 = reg("r4", p1, "2026.1", h(b, 8), 120_000, "rejected")
        _event(db, r4, "review.opened", h(b, 8), "rule:approval.required",
               ("approval.required", "duplicate.fuzzy_match"))  # fmt: skip
        _event(db, r4, "review.escalated", h(b, 56), "rule:sla.escalated", ("sla.escalated",))
        _event(db, r4, "review.escalated", h(b, 80), "rule:sla.escalated", ("sla.escalated",))
        _event(db, r4, "registration.rejected", h(b, 104), "rule:sla.default_action", ("sla.default_action",))

        r5 = reg("r5", p2, "2026.1", h(b, 9), 60_000, "lost")
        _event(db, r5, "review.opened", h(b, 9), "rule:approval.required", ("approval.required",))
        _event(db, r5, "registration.approved", h(b, 21), "cam", ("approval.approved",))
        create_discount(session=db, data={
            "workflow_id": "discount-r5", "partner_id": p2, "registration_workflow_id": r5,
            "request_key": "d1", "requested_discount": 0.2, "deal_value": 60_000,
            "submitted_by": "pat2", "rulebook_version": "2026.1",
        })  # fmt: skip
        update_discount(session=db, workflow_id="discount-r5", state="approved", at=h(b, 36),
                        requested_discount=0.2, deal_value=60_000, competitor="", justification="",
                        rulebook_version="2026.1", standard_discount=0.05, total_discount=0.25, band=1,
                        valid_until=h(b, 36 + 720), decided_at=h(b, 36), revisions=0,
                        reason_codes=["approval.approved"])  # fmt: skip
        discount = get_discount(session=db, workflow_id="discount-r5")
        discount.created_at = h(b, 30)  # stamped with the clock by the store, like a dispute's opening
        db.add(discount)
        _event(db, "discount-r5", "review.opened", h(b, 30), "rule:discount.approval_required",
               ("discount.approval_required",), "discount")  # fmt: skip
        _event(db, "discount-r5", "discount.approved", h(b, 36), "deal_desk", ("approval.approved",),
               "discount", after="approved")  # fmt: skip

        r6 = reg("r6", p3, "2026.1", h(b, 10), 40_000, "rejected")
        _event(db, r6, "registration.rejected", h(b, 10), "rule:conflict.direct_engaged",
               ("conflict.direct_engaged",))  # fmt: skip

        r7 = reg("r7", p3, "2025.4", h(b, 11), 30_000, "pending_approval")
        _event(db, r7, "review.opened", h(b, 11), "rule:approval.required", ("approval.required",))
        _event(db, r7, "review.escalated", h(b, 59), "rule:sla.escalated", ("sla.escalated",))

        exit_row = exits_crud.create_exit(session=db, workflow_id="exit-p1", partner_id=p1,
                                          exit_type="voluntary", why="Leaving the program",
                                          started_by="ops", rulebook_version="2026.1")  # fmt: skip
        _event(db, exit_row.workflow_id, "exit.notice_given", h(b, 50), "ops", (), "exit", after="notice")
        exits_crud.record_dispositions(session=db, exit_workflow_id=exit_row.workflow_id, records=[
            exits_crud.DispositionRecord(r3, "honour_until_expiry", "honoured", h(b, 50),
                                         ["exit.honour_until_expiry"]),
        ], at=h(b, 50))  # fmt: skip
    return Seeded(a, b, regs, _label(a), _label(b))


@pytest.fixture
def seeded(parley_database: str, ops_dirs: OpsDirs) -> Seeded:
    return seed()


def _csv(client: FlaskClient) -> list[dict[str, str]]:
    response = client.get("/dashboard.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _figures(rows: list[dict[str, str]], scope: str, period: str) -> dict[str, float]:
    return {r["kpi"]: float(r["value"]) if r["value"] else NAN for r in rows
            if r["scope"] == scope and r["period"] == period}  # fmt: skip


def _same(actual: float, expected: float) -> bool:
    return math.isnan(expected) if math.isnan(actual) else actual == pytest.approx(expected, abs=1e-9)


def _assert_figures(actual: dict[str, float], expected: dict[str, float], where: str) -> None:
    wrong = {k: (actual.get(k), v) for k, v in expected.items() if not _same(actual.get(k, NAN), v)}
    assert not wrong, f"{where}: (live, by hand) differ for {wrong}"


def _row(page: str, table: str, kpi: str) -> list[str]:
    """The cells of ``kpi``'s row in the table with ``data-testid=table``, tags stripped."""
    section = page.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
    row = section.split(f'data-kpi="{kpi}"', 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_figures_match_the_hand_computed_data_set(seeded: Seeded) -> None:
    client = signed_in("ops")
    rows = _csv(client)
    _assert_figures(_figures(rows, "week", seeded.week_a), WEEK_A, seeded.week_a)
    _assert_figures(_figures(rows, "week", seeded.week_b), WEEK_B, seeded.week_b)
    _assert_figures(_figures(rows, "version", "2025.4"), VERSION_2025, "2025.4")
    _assert_figures(_figures(rows, "version", "2026.1"), VERSION_2026, "2026.1")
    this_week = _label(utcnow())
    assert _figures(rows, "week", this_week)["registrations"] == 0
    assert math.isnan(_figures(rows, "week", this_week)["conflict_rate"])
    # What the live records cannot give is left out, never estimated.
    assert not {"revenue", "margin", "average_discount", "exit_revenue_kept"} & {r["kpi"] for r in rows}

    page = client.get("/dashboard").get_data(as_text=True)
    weeks = _row(page, "week-table", "registrations")
    assert len(weeks) == 8 and weeks[-3:] == ["3.0", "4.0", "0.0"]
    assert _row(page, "week-table", "conflict_rate")[-3:] == ["33.3%", "25.0%", "n/a"]
    assert _row(page, "week-table", "approval_latency_p50")[-3:-1] == ["60.0 h", "54.0 h"]
    assert _row(page, "week-table", "sla_breach_rate")[-3:-1] == ["100.0%", "50.0%"]
    assert _row(page, "version-table", "auto_decision_rate") == ["33.3%", "50.0%"]
    assert "Revenue</strong>: Closing a registration records won or lost" in page
    assert page.count("<svg") >= 6  # a chart per headline KPI


def test_the_adapter_fills_the_ledger_columns_from_the_records(seeded: Seeded) -> None:
    with Session(get_engine()) as db:
        ledger = live_ledger(read_live_records(db))
    # Rows in submission order: r1, r2, r3, r4, r5, r6, r7.
    assert ledger.first == [2, 1, 0, 2, 2, 1, 2]  # needs approval, auto-rejected, auto-approved
    assert ledger.final == [0, 1, 0, 1, 0, 1, 2]  # approved, rejected, pending
    assert ledger.decided_by == [1, 0, 0, 2, 1, 0, 3]  # person, rule, default, nobody
    assert ledger.breaches == [1, 0, 0, 3, 0, 0, 1]
    assert ledger.fate == [2, 0, 4, 0, 3, 0, 0]  # won, expired, lost
    assert ledger.exit == [0, 0, 1, 0, 0, 0, 0]  # r3 honoured
    assert ledger.discount_fate[4] == 2 and ledger.discount_reviewed[4] is True
    assert ledger.dispute[1] == 2  # upheld
    assert ledger.exits_given == [(seeded.b + timedelta(hours=50)).timestamp()]
    assert ledger.partners == 3 and ledger.codes[5] == ("conflict.direct_engaged",)
    assert math.isnan(ledger.net[0])  # won, but the amount booked is not on record


def test_figures_equal_the_sandbox_module_on_the_same_ledger(seeded: Seeded) -> None:
    rows = _csv(signed_in("ops"))
    with Session(get_engine()) as db:
        records = read_live_records(db)
    ledger = live_ledger(records)
    weeks = sorted({r["period"] for r in rows if r["scope"] == "week"})
    assert len(weeks) == 8
    for label in weeks:
        year, week = (int(x) for x in label.split("-W"))
        start = datetime.fromisocalendar(year, week, 1).replace(tzinfo=UTC)
        window = (start.timestamp(), (start + timedelta(days=7)).timestamp())
        expected = compute(replace(ledger, window=window), LEVELS)
        actual = _figures(rows, "week", label)
        assert actual, label
        _assert_figures(actual, {k: expected[k] for k in actual}, label)
    for version in ("2025.4", "2026.1"):
        expected = compute(live_ledger(records, version), LEVELS)
        actual = _figures(rows, "version", version)
        _assert_figures(actual, {k: expected[k] for k in actual}, version)


@pytest.mark.parametrize("username", ["cam", "pat", "admin"])
def test_only_partner_ops_see_the_dashboard(seeded: Seeded, username: str) -> None:
    client = signed_in(username)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard.csv").status_code == 403
    assert 'href="/dashboard"' not in client.get("/registrations/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(seeded: Seeded) -> None:
    from web import create_app

    client = create_app({"TESTING": True}).test_client()
    for path in ("/dashboard", "/dashboard.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_no_partner_is_named_and_the_csv_is_csv(seeded: Seeded) -> None:
    client = signed_in("ops")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard" aria-current="page"' in page  # the navigation link
    response = client.get("/dashboard.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="parley-dashboard-')
    body = response.get_data(as_text=True)
    assert body.splitlines()[0] == ("scope,period,kpi,label,unit,value,predicted,interval_low,"
                                    "interval_high,what_if_run")  # fmt: skip
    for text in (page, body):
        for secret in (*PARTNER_NAMES, "Holdings", "registration-", "pat2", "exit-p1"):
            assert secret not in text


def _results(
    proposed: str, baseline: str, values: dict[str, list[float]], means: dict[str, float]
) -> dict[str, Any]:
    """A what-if's results document (simulation.results' shape) with these proposed figures."""
    return {
        "schema": "parley.simulation.results/1",
        "run": {"replications": 5, "baseline": {"version": baseline}, "proposed": {"version": proposed},
                "scenario": {"name": "tiny", "horizon_days": 80.0, "warm_up_days": 10.0}},
        "kpis": [{"key": k, "label": k, "unit": "share", "better": "lower", "description": "",
                  "baseline": None, "proposed": m, "difference": None, "ci95": [None, None],
                  "replications": 5, "significant": False, "verdict": "unchanged"}
                 for k, m in means.items()],
        "per_replication": [{"replication": i, "leads": 10, "baseline": {},
                             "proposed": {k: v[i] for k, v in values.items()}} for i in range(5)],
    }  # fmt: skip


def _run(results: dict[str, Any], status: str, finished: datetime) -> int:
    with session_scope() as db:
        run = runs_crud.create_simulation_run(session=db, data={
            "baseline_version": results["run"]["baseline"]["version"], "proposed_label": "x.yaml",
            "replications": 5, "seed": 1, "created_by": "ops",
        })  # fmt: skip
        assert run.id is not None
        runs_crud.update_simulation_run(
            session=db, run_id=run.id, status=status, results=results, at=finished
        )
        return run.id


def test_the_version_in_force_beside_its_latest_what_if(seeded: Seeded) -> None:
    client = signed_in("ops")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "No what-if has been run for version 2026.1." in page

    values: dict[str, list[float]] = {
        "conflict_rate": [0.2, 0.25, 0.3, 0.35, 0.4], "registrations": [600, 650, 700, 750, 800],
        "approval_latency_p50": [30, 35, 40, 45, 50],
    }  # fmt: skip
    means = {"conflict_rate": 0.3, "registrations": 700.0, "approval_latency_p50": 40.0}
    long_ago = utcnow() - timedelta(days=30)
    _run(_results("2026.1", "2025.4", values, {k: m * 2 for k, m in means.items()}), "completed", long_ago)
    _run(_results("2099.1", "2026.1", values, means), "completed", long_ago)  # the baseline's side
    run_id = _run(_results("2026.1", "2025.4", values, means), "completed", utcnow() - timedelta(days=1))
    _run(_results("2026.1", "2025.4", values, {k: 0.0 for k in means}), "failed", utcnow())

    page = client.get("/dashboard").get_data(as_text=True)
    assert "No what-if has been run" not in page
    assert f'href="/sandbox/runs/{run_id}"' in page and "2026.1 as its proposed, compared with 2025.4" in page
    assert _row(page, "comparison", "conflict_rate") == ["25.0%", "30.0%", "20.5% … 39.5%", "inside"]
    assert _row(page, "comparison", "approval_latency_p50") == [
        "54.0 h",
        "40.0 h",
        "30.5 h … 49.5 h",
        "outside",
    ]
    assert _row(page, "comparison", "duplicate_rate")[1] == "not predicted"

    rows = [r for r in _csv(client) if r["scope"] == "in_force_vs_what_if"]
    by_kpi = {r["kpi"]: r for r in rows}
    conflict = by_kpi["conflict_rate"]
    assert (conflict["period"], conflict["what_if_run"]) == ("2026.1", str(run_id))
    assert [float(conflict[k]) for k in ("value", "predicted", "interval_low", "interval_high")] == (
        pytest.approx([0.25, 0.3, 0.205, 0.395])
    )
    # Counts per week on both sides: 70 simulated days are 10 weeks; live since 2026-01-01.
    registrations = by_kpi["registrations"]
    weeks_in_force = (utcnow() - datetime(2026, 1, 1, tzinfo=UTC)) / timedelta(days=7)
    assert registrations["unit"] == "count per week"
    assert float(registrations["value"]) == pytest.approx(4 / weeks_in_force, rel=1e-4)
    assert [float(registrations[k]) for k in ("predicted", "interval_low", "interval_high")] == (
        pytest.approx([70.0, 60.5, 79.5])
    )
    assert by_kpi["duplicate_rate"]["predicted"] == "" and by_kpi["duplicate_rate"]["what_if_run"] == ""


def test_a_real_what_ifs_results_are_read_as_its_page_shows_them(seeded: Seeded) -> None:
    """The results document of a real (tiny) what-if of 2026.1 against an older version, stored
    as the run's workflow stores it: the dashboard reads its figure and replications."""
    proposed = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    baseline = rulebook_yaml("2025.4", "2025-06-01T00:00:00Z", protection_period="60d")
    what_if = from_texts(baseline, proposed, tiny_scenario_yaml(), replications=3, seed=5)
    results = json.loads(json.dumps(summarise(what_if, run_local(what_if, workers=1))))
    run_id = _run(results, "completed", utcnow())

    client = signed_in("ops")
    rows = {r["kpi"]: r for r in _csv(client) if r["scope"] == "in_force_vs_what_if"}
    entry = next(k for k in results["kpis"] if k["key"] == "conflict_rate")
    reps = [r["proposed"]["conflict_rate"] for r in results["per_replication"]]
    conflict = rows["conflict_rate"]
    assert conflict["what_if_run"] == str(run_id)
    assert float(conflict["predicted"]) == pytest.approx(entry["proposed"])
    assert float(conflict["interval_low"]) == pytest.approx(np.percentile(reps, 2.5))
    assert float(conflict["interval_high"]) == pytest.approx(np.percentile(reps, 97.5))
    assert min(reps) <= float(conflict["interval_low"]) <= float(conflict["interval_high"]) <= max(reps)
    weeks = (results["run"]["scenario"]["horizon_days"] - results["run"]["scenario"]["warm_up_days"]) / 7
    registrations = next(k for k in results["kpis"] if k["key"] == "registrations")
    assert float(rows["registrations"]["predicted"]) == pytest.approx(registrations["proposed"] / weeks)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "2026.1 as its proposed, compared with 2025.4" in page
    assert 'aria-label="Live figures against the what-if\'s prediction"' in page


def _reg(name: str, partner: int, state: str, at: float, extensions: int = 0) -> Registration:
    return Registration(
        workflow_id=name, partner_id=partner, request_key=name, account_name=name, territory="us-west",
        vertical="retail", product_line="core-platform", deal_value=1000.0, submitted_by="pat",
        rulebook_version="2026.1", normalised_name=name, account_key=name, state=state,
        submitted_at=datetime.fromtimestamp(at, UTC), extensions_used=extensions,
    )  # fmt: skip


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _discount(
    workflow_id: str, registration: str, state: str, total: float, created: float
) -> DiscountException:
    return DiscountException(
        workflow_id=workflow_id, registration_workflow_id=registration, state=state, partner_id=1,
        request_key=workflow_id, requested_discount=total, deal_value=1000.0, submitted_by="pat",
        rulebook_version="2026.1", total_discount=total, standard_discount=0.05, created_at=_at(created),
    )  # fmt: skip


def _disposition(
    registration: str, disposition: str, codes: list[str], taker: str | None = None
) -> ExitDisposition:
    return ExitDisposition(
        exit_workflow_id="x1", registration_id=registration, disposition=disposition, state="applied",
        effective_at=_at(25), reason_codes=codes, transferee_registration_id=taker,
    )  # fmt: skip


def _exit(workflow_id: str, version: str) -> Exit:
    return Exit(
        workflow_id=workflow_id, partner_id=1, exit_type="voluntary", why="-", started_by="ops",
        rulebook_version=version, previous_status="active",
    )  # fmt: skip


def _ev(action: str, at: float, actor: str = "rule:x", codes: tuple[str, ...] = (), after: str | None = None,
        before: str | None = None) -> Event:  # fmt: skip
    return Event(action, actor, at, codes, before, after)


def test_the_adapter_maps_transfers_returns_withdrawals_revisions_and_closings() -> None:
    """The mappings the hand-computed data set does not reach, on records made in memory."""
    auto = (_ev("registration.approved", 0, "rule:auto.approved", ("auto.approved",)),)
    records = LiveRecords(
        registrations=[
            _reg("t1", 1, "released", 0), _reg("t2", 1, "released", 1), _reg("t3", 2, "withdrawn", 2),
            _reg("t4", 2, "withdrawn", 3), _reg("t5", 2, "approved", 4), _reg("t1x", 2, "won", 50, 1),
        ],
        partner_ids=[1, 2],
        events={
            "t1": list(auto), "t2": list(auto), "t3": list(auto),
            "t4": [_ev("review.opened", 3, codes=("approval.required",))],
            "t5": [_ev("review.opened", 4), _ev("review.escalated", 5, "cam", ("approval.escalated",)),
                   _ev("registration.approved", 9, "director")],
            "d1": [_ev("discount.approved", 10, after="approved"),
                   _ev("discount.revised", 11, "pat", after="approved")],
            "d3": [_ev("review.opened", 10), _ev("discount.approved", 12, "desk", after="approved"),
                   _ev("discount.revised", 13, "pat", after="pending_approval"), _ev("review.opened", 13),
                   _ev("discount.approved", 14, "desk", after="approved"),
                   _ev("discount.closed", 20, before="approved", after="closed")],
            "x1": [_ev("exit.notice_given", 30)], "x2": [_ev("exit.refused", 31)],
        },
        discounts={"t1": _discount("d1", "t1", "approved", 0.2, 10),
                   "t3": _discount("d3", "t3", "closed", 0.3, 9)},
        disputes={
            "t4": Dispute(workflow_id="p4", contest_key="t4|t0", claimant_side="partner",
                          respondent_side="partner", product_line="core-platform", opened_by="pat",
                          rulebook_version="2026.1",
                          state="withdrawn", opened_at=_at(5)),
        },
        dispositions={
            "t1": _disposition("t1", "transfer", ["exit.transfer"], "t1x"),
            "t2": _disposition("t2", "return_to_direct", ["exit.no_transferee", "exit.return_to_direct"]),
        },
        exits=[_exit("x1", "2026.1"), _exit("x2", "2025.4")],
    )  # fmt: skip
    ledger = live_ledger(records)
    assert len(ledger.arrival) == 5  # the transferee's registration is the transferred deal's row
    assert ledger.fate == [Fate.WON, Fate.RETURNED, Fate.RELEASED, Fate.NOT_PROTECTED, Fate.OPEN]
    assert ledger.exit[:2] == [ExitFate.TRANSFERRED, ExitFate.UNCLAIMED] and ledger.extensions[0] == 1
    assert ledger.final[3] == Final.PENDING and ledger.dispute[3] == DisputeFate.OPEN
    assert ledger.breaches[4] == 0 and ledger.decided_by[4] == DecidedBy.PERSON  # escalated by hand
    assert (ledger.discount_fate[0], ledger.revision[0]) == (DiscountFate.AUTOMATIC, Revision.COVERED)
    assert (ledger.discount_fate[2], ledger.revision[2]) == (DiscountFate.APPROVED, Revision.ASKED_AGAIN)
    assert (ledger.discount_asked_at[2], ledger.discount_decided_at[2]) == (9.0, 12.0)
    assert ledger.discount[0] == 0.2  # won with the exception granted: its total discount
    assert (ledger.exits_given, ledger.exits_refused) == ([30.0], [31.0])
    assert live_ledger(records, "2025.4").exits_refused == [31.0]
    figures = compute(ledger, LEVELS)
    assert (figures["exit_transferred"], figures["exit_returned"], figures["exit_value_to_direct"]) == (
        1,
        1,
        1000,
    )
    assert (figures["discount_revisions"], figures["revision_reapproval_rate"]) == (2, 0.5)
    assert figures["approved_depth"] == 0.2 and figures["disputes_opened"] == 1
