"""``GET /healthz``: is the database reachable, is Temporal reachable?"""

from __future__ import annotations

import asyncio

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from parley.errors import ServiceUnavailable
from parley.temporal_client import connect
from store.engine import database_ping

bp = Blueprint("health", __name__)


async def _temporal_reachable() -> bool:
    try:
        client = await connect(timeout=2.0)
        await client.service_client.check_health()
    except (ServiceUnavailable, RuntimeError):
        return False
    return True


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    dialect, database_ok = database_ping()
    temporal_ok = asyncio.run(_temporal_reachable())
    body = {
        "database": {"ok": database_ok, "dialect": dialect},
        "temporal": {"ok": temporal_ok},
        "down": [name for name, ok in (("database", database_ok), ("temporal", temporal_ok)) if not ok],
    }
    return jsonify(body), 200 if database_ok and temporal_ok else 503
