"""Small inline SVG charts for the report: no JavaScript, no external files, readable offline."""

from __future__ import annotations

from html import escape

BASE_COLOUR = "#6b7280"
PROP_COLOUR = "#2563eb"
GOOD, BAD, NEUTRAL = "#15803d", "#b91c1c", "#374151"


def interval(
    diff: float | None, low: float | None, high: float | None, colour: str, width: int = 220
) -> str:
    """A point with its 95% interval on an axis symmetric around zero (one KPI per row)."""
    height, mid = 22, width / 2
    if diff is None:
        return f'<svg width="{width}" height="{height}" role="img" aria-label="no data"></svg>'
    span = max(abs(v) for v in (diff, low or 0.0, high or 0.0)) or 1.0
    scale = (width / 2 - 10) / span

    def x(v: float) -> float:
        return mid + v * scale

    parts = [
        f'<svg width="{width}" height="{height}" role="img" '
        f'aria-label="difference {diff:.4g}, interval {low} to {high}">',
        f'<line x1="{mid}" y1="2" x2="{mid}" y2="{height - 2}" stroke="#9ca3af" '
        'stroke-dasharray="2,2"/>',
    ]
    if low is not None and high is not None:
        parts.append(
            f'<line x1="{x(low):.1f}" y1="11" x2="{x(high):.1f}" y2="11" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        for end in (low, high):
            parts.append(
                f'<line x1="{x(end):.1f}" y1="6" x2="{x(end):.1f}" y2="16" stroke="{colour}" '
                'stroke-width="2"/>'
            )
    parts.append(f'<circle cx="{x(diff):.1f}" cy="11" r="4" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    labels: list[str], baseline: list[float], proposed: list[float], title: str, unit: str = ""
) -> str:
    """Vertical bars, baseline and proposed side by side per label (a histogram or a profile)."""
    width, height, left, bottom, top = 760, 260, 48, 56, 24
    n = max(len(labels), 1)
    slot = (width - left - 10) / n
    peak = max([*baseline, *proposed, 1e-9])
    plot_h = height - bottom - top

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" font-size="12" fill="#111">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#9ca3af"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        value = peak * tick
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555">{value:,.3g}{escape(unit)}</text>'
        )
    bar = slot * 0.38
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for j, (values, colour) in enumerate(((baseline, BASE_COLOUR), (proposed, PROP_COLOUR))):
            v = values[i]
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{y(v):.1f}" width="{bar:.1f}" '
                f'height="{top + plot_h - y(v):.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {v:,.4g}{escape(unit)}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + bar:.1f}" y="{top + plot_h + 14}" font-size="10" '
            f'text-anchor="end" transform="rotate(-35 {x0 + bar:.1f} {top + plot_h + 14})" '
            f'fill="#333">{escape(label)}</text>'
        )
    parts.append(legend(width - 220, 6))
    parts.append("</svg>")
    return "".join(parts)


def legend(x: float, y: float) -> str:
    return (
        f'<rect x="{x}" y="{y}" width="10" height="10" fill="{BASE_COLOUR}"/>'
        f'<text x="{x + 14}" y="{y + 9}" font-size="11">baseline</text>'
        f'<rect x="{x + 80}" y="{y}" width="10" height="10" fill="{PROP_COLOUR}"/>'
        f'<text x="{x + 94}" y="{y + 9}" font-size="11">proposed</text>'
    )


def horizontal_bars(rows: list[tuple[str, float, float]], title: str) -> str:
    """Baseline and proposed shares (0..1) per row, e.g. approver utilisation per role."""
    width, row_h, left = 760, 34, 200
    height = 30 + row_h * max(len(rows), 1)
    plot_w = width - left - 60
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="14" font-size="12">{escape(title)}</text>',
        legend(width - 220, 4),
    ]
    for i, (label, base, prop) in enumerate(rows):
        y0 = 26 + i * row_h
        parts.append(
            f'<text x="{left - 8}" y="{y0 + 16}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        for j, (v, colour) in enumerate(((base, BASE_COLOUR), (prop, PROP_COLOUR))):
            w = max(0.0, min(v, 1.0)) * plot_w
            parts.append(
                f'<rect x="{left}" y="{y0 + j * 13}" width="{w:.1f}" height="11" '
                f'fill="{colour}"/><text x="{left + w + 4:.1f}" y="{y0 + j * 13 + 10}" '
                f'font-size="10">{v * 100:.1f}%</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
