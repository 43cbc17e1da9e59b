"""Connecting to Temporal with a bounded wait and a one-line error when it is not there."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from parley.errors import ServiceUnavailable
from parley.settings import Settings, get_settings


async def connect(settings: Settings | None = None, *, timeout: float = 5.0) -> Client:
    settings = settings or get_settings()
    try:
        return await asyncio.wait_for(
            Client.connect(settings.temporal_address, namespace=settings.temporal_namespace),
            timeout=timeout,
        )
    except (TimeoutError, RuntimeError, OSError) as exc:
        detail = str(exc)
        reason = "connection refused" if "refused" in detail.lower() else detail or "timed out"
        raise ServiceUnavailable(
            "Temporal", f"PARLEY_TEMPORAL_ADDRESS={settings.temporal_address!r} did not answer ({reason})"
        ) from exc
