"""Every API operation the client offers, as a function that builds its ``Call``.

One function per operation of the OpenAPI document (``web/api/openapi.py``), with the API's
field names as keyword arguments. ``ParleyClient`` and ``AsyncParleyClient`` expose each one as a
method of the same name and signature. Submissions that carry the caller's ``request_key``
(registrations, discount requests) are idempotent and retried; decisions and every other change
are sent once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from parley.http import models as m
from parley.http.calls import Call, get, post


def _id(value: str) -> str:
    return quote(value, safe="")


# --- the caller and their tasks -------------------------------------------------------------


def me() -> Call[m.Me]:
    """The token's user, roles and delegations."""
    return get("/me", m.Me)


def tasks(
    *,
    queue: str | None = None,
    process_type: str | None = None,
    partner_id: int | None = None,
    territory: str | None = None,
    overdue: bool | None = None,
    due_soon: bool | None = None,
    sort: str | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.Task]]:
    """My open tasks (assigned, my roles, delegated to me)."""
    return get(
        "/tasks", m.Page[m.Task], queue=queue, process_type=process_type, partner_id=partner_id,
        territory=territory, overdue=overdue, due_soon=due_soon, sort=sort, page=page, per_page=per_page,
    )  # fmt: skip


def task(task_id: int) -> Call[m.Task]:
    return get(f"/tasks/{task_id}", m.Task)


def decide(task_id: int, outcome: str, comment: str = "") -> Call[m.Decision]:
    """Approve, reject or ask for information: sent once, never retried."""
    return post(f"/tasks/{task_id}/decision", m.Decision, {"outcome": outcome, "comment": comment})


def escalate(task_id: int, comment: str = "") -> Call[m.Decision]:
    """Send a task up its path now (a dispute's levels): sent once."""
    return post(f"/tasks/{task_id}/escalate", m.Decision, {"comment": comment})


# --- registrations --------------------------------------------------------------------------


def register(
    *,
    request_key: str,
    account_name: str,
    territory: str,
    vertical: str,
    product_line: str,
    deal_value: float,
    account_domain: str | None = None,
    notes: str | None = None,
    partner_id: int | None = None,
) -> Call[m.Registration]:
    """Register a deal; idempotent per partner and ``request_key``, so it is retried."""
    body = {
        "request_key": request_key, "account_name": account_name, "territory": territory,
        "vertical": vertical, "product_line": product_line, "deal_value": deal_value,
        "account_domain": account_domain, "notes": notes, "partner_id": partner_id,
    }  # fmt: skip
    return post("/registrations", m.Registration, body, idempotent=True, follow="/registrations/")


def registrations(
    *,
    partner_id: int | None = None,
    account: str | None = None,
    state: str | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.RegistrationRow]]:
    return get(
        "/registrations", m.Page[m.RegistrationRow], partner_id=partner_id, account=account, state=state,
        page=page, per_page=per_page,
    )  # fmt: skip


def registration(workflow_id: str) -> Call[m.Registration]:
    return get(f"/registrations/{_id(workflow_id)}", m.Registration)


def extend_registration(workflow_id: str, comment: str = "") -> Call[m.Registration]:
    return post(f"/registrations/{_id(workflow_id)}/extend", m.Registration, {"comment": comment})


def close_registration(workflow_id: str, outcome: str, comment: str = "") -> Call[m.Registration]:
    """``outcome``: won or lost."""
    body = {"outcome": outcome, "comment": comment}
    return post(f"/registrations/{_id(workflow_id)}/close", m.Registration, body)


def withdraw_registration(workflow_id: str, comment: str = "") -> Call[m.Registration]:
    return post(f"/registrations/{_id(workflow_id)}/withdraw", m.Registration, {"comment": comment})


def answer_registration(workflow_id: str, answer: str) -> Call[m.Registration]:
    """The partner's answer to an approver's question."""
    return post(f"/registrations/{_id(workflow_id)}/info", m.Registration, {"answer": answer})


# --- discount exceptions --------------------------------------------------------------------


