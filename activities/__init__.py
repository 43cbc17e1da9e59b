"""Temporal activities: every piece of I/O the workflows need. ``all_activities`` lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.diagnostics import probe_database


def all_activities() -> list[Callable[..., Any]]:
    return [probe_database]
