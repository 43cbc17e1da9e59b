"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, with the subscription's secret.

A receiver recomputes ``v1=`` + hex(HMAC-SHA256(secret, f"{timestamp}." + body)), compares in
constant time, and refuses a timestamp too far from its own clock (a replayed call). The body is
hashed exactly as received, before any JSON parsing.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "Parley-Timestamp"
SIGNATURE_HEADER = "Parley-Signature"
EVENT_HEADER = "Parley-Event"
DELIVERY_HEADER = "Parley-Delivery"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, *, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Whether a call carries a valid, fresh signature."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)
