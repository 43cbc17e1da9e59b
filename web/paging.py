"""Reading query-string numbers leniently for pages (a bad value means "not given")."""

from __future__ import annotations

from flask import request

# Ids and page numbers fit a 32-bit signed integer; anything larger cannot name a row.
MAX_ID = 2**31 - 1


def int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if 0 <= value <= MAX_ID else default


def id_value(raw: str) -> int | None:
    """A form value as a row id, or None when it cannot be one."""
    return int(raw) if raw.isdigit() and int(raw) <= MAX_ID else None
