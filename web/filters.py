"""Template filters: money, times, SLA countdowns. Times are shown in UTC, stated as such."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask

from store.models.types import as_utc, utcnow

DUE_SOON = timedelta(hours=24)


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def humanize(value: str | None) -> str:
    """``"registration.approved"`` -> ``"Registration approved"`` (codes made readable)."""
    if not value:
        return ""
    text = value.replace(".", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def when(value: datetime | None) -> str:
    return "—" if value is None else as_utc(value).strftime("%d %b %Y %H:%M UTC")


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m" if mins else "<1m"


@dataclass(frozen=True)
class Sla:
    """Where a task stands against its due time, for the countdown badge."""

    due_at: datetime | None
    overdue: bool
    soon: bool
    text: str


def sla(due_at: datetime | None, now: datetime | None = None) -> Sla:
    if due_at is None:
        return Sla(None, False, False, "no SLA")
    now = now or utcnow()
    left = as_utc(due_at) - now
    if left.total_seconds() < 0:
        return Sla(due_at, True, False, f"overdue by {_span(left)}")
    return Sla(due_at, False, left < DUE_SOON, f"due in {_span(left)}")


def init_app(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(when)
    app.add_template_filter(humanize)