def request_discount(
    *,
    registration_id: str,
    request_key: str,
    requested_discount: float,
    deal_value: float,
    competitor: str | None = None,
    justification: str | None = None,
    partner_id: int | None = None,
) -> Call[m.Discount]:
    """Ask for a discount exception; idempotent per registration and ``request_key``."""
    body = {
        "registration_id": registration_id, "request_key": request_key,
        "requested_discount": requested_discount, "deal_value": deal_value, "competitor": competitor,
        "justification": justification, "partner_id": partner_id,
    }  # fmt: skip
    return post("/discounts", m.Discount, body, idempotent=True, follow="/discounts/")


def discounts(
    *,
    partner_id: int | None = None,
    registration_id: str | None = None,
    state: str | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.DiscountRow]]:
    return get(
        "/discounts", m.Page[m.DiscountRow], partner_id=partner_id, registration_id=registration_id,
        state=state, page=page, per_page=per_page,
    )  # fmt: skip


def discount(workflow_id: str) -> Call[m.Discount]:
    return get(f"/discounts/{_id(workflow_id)}", m.Discount)


def revise_discount(
    workflow_id: str,
    *,
    requested_discount: float,
    deal_value: float,
    competitor: str = "",
    justification: str = "",
    comment: str = "",
) -> Call[m.Discount]:
    """New terms, whole (read the request first to keep what does not change)."""
    body = {
        "requested_discount": requested_discount, "deal_value": deal_value, "competitor": competitor,
        "justification": justification, "comment": comment,
    }  # fmt: skip
    return post(f"/discounts/{_id(workflow_id)}/revise", m.Discount, body)


def renew_discount(workflow_id: str, comment: str = "") -> Call[m.Discount]:
    return post(f"/discounts/{_id(workflow_id)}/renew", m.Discount, {"comment": comment})


def withdraw_discount(workflow_id: str, comment: str = "") -> Call[m.Discount]:
    return post(f"/discounts/{_id(workflow_id)}/withdraw", m.Discount, {"comment": comment})


def answer_discount(workflow_id: str, answer: str) -> Call[m.Discount]:
    return post(f"/discounts/{_id(workflow_id)}/info", m.Discount, {"answer": answer})


# --- disputes -------------------------------------------------------------------------------


def open_dispute(*, registration_id: str, statement: str) -> Call[m.Dispute]:
    """Contest a registration's conflict decision (no request key: sent once)."""
    body = {"registration_id": registration_id, "statement": statement}
    return post("/disputes", m.Dispute, body, follow="/disputes/")


def disputes(
    *, partner_id: int | None = None, state: str | None = None, page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.DisputeRow]]:  # fmt: skip
    return get(
        "/disputes", m.Page[m.DisputeRow], partner_id=partner_id, state=state, page=page, per_page=per_page
    )


def dispute(workflow_id: str) -> Call[m.Dispute]:
    return get(f"/disputes/{_id(workflow_id)}", m.Dispute)


def dispute_statement(workflow_id: str, statement: str) -> Call[m.Dispute]:
    return post(f"/disputes/{_id(workflow_id)}/statements", m.Dispute, {"statement": statement})


def withdraw_dispute(workflow_id: str, comment: str = "") -> Call[m.Dispute]:
    return post(f"/disputes/{_id(workflow_id)}/withdraw", m.Dispute, {"comment": comment})


# --- partner exits --------------------------------------------------------------------------


def start_exit(*, partner_id: int, exit_type: str, why: str) -> Call[m.Exit]:
    body = {"partner_id": partner_id, "exit_type": exit_type, "why": why}
    return post("/exits", m.Exit, body, follow="/exits/")


def exits(
    *, partner_id: int | None = None, state: str | None = None, page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.ExitRow]]:  # fmt: skip
    return get("/exits", m.Page[m.ExitRow], partner_id=partner_id, state=state, page=page, per_page=per_page)


def exit_(workflow_id: str) -> Call[m.Exit]:
    return get(f"/exits/{_id(workflow_id)}", m.Exit)


