"""Reading query-string numbers leniently for pages (a bad value means "not given")."""

from __future__ import annotations

from flask import request


def int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value >= 0 else default
