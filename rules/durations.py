"""Durations as written in rulebooks: ``90d``, ``48h``, ``30m``, ``2s`` or ISO-8601 (``P90D``).

Every duration in a rulebook must be strictly positive: a zero SLA or protection period is
always a typo, never a policy.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SHORT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """Parse ``90d``/``48h``/``30m``/``2s``/``1w`` or ISO-8601 (``P90D``, ``PT2S``, ``P1DT2H``).

    A bare number is read as seconds. Raises ``ValueError`` naming the accepted forms for
    anything else, and for zero or negative durations.
    """
    if isinstance(text, timedelta):
        value = text
    elif isinstance(text, bool):
        raise ValueError(f"{text!r} is not a duration; write e.g. 90d, 48h, 30m, 2s or P90D")
    elif isinstance(text, int | float):
        value = timedelta(seconds=text)
    elif isinstance(text, str):
        value = _parse_text(text)
    else:
        raise ValueError(f"{text!r} is not a duration; write e.g. 90d, 48h, 30m, 2s or P90D")
    if value <= timedelta(0):
        raise ValueError(f"duration {text!r} must be greater than zero")
    return value


def _parse_text(text: str) -> timedelta:
    short = _SHORT.match(text)
    if short:
        return timedelta(**{_UNITS[short.group(2).lower()]: float(short.group(1))})
    iso = _ISO.match(text.strip())
    if iso and any(iso.groupdict().values()) and not text.strip().upper().endswith("T"):
        parts = {k: float(v) for k, v in iso.groupdict().items() if v is not None}
        return timedelta(**parts)
    raise ValueError(
        f"{text!r} is not a duration; write a number and a unit (90d, 48h, 30m, 2s, 1w) "
        "or ISO-8601 (P90D, PT48H, PT2S)"
    )


def format_duration(value: timedelta) -> str:
    """Render a duration in words for people: ``90 days``, ``48 hours``, ``1 day 6 hours``."""
    total = value.total_seconds()
    if total <= 0:
        return "0 seconds"
    parts: list[str] = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(total // size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
            total -= count * size
    if total or not parts:
        seconds = round(total, 3)
        shown = int(seconds) if seconds == int(seconds) else seconds
        parts.append(f"{shown} second{'s' if seconds != 1 else ''}")
    return " ".join(parts)


def compact_duration(value: timedelta) -> str:
    """Render a duration in the rulebook's short form (``90d``, ``48h``, ``2s``); it parses back
    to the same duration."""
    seconds = value.total_seconds()
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{suffix}"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    # Fixed point to the microsecond, a timedelta's resolution: "0.000046s", never "4.6e-05s",
    # which the parser (and a person) would not read back.
    return f"{seconds:.6f}".rstrip("0") + "s"


def format_moment(value: datetime) -> str:
    """A moment for people, in UTC, to the minute: ``7 Mar 2027, 04:21 UTC``."""
    moment = value.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y}, {moment:%H:%M} UTC"
