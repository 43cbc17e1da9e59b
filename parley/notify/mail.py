"""One mail over SMTP, with the delivery's idempotency key as its Message-ID."""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from parley.settings import Settings


def message_id(idempotency_key: str) -> str:
    """A stable Message-ID: a crash between sending and recording repeats the same id, which mail
    systems and people's clients can recognise as a repeat."""
    local = "".join(ch if ch.isalnum() or ch in "-." else "." for ch in idempotency_key)
    return f"<{local}@parley>"


# Headers unfolded up to RFC 5322's hard limit: folding a long subject before its first word
# leaves a leading space that some clients show.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


def compose(settings: Settings, *, to: str, subject: str, body: str, idempotency_key: str) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(idempotency_key)
    message.set_content(body)
    return message


def send(settings: Settings, message: EmailMessage, *, timeout: float) -> None:
    """Hand the message to the configured server; any failure raises (the activity retries)."""
    context = ssl.create_default_context()
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=context)
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password)
        client.send_message(message)