def cancel_exit(workflow_id: str, reason: str) -> Call[m.Exit]:
    return post(f"/exits/{_id(workflow_id)}/cancel", m.Exit, {"reason": reason})


def choose_transferee(
    workflow_id: str, *, registration_id: str, partner_id: int | None, comment: str = ""
) -> Call[m.Exit]:
    """Who takes over a registration nobody eligible could take; ``partner_id=None``: direct sales."""
    body = {"registration_id": registration_id, "partner_id": partner_id, "comment": comment}
    return Call("POST", f"/exits/{_id(workflow_id)}/transferee", m.Exit, json=body)  # null is meant


# --- rulebook versions and their roll-outs --------------------------------------------------


def list_rulebooks() -> Call[m.Items[m.RulebookRow]]:
    """Versions, newest first (staff: every one; others the published ones)."""
    return get("/rulebooks", m.Items[m.RulebookRow])


def get_rulebook(version: str) -> Call[m.Rulebook]:
    """A version: its playbook and what changes; staff its YAML, partner ops its roll-out."""
    return get(f"/rulebooks/{_id(version)}", m.Rulebook)


def get_rollout(version: str) -> Call[m.Rollout]:
    """A version's roll-out as its workflow reports it now (partner operations)."""
    return get(f"/rulebooks/{_id(version)}/rollout", m.Rollout)


def submit_rulebook(*, text: str, comment: str) -> Call[m.Rollout]:
    """Submit a draft (the YAML as written) and start its roll-out: sent once (a 202 is followed
    to the roll-out's own address)."""
    return post("/rulebooks", m.Rollout, {"text": text, "comment": comment})


def attach_what_if(version: str, run_id: int) -> Call[m.Rollout]:
    """Attach a completed what-if of the draft; its roll-out's gate judges it."""
    return post(f"/rulebooks/{_id(version)}/what-if", m.Rollout, {"run_id": run_id})


def withdraw_rulebook(version: str, reason: str) -> Call[m.Rollout]:
    return post(f"/rulebooks/{_id(version)}/withdrawal", m.Rollout, {"reason": reason})


def acknowledge_rulebook(version: str) -> Call[m.Rulebook]:
    """Acknowledge a published version for the token user's own partner."""
    return post(f"/rulebooks/{_id(version)}/acknowledgement", m.Rulebook, {})


# --- partner records ------------------------------------------------------------------------


def partners(
    *, status: str | None = None, territory: str | None = None, text: str | None = None,
    page: int | None = None, per_page: int | None = None,
) -> Call[m.Page[m.Partner]]:  # fmt: skip
    return get(
        "/partners", m.Page[m.Partner], status=status, territory=territory, text=text, page=page,
        per_page=per_page,
    )  # fmt: skip


def partner(partner_id: int) -> Call[m.Partner]:
    return get(f"/partners/{partner_id}", m.Partner)


def create_partner(fields: dict[str, Any]) -> Call[m.Partner]:
    """``fields``: name, tier and any of status, territories, verticals, certifications,
    certification_expiry (checked against the rulebook in force)."""
    return post("/partners", m.Partner, fields)


def update_partner(partner_id: int, changes: dict[str, Any]) -> Call[m.Partner]:
    """Change the fields given; audited before -> after."""
    return Call("PATCH", f"/partners/{partner_id}", m.Partner, json=changes)


def contacts(partner_id: int) -> Call[m.Items[m.Contact]]:
    return get(f"/partners/{partner_id}/contacts", m.Items[m.Contact])


def add_contact(
    partner_id: int, *, name: str, email: str | None = None, title: str | None = None,
    phone: str | None = None,
) -> Call[m.Contact]:  # fmt: skip
    body = {"name": name, "email": email, "title": title, "phone": phone}
    return post(f"/partners/{partner_id}/contacts", m.Contact, body)


def engagements(*, account_id: int | None = None) -> Call[m.Items[m.Engagement]]:
    return get("/engagements", m.Items[m.Engagement], account_id=account_id)


