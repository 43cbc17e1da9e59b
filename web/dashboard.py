"""The live Rules-of-Engagement health dashboard, for partner operations.

The sandbox's KPI definitions (``simulation.kpis``, the module itself) computed over the live
records through one adapter (``web.live_ledger``): by ISO week, by rulebook version, and for the
version in force beside what its latest completed what-if predicted. ``/dashboard.csv`` has the
same figures. Only aggregates are shown: no partner is named. See docs/dashboard.md.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from parley.errors import NotFound
from rules import RulebookInvalid
from simulation.kpis import BASE_KPIS, DISCOUNT_KPIS, DISPUTE_KPIS, EXIT_KPIS, Kpi, format_value
from store.crud import rulebooks as versions_crud
from store.engine import session_scope
from store.models.types import utcnow
from web import rulebook_sources as sources
from web.dashboard_charts import against_prediction, week_panel
from web.dashboard_figures import Dashboard, build_dashboard
from web.live_ledger import NOTES, UNMEASURED
from web.ops_access import partner_ops_required
from web.paging import int_arg

bp = Blueprint("dashboard", __name__)

DEFAULT_WEEKS, MAX_WEEKS = 8, 52
HEADLINES = ("registrations", "conflict_rate", "auto_decision_rate", "approval_latency_p50",
             "sla_breach_rate", "approved_rate")  # fmt: skip
SECTIONS = (
    ("Registrations", {k.key for k in BASE_KPIS}),
    ("Discount exceptions", {k.key for k in DISCOUNT_KPIS}),
    ("Disputes", {k.key for k in DISPUTE_KPIS}),
    ("Partner exits", {k.key for k in EXIT_KPIS}),
)
CSV_COLUMNS = ("scope", "period", "kpi", "label", "unit", "value", "predicted", "interval_low",
               "interval_high", "what_if_run")  # fmt: skip


def _in_force(now: datetime) -> tuple[tuple[str, datetime] | None, int, str | None]:
    """The version in force (the library's, as processes pin it; the database's record when the
    library names none), the longest approval route among the library's versions, and why the
    library could not be read, if it could not."""
    problem, levels = None, 0
    try:
        library = sources.library()
        levels = max((len(rb.registration.approval_route) for rb in library), default=0)
        governing = library.governing(now)
        return (governing.version, governing.effective_from), levels, None
    except RulebookInvalid as exc:
        problem = f"The rulebook library cannot be read ({len(exc.problems)} problems)."
    except NotFound:
        pass
    with session_scope() as db:
        row = versions_crud.rulebook_version_in_force(session=db, at=now)
    return ((row.version, row.effective_from) if row else None), levels, problem


def _board(weeks: int) -> tuple[Dashboard, str | None]:
    now = utcnow()
    in_force, levels, problem = _in_force(now)
    with session_scope() as db:
        return build_dashboard(db, now, weeks, levels, in_force), problem


def _section(kpi: Kpi) -> str:
    return next((name for name, keys in SECTIONS if kpi.key in keys), "Escalations")


def _number(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


@bp.get("/dashboard")
@partner_ops_required
def index() -> ResponseReturnValue:
    weeks = min(max(int_arg("weeks", DEFAULT_WEEKS) or DEFAULT_WEEKS, 1), MAX_WEEKS)
    board, problem = _board(weeks)
    labels = [w.label for w in board.weeks]
    by_key = {k.key: k for k in board.kpis}
    charts = week_panel([(by_key[key], [f[key] for f in board.by_week]) for key in HEADLINES], labels)
    sections: dict[str, list[Kpi]] = {}
    for kpi in board.kpis:
        sections.setdefault(_section(kpi), []).append(kpi)
    return render_template(
        "dashboard/index.html",
        board=board,
        weeks=weeks,
        charts=charts,
        comparison_chart=against_prediction(board.comparison) if board.prediction else None,
        sections=sections,
        fmt=format_value,
        notes=NOTES,
        unmeasured=[*((k, UNMEASURED[k.key]) for k in board.unmeasured), (None, UNMEASURED["utilisation"])],
        problem=problem,
    )


def csv_rows(board: Dashboard) -> list[list[str]]:
    """The page's figures, one KPI of one period per row: weeks, versions, and the version in
    force beside its prediction (counts and money per week there, as on the page)."""
    rows = []
    for scope, periods, values in (
        ("week", [w.label for w in board.weeks], board.by_week),
        ("version", board.versions, board.by_version),
    ):
        for period, figures in zip(periods, values, strict=True):
            for kpi in board.kpis:
                rows.append([scope, period, kpi.key, kpi.label, kpi.unit, _number(figures[kpi.key]),
                             "", "", "", ""])  # fmt: skip
    prediction = board.prediction
    for c in board.comparison:
        p = c.predicted
        unit = f"{c.kpi.unit} per week" if c.per_week else c.kpi.unit
        rows.append([
            "in_force_vs_what_if", board.in_force or "", c.kpi.key, c.kpi.label, unit, _number(c.live),
            _number(p.value if p else None), _number(p.low if p else None), _number(p.high if p else None),
            str(prediction.run_id) if prediction and p else "",
        ])  # fmt: skip
    return rows


@bp.get("/dashboard.csv")
@partner_ops_required
def export() -> ResponseReturnValue:
    weeks = min(max(int_arg("weeks", DEFAULT_WEEKS) or DEFAULT_WEEKS, 1), MAX_WEEKS)
    board, _problem = _board(weeks)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(board))
    stamp = f"{board.now:%Y%m%d}"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="parley-dashboard-{stamp}.csv"'},
    )
