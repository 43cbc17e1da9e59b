"""What a mail and a webhook call say about a notification.

The payload is built only from the notification itself, whose words and data were written for
its recipient; so a partner's webhook reads what that partner's people read in the inbox and
nothing about another partner. docs/notifications.md documents the fields.
"""

from __future__ import annotations

from typing import Any

from store.models import Notification

_PAGES = {"registration": "/registrations/", "dispute": "/disputes/", "exit": "/exits/"}


def process_url(notification: Notification, base_url: str) -> str | None:
    """The page a recipient opens to see the process (a discount shows on its registration's)."""
    if notification.process_type == "discount" and notification.data.get("registration_id"):
        return f"{base_url}/registrations/{notification.data['registration_id']}"
    if notification.process_type in _PAGES and notification.process_id:
        return f"{base_url}{_PAGES[notification.process_type]}{notification.process_id}"
    return None


def event_payload(notification: Notification, base_url: str) -> dict[str, Any]:
    process = None
    if notification.process_id:
        process = {
            "type": notification.process_type,
            "id": notification.process_id,
            "url": process_url(notification, base_url),
        }
    return {
        "event_id": notification.event_key,
        "type": notification.event_type,
        "occurred_at": notification.created_at.isoformat(),
        "subject": notification.subject,
        "body": notification.body,
        "process": process,
        "data": notification.data,
    }


def mail_text(notification: Notification, base_url: str) -> str:
    lines = [notification.body] if notification.body else []
    url = process_url(notification, base_url)
    if url:
        lines.append(f"Open it in Parley: {url}")
    lines.append(f"Your notifications: {base_url}/notifications")
    return "\n\n".join(lines) + "\n"
