"""One API request as data (``Call``), the retry rule, and how an answer becomes a result.

The sync and async clients share all of it and differ only in how they wait and send: what may
be retried, how long to wait and what an answer means is decided here once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from parley.http.errors import error_for, retry_after

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Call(Generic[T]):
    """A request and the model its answer is read as (``None``: no body, e.g. 204).

    ``idempotent`` says whether sending it twice is the same as once: a GET, a DELETE, or a
    submission that carries the caller's request key. Only such calls are retried; a decision,
    a statement or any other change is sent exactly once."""

    method: str
    path: str
    result: type[T] | None
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    idempotent: bool = False
    follow: str | None = None  # a 202's process is read at follow + its workflow_id
    # The read after a 202: the process exists, but its listing row may lag the answer by a
    # moment, so a 404 is waited out like a 503.
    settling: bool = False


def get(path: str, result: type[T], **params: Any) -> Call[T]:
    return Call("GET", path, result, params=_query(params), idempotent=True)


def post(
    path: str, result: type[T], body: dict[str, Any], *, idempotent: bool = False, follow: str | None = None
) -> Call[T]:
    return Call("POST", path, result, json=_body(body), idempotent=idempotent, follow=follow)


def _query(params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters as the API reads them: left out when None, booleans as true/false."""
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items() if v is not None}


def _body(body: dict[str, Any]) -> dict[str, Any]:
    """A JSON body without the optional fields left as None (the API takes its defaults)."""
    return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class RetryPolicy:
    """How an idempotent call is retried: after a 429, 502, 503 or 504 answer or a failed
    connection, up to ``retries`` more times, waiting what ``Retry-After`` asks (at most
    ``max_wait`` seconds) or else ``backoff`` seconds doubled each time, with some jitter."""

    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 30.0
    jitter: random.Random = field(default_factory=random.Random, compare=False)

    def wait(self, attempt: int, response: httpx.Response | None) -> float:
        asked = retry_after(response) if response is not None else None
        if asked is not None:
            return min(asked, self.max_wait)
        return min(self.backoff * 2**attempt * (1 + self.jitter.random() / 4), self.max_wait)

    def retries_answer(self, call: Call[Any], attempt: int, response: httpx.Response) -> bool:
        status = response.status_code
        retried = status in RETRY_STATUSES or (call.settling and status == 404)
        return call.idempotent and attempt < self.retries and retried

    def retries_failure(self, call: Call[Any], attempt: int) -> bool:
        return call.idempotent and attempt < self.retries


def unreachable(base_url: str, exc: httpx.TransportError) -> Exception:
    from parley.errors import ServiceUnavailable

    return ServiceUnavailable(f"the Parley API at {base_url}", str(exc) or type(exc).__name__)


@dataclass(frozen=True)
class FollowUp(Generic[T]):
    """A 202 answer: the process started but has not settled; read it where the answer says."""

    call: Call[T]


def decode(call: Call[T], response: httpx.Response) -> T | FollowUp[T]:
    """The result an answer stands for, or the error it stands for (raised).

    A 202 says the process started but has not decided within the API's wait; its body is a
    pointer (``workflow_id``, ``state``, ``url``), not the process. The result is then the
    process as a GET reads it now, so a caller always gets the whole view (and never resends the
    submission under a new key)."""
    if response.is_error:
        raise error_for(response)
    if call.result is None or response.status_code == 204:
        return None  # type: ignore[return-value]  # only calls whose result is None get here
    data = response.json()
    if response.status_code == 202:
        workflow_id = data.get("workflow_id") if isinstance(data, dict) else None
        if call.follow is not None and isinstance(workflow_id, str):
            path = call.follow + quote(workflow_id, safe="")
            return FollowUp(Call("GET", path, call.result, idempotent=True, settling=True))
        location = response.headers.get("Location")
        if location:
            return FollowUp(Call("GET", location, call.result, idempotent=True, settling=True))
    return _read(call.result, data)


def _read(result: type[T], data: Any) -> T:
    if isinstance(result, type) and issubclass(result, BaseModel):
        return result.model_validate(data)
    return data  # type: ignore[no-any-return,unused-ignore]
