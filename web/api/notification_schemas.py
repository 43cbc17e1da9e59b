"""Request and response bodies of ``/api/v1/notifications`` and ``/api/v1/webhooks``.

A notification reads as its webhook payload does (``parley.notify.payload.event_payload``, fields
in docs/notifications.md) plus its id and whether the caller has read it. A subscription's
signing secret appears in one answer only: the one that creates it (``WebhookCreated``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from store.models.enums import DeliveryState, EventType
from web.api.schemas import ONE_LINE, Out, PartnerId, Query, Strict

EVENT_TYPES = [event.value for event in EventType]
# What the data layer accepts (a host, no user name or password), stated so a client can tell
# before it asks. The document promises https:// only; plain http:// passes this check and is
# then refused by the data layer unless the settings allow it (development on loopback).
_URL_REST = r"[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
WEBHOOK_URL = rf"^https?://{_URL_REST}"
DOCUMENTED_URL = rf"^https://{_URL_REST}"
MAX_MARKED = 200

EventName = Annotated[str, Field(max_length=60, json_schema_extra={"enum": EVENT_TYPES})]
NotificationId = PartnerId  # the same thing: a row id, sent as a JSON number


def _given(schema: dict[str, Any]) -> None:
    """An optional field's schema when it is sent: null is not a value it takes (leave it out)."""
    options = [option for option in schema.pop("anyOf", ()) if option.get("type") != "null"]
    schema.pop("default", None)
    if len(options) == 1:
        schema.update(options[0])


def _json_true(value: object) -> object:
    if value is not True:  # 1 or "true" are not JSON's true
        raise ValueError("must be true (leave it out to mark notification_ids)")
    return value


# --- the in-app list ----------------------------------------------------------------------------


class ProcessRef(Out):
    type: str | None
    id: str
    url: str | None = Field(description="The page that shows the process, if it has one.")


class NotificationOut(Out):
    id: int
    read: bool = Field(description="Whether the token's user has read it.")
    event_id: str = Field(description="The event it announces; the same for each of its recipients.")
    type: str = Field(description="The event type (docs/notifications.md).")
    occurred_at: datetime
    subject: str
    body: str
    process: ProcessRef | None
    data: dict[str, Any] = Field(description="What the recipient may read about the event.")


class NotificationPage(Out):
    items: list[NotificationOut]
    total: int
    page: int
    per_page: int
    unread_count: int = Field(description="The caller's unread notifications, whatever the filter.")


class NotificationQuery(Query):
    unread: bool = Field(default=False, description="Only the notifications not read yet.")
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)


class MarkReadIn(Strict):
    """``{"notification_ids": [...]}`` marks those read; ``{"all": true}`` every one of yours."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["notification_ids"]}, {"required": ["all"]}]}
    )

    notification_ids: Annotated[list[NotificationId], Field(min_length=1, max_length=MAX_MARKED)] | None = (
        Field(default=None, description="Notifications of yours.", json_schema_extra=_given)
    )
    all: Annotated[Literal[True], BeforeValidator(_json_true)] | None = Field(
        default=None, description="Every one of yours.", json_schema_extra=_given
    )

    @field_validator("notification_ids", "all", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:  # the document says so: an unused field is left out, not null
            raise ValueError("leave it out rather than send null")
        return value


class MarkReadOut(Out):
    marked: int = Field(description="How many were unread and are read now.")
    unread_count: int


# --- webhook subscriptions ----------------------------------------------------------------------


class WebhookIn(Strict):
    """A subscription for the caller's partner (a partner user) or for the vendor's integrations
    (partner operations); whose it is comes from the token, never from the body."""

    url: str = Field(
        min_length=1,
        max_length=500,
        pattern=WEBHOOK_URL,
        json_schema_extra={"pattern": DOCUMENTED_URL},
        description="An https:// address (no user name or password: the signature authenticates).",
    )
    event_types: list[EventName] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: str = Field(default="", max_length=200, pattern=ONE_LINE)

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [event for event in value if event not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type {unknown[0]!r}; one of {', '.join(EVENT_TYPES)}")
        return value


class WebhookOut(Out):
    id: int
    partner_id: int | None = Field(description="The partner whose events it hears; null: an integrator's.")
    url: str
    event_types: list[str]
    description: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 signing key. Shown in this answer only: keep it now.")


class WebhookList(Out):
    items: list[WebhookOut]


class WebhookQuery(Query):
    include_revoked: bool = Field(default=False, description="List revoked subscriptions too.")


class DeliveryOut(Out):
    id: int
    event_type: str
    event_id: str
    state: str = Field(description="pending, delivered or dead (every attempt failed).")
    attempts: int
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(Out):
    items: list[DeliveryOut]
    total: int
    page: int
    per_page: int


class DeliveryQuery(Query):
    state: DeliveryState | None = None
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)
