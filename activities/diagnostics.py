"""Worker-side checks: can this worker reach the database it is configured for?"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from temporalio import activity

from store.engine import database_ping


@dataclass
class DatabaseProbeResult:
    worker_host: str
    database_dialect: str
    database_ok: bool


@activity.defn
def probe_database() -> DatabaseProbeResult:
    dialect, ok = database_ping()
    return DatabaseProbeResult(worker_host=socket.gethostname(), database_dialect=dialect, database_ok=ok)