def add_engagement(
    *,
    owner: str,
    since: datetime,
    account_id: int | None = None,
    account_name: str | None = None,
    account_domain: str | None = None,
    territory: str | None = None,
    vertical: str | None = None,
    product_line: str | None = None,
    until: datetime | None = None,
) -> Call[m.Engagement]:
    """Record that direct sales is engaged on an account (an existing one, or one named)."""
    body = {
        "owner": owner, "since": since.isoformat(), "account_id": account_id, "account_name": account_name,
        "account_domain": account_domain, "territory": territory, "vertical": vertical,
        "product_line": product_line, "until": until.isoformat() if until else None,
    }  # fmt: skip
    return post("/engagements", m.Engagement, body)


def end_engagement(engagement_id: int, until: datetime | None = None) -> Call[m.Engagement]:
    body = {"until": until.isoformat() if until else None}
    return post(f"/engagements/{engagement_id}/end", m.Engagement, body)


# --- notifications and webhooks -------------------------------------------------------------


def notifications(
    *, unread: bool | None = None, page: int | None = None, per_page: int | None = None
) -> Call[m.NotificationPage]:
    return get("/notifications", m.NotificationPage, unread=unread, page=page, per_page=per_page)


def mark_read(notification_ids: list[int] | None = None, *, all: bool = False) -> Call[m.MarkedRead]:
    """Mark those notifications read, or ``all=True`` every one of mine (marking is idempotent)."""
    body: dict[str, Any] = {"all": True} if all else {"notification_ids": notification_ids}
    return post("/notifications/read", m.MarkedRead, body, idempotent=True)


def webhooks(*, include_revoked: bool | None = None) -> Call[m.Items[m.Webhook]]:
    return get("/webhooks", m.Items[m.Webhook], include_revoked=include_revoked)


def webhook(subscription_id: int) -> Call[m.Webhook]:
    return get(f"/webhooks/{subscription_id}", m.Webhook)


def add_webhook(*, url: str, event_types: list[str], description: str = "") -> Call[m.WebhookCreated]:
    """Subscribe ``url``; the answer holds the signing secret, this once."""
    body = {"url": url, "event_types": event_types, "description": description}
    return post("/webhooks", m.WebhookCreated, body)


def revoke_webhook(subscription_id: int) -> Call[None]:
    """Revoke a subscription (revoking again changes nothing, so it is retried)."""
    return Call("DELETE", f"/webhooks/{subscription_id}", None, idempotent=True)


def deliveries(
    subscription_id: int, *, state: str | None = None, page: int | None = None, per_page: int | None = None
) -> Call[m.Page[m.Delivery]]:
    return get(
        f"/webhooks/{subscription_id}/deliveries", m.Page[m.Delivery], state=state, page=page,
        per_page=per_page,
    )  # fmt: skip


# --- audit ----------------------------------------------------------------------------------


def audit(
    *, process_id: str | None = None, actor: str | None = None, page: int | None = None,
    per_page: int | None = None,
) -> Call[m.Page[m.AuditEvent]]:  # fmt: skip
    return get(
        "/audit", m.Page[m.AuditEvent], process_id=process_id, actor=actor, page=page, per_page=per_page
    )


OPERATIONS = (
    me, tasks, task, decide, escalate,
    register, registrations, registration, extend_registration, close_registration,
    withdraw_registration, answer_registration,
    request_discount, discounts, discount, revise_discount, renew_discount, withdraw_discount,
    answer_discount,
    open_dispute, disputes, dispute, dispute_statement, withdraw_dispute,
    start_exit, exits, exit_, cancel_exit, choose_transferee,
    list_rulebooks, get_rulebook, get_rollout, submit_rulebook, attach_what_if, withdraw_rulebook,
    acknowledge_rulebook,
    partners, partner, create_partner, update_partner, contacts, add_contact, engagements,
    add_engagement, end_engagement,
    notifications, mark_read, webhooks, webhook, add_webhook, revoke_webhook, deliveries,
    audit,
)  # fmt: skip
