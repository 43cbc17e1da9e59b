"""The typed Python client of Parley's JSON API (``/api/v1``), over httpx, sync and async.

See ``parley.http.client`` for an example, ``parley.http.config`` for where the URL and token
come from, and ``parley.http.errors`` for what an error answer raises.
"""

from parley.http.calls import RetryPolicy
from parley.http.client import AsyncParleyClient, ParleyClient
from parley.http.config import ClientConfig
from parley.http.errors import ApiError, ApiNotFound, AuthError, Conflict, RateLimited

__all__ = [
    "ApiError",
    "ApiNotFound",
    "AsyncParleyClient",
    "AuthError",
    "ClientConfig",
    "Conflict",
    "ParleyClient",
    "RateLimited",
    "RetryPolicy",
]
