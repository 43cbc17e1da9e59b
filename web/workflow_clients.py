"""Typed workflow clients, connected once per process on the web app's background loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from parley.settings import get_settings

if TYPE_CHECKING:
    from parley.clients.registration import RegistrationClient

_clients: dict[str, RegistrationClient] = {}
_lock: asyncio.Lock | None = None


async def registration_client() -> RegistrationClient:
    """The shared client (runs on ``web.runner``'s loop, which owns it)."""
    from parley.clients.registration import RegistrationClient

    global _lock
    settings = get_settings()
    key = "|".join(
        (
            settings.temporal_address,
            settings.temporal_namespace,
            settings.task_queue,
            settings.resolved_database_url,
        )
    )
    if key in _clients:
        return _clients[key]
    _lock = _lock or asyncio.Lock()
    async with _lock:
        if key not in _clients:
            _clients[key] = await RegistrationClient.connect(settings)
    return _clients[key]
