"""One signed webhook call: a 2xx answer is delivered; anything else (or no answer) is a failure."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from parley.notify.signature import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


class WebhookRefused(Exception):
    """The receiver answered, but not with a 2xx."""


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def post(
    url: str, *, secret: str, event_type: str, delivery_key: str, payload: dict[str, Any], timeout: float
) -> int:
    """POST the payload; returns the status, raises on a non-2xx answer or a transport error."""
    body = encode(payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhooks/1",
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: delivery_key,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise WebhookRefused(f"HTTP {response.status_code} from {url}: {response.text[:200]}")
    return response.status_code
