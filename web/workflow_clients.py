"""The web app's one cache of Temporal connections, shared by every process client and the sandbox.

One connection per (server, namespace), made on ``web.runner``'s background loop, which owns it;
process clients are thin wrappers around it, built per call with the settings of the moment.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from parley.settings import get_settings
from parley.temporal_client import connect

if TYPE_CHECKING:
    from temporalio.client import Client

    from parley.clients.base import ProcessClient

C = TypeVar("C", bound="ProcessClient[Any]")

_connections: dict[str, Client] = {}
_lock: asyncio.Lock | None = None


async def temporal_client() -> Client:
    """The shared connection for the settings in force (made on first use)."""
    global _lock
    settings = get_settings()
    key = f"{settings.temporal_address}|{settings.temporal_namespace}"
    if key in _connections:
        return _connections[key]
    _lock = _lock or asyncio.Lock()
    async with _lock:
        if key not in _connections:
            _connections[key] = await connect(settings)
    return _connections[key]


async def process_client(kind: type[C]) -> C:
    """A client of the process type ``kind`` on the shared connection."""
    return kind(await temporal_client(), get_settings())
