"""The dashboard's charts: inline SVG drawn on the server, no script (the pages work without
JavaScript). Colours are the sandbox report's (``simulation.svg``), so a reader of both sees the
same blue for a prediction and the same green and red for inside and outside it."""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from simulation.kpis import Kpi, format_value
from simulation.svg import BAD, BASE_COLOUR, GOOD, NEUTRAL, PROP_COLOUR
from web.dashboard_figures import Comparison


def _defined(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]


CHART_W, CHART_H, COLUMNS = 380, 170, 3


def week_bars(kpi: Kpi, labels: list[str], values: list[float], x0: float = 0, y0: float = 0) -> str:
    """One KPI across the weeks: a bar per week, its value above it ("n/a" when undefined); an
    ``<svg>`` element placed at (``x0``, ``y0``) of the panel that holds it."""
    width, height, left, top, bottom = CHART_W, CHART_H, 8, 30, 34
    n = max(len(labels), 1)
    slot = (width - 2 * left) / n
    plot_h = height - top - bottom
    peak = max([*_defined(values), 1.0 if kpi.unit == "share" else 1e-9])
    title = escape(kpi.label)
    parts = [
        f'<svg x="{x0}" y="{y0}" width="{width}" height="{height}" role="img" aria-label="{title} by week">',
        f'<text x="{left}" y="14" font-size="12" fill="#111">{title}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="#9ca3af"/>',
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        shown = escape(format_value(kpi, v))
        label_y: float = top + plot_h - 3
        if not math.isnan(v):
            h = plot_h * (v / peak) if peak > 0 else 0.0
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{PROP_COLOUR}"><title>{escape(label)}: {shown}</title></rect>'
            )
            label_y -= h
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{label_y:.1f}" font-size="9" text-anchor="middle" '
            f'fill="{NEUTRAL}">{shown}</text>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 13}" font-size="9" text-anchor="middle" '
            f'fill="#333">{escape(label.split("-", 1)[-1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def week_panel(charts: list[tuple[Kpi, list[float]]], labels: list[str]) -> Markup:
    """Small multiples: one bar chart per KPI, three to a row, in one panel that scales to the
    page's width (presentation attributes only: no style, no script)."""
    rows = max(math.ceil(len(charts) / COLUMNS), 1)
    width, height = COLUMNS * CHART_W, rows * CHART_H
    parts = [
        f'<svg class="chart" width="100%" viewBox="0 0 {width} {height}" role="group" '
        'aria-label="Headline KPIs by ISO week">'
    ]
    for i, (kpi, values) in enumerate(charts):
        parts.append(week_bars(kpi, labels, values, (i % COLUMNS) * CHART_W, (i // COLUMNS) * CHART_H))
    parts.append("</svg>")
    return Markup("".join(parts))


def against_prediction(rows: list[Comparison]) -> Markup:
    """Each KPI on its own scale: the what-if's range (a bar), its figure (a tick) and the live
    figure (a dot, green inside the range, red outside)."""
    shown = [r for r in rows if r.predicted is not None and not math.isnan(r.live)]
    width, row_h, left, plot_w = 760, 26, 250, 300
    height = 24 + row_h * max(len(shown), 1)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Live figures against the what-if\'s prediction">',
        f'<circle cx="{left + 6}" cy="9" r="4" fill="{GOOD}"/>'
        f'<text x="{left + 14}" y="13" font-size="11">live</text>'
        f'<rect x="{left + 60}" y="5" width="24" height="8" fill="{PROP_COLOUR}" opacity="0.35"/>'
        f'<text x="{left + 90}" y="13" font-size="11">middle 95% of replications</text>'
        f'<line x1="{left + 260}" y1="3" x2="{left + 260}" y2="15" stroke="{BASE_COLOUR}" stroke-width="2"/>'
        f'<text x="{left + 266}" y="13" font-size="11">predicted</text>',
    ]
    for i, r in enumerate(shown):
        p = r.predicted
        assert p is not None
        y = 24 + i * row_h + row_h / 2
        ends = _defined([r.live, p.value, p.low, p.high])
        lo, hi = min(ends), max(ends)
        pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad

        def x(v: float, lo: float = lo, hi: float = hi) -> float:
            return left + (v - lo) / (hi - lo) * plot_w

        label = escape(r.kpi.label + (" (per week)" if r.per_week else ""))
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>')
        if not (math.isnan(p.low) or math.isnan(p.high)):
            parts.append(
                f'<rect x="{x(p.low):.1f}" y="{y - 5:.1f}" width="{max(x(p.high) - x(p.low), 1.0):.1f}" '
                f'height="10" fill="{PROP_COLOUR}" opacity="0.35"/>'
            )
        parts.append(
            f'<line x1="{x(p.value):.1f}" y1="{y - 8:.1f}" x2="{x(p.value):.1f}" y2="{y + 8:.1f}" '
            f'stroke="{BASE_COLOUR}" stroke-width="2"/>'
        )
        colour = {True: GOOD, False: BAD, None: NEUTRAL}[r.inside]
        parts.append(f'<circle cx="{x(r.live):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>')
        words = f"{format_value(r.kpi, r.live)} vs {format_value(r.kpi, p.value)}"
        parts.append(f'<text x="{left + plot_w + 12}" y="{y + 4:.1f}" font-size="11">{escape(words)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
