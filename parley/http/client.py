"""``ParleyClient`` (sync) and ``AsyncParleyClient`` (async): the JSON API over HTTP.

    from parley.http import ParleyClient

    with ParleyClient() as parley:  # PARLEY_URL / PARLEY_TOKEN, or ~/.config/parley/config.toml
        created = parley.register(
            request_key="crm-4711", account_name="Acme Corp", account_domain="acme.com",
            territory="latam", vertical="retail", product_line="services", deal_value=120_000,
        )
        print(created.workflow_id, created.state, [r.code for r in created.reasons])

The acting user is the token's: the API records every action as them and lets them see only what
they may. Each method is one API operation (``parley.http.operations``) and returns a typed model
(``parley.http.models``); an error answer raises the matching Parley error with the API's field
names (``parley.http.errors``). GETs and submissions that carry a request key are retried after a
429/502/503/504 or a failed connection, honouring ``Retry-After``; decisions and other changes
are sent once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx

from parley.http import models as m
from parley.http import operations as ops
from parley.http.calls import Call, FollowUp, RetryPolicy, decode, unreachable
from parley.http.config import ClientConfig

T = TypeVar("T")
USER_AGENT = "parley-client/1"


class _Base:
    def __init__(
        self,
        url: str | None,
        token: str | None,
        *,
        timeout: float,
        retry: RetryPolicy | None,
    ) -> None:
        self.config = ClientConfig.resolve(url, token)
        self.retry = retry or RetryPolicy()
        self._options: dict[str, Any] = {
            "base_url": self.config.base_url,
            "headers": {
                "Authorization": f"Bearer {self.config.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            "timeout": timeout,
        }

    def _path(self, call: Call[Any]) -> str:
        """The call's path relative to the API's base (a follow-up may name it from the host)."""
        prefix = httpx.URL(self.config.base_url).path.rstrip("/")
        return call.path.removeprefix(prefix) if call.path.startswith(prefix + "/") else call.path


class ParleyClient(_Base):
    """The Parley JSON API, synchronously. ``url`` and ``token`` default to ``PARLEY_URL`` and
    ``PARLEY_TOKEN``, else the config file (``parley.http.config``)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, timeout=timeout, retry=retry)
        self._http = httpx.Client(transport=transport, **self._options)

    def __enter__(self) -> ParleyClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    call.method, self._path(call), json=call.json, params=call.params
                )
            except httpx.TransportError as exc:
                if not self.retry.retries_failure(call, attempt):
                    raise unreachable(self.config.base_url, exc) from exc
                time.sleep(self.retry.wait(attempt, None))
                attempt += 1
                continue
            if self.retry.retries_answer(call, attempt, response):
                time.sleep(self.retry.wait(attempt, response))
                attempt += 1
                continue
            result = decode(call, response)
            if not isinstance(result, FollowUp):
                return result
            call, attempt = result.call, 0

    def me(self) -> m.Me:
        """The token's user, roles and delegations."""
        return self._send(ops.me())

    def tasks(
        self,
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
    ) -> m.Page[m.Task]:
        """My open tasks (assigned, my roles, delegated to me)."""
        return self._send(
            ops.tasks(
                queue=queue,
                process_type=process_type,
                partner_id=partner_id,
                territory=territory,
                overdue=overdue,
                due_soon=due_soon,
                sort=sort,
                page=page,
                per_page=per_page,
            )
        )

    def task(self, task_id: int) -> m.Task:
        return self._send(ops.task(task_id))

    def decide(self, task_id: int, outcome: str, comment: str = "") -> m.Decision:
        """Approve, reject or ask for information: sent once, never retried."""
        return self._send(ops.decide(task_id, outcome, comment))

    def escalate(self, task_id: int, comment: str = "") -> m.Decision:
        """Send a task up its path now (a dispute's levels): sent once."""
        return self._send(ops.escalate(task_id, comment))

    def register(
        self,
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
    ) -> m.Registration:
        """Register a deal; idempotent per partner and ``request_key``, so it is retried."""
        return self._send(
            ops.register(
                request_key=request_key,
                account_name=account_name,
                territory=territory,
                vertical=vertical,
                product_line=product_line,
                deal_value=deal_value,
                account_domain=account_domain,
                notes=notes,
                partner_id=partner_id,
            )
        )

    def registrations(
        self,
        *,
        partner_id: int | None = None,
        account: str | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.RegistrationRow]:
        return self._send(
            ops.registrations(
                partner_id=partner_id, account=account, state=state, page=page, per_page=per_page
            )
        )

    def registration(self, workflow_id: str) -> m.Registration:
        return self._send(ops.registration(workflow_id))

    def extend_registration(self, workflow_id: str, comment: str = "") -> m.Registration:
        return self._send(ops.extend_registration(workflow_id, comment))

    def close_registration(self, workflow_id: str, outcome: str, comment: str = "") -> m.Registration:
        """``outcome``: won or lost."""
        return self._send(ops.close_registration(workflow_id, outcome, comment))

    def withdraw_registration(self, workflow_id: str, comment: str = "") -> m.Registration:
        return self._send(ops.withdraw_registration(workflow_id, comment))

    def answer_registration(self, workflow_id: str, answer: str) -> m.Registration:
        """The partner's answer to an approver's question."""
        return self._send(ops.answer_registration(workflow_id, answer))

    def request_discount(
        self,
        *,
        registration_id: str,
        request_key: str,
        requested_discount: float,
        deal_value: float,
        competitor: str | None = None,
        justification: str | None = None,
        partner_id: int | None = None,
    ) -> m.Discount:
        """Ask for a discount exception; idempotent per registration and ``request_key``."""
        return self._send(
            ops.request_discount(
                registration_id=registration_id,
                request_key=request_key,
                requested_discount=requested_discount,
                deal_value=deal_value,
                competitor=competitor,
                justification=justification,
                partner_id=partner_id,
            )
        )

    def discounts(
        self,
        *,
        partner_id: int | None = None,
        registration_id: str | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.DiscountRow]:
        return self._send(
            ops.discounts(
                partner_id=partner_id,
                registration_id=registration_id,
                state=state,
                page=page,
                per_page=per_page,
            )
        )

    def discount(self, workflow_id: str) -> m.Discount:
        return self._send(ops.discount(workflow_id))

    def revise_discount(
        self,
        workflow_id: str,
        *,
        requested_discount: float,
        deal_value: float,
        competitor: str = "",
        justification: str = "",
        comment: str = "",
    ) -> m.Discount:
        """New terms, whole (read the request first to keep what does not change)."""
        return self._send(
            ops.revise_discount(
                workflow_id,
                requested_discount=requested_discount,
                deal_value=deal_value,
                competitor=competitor,
                justification=justification,
                comment=comment,
            )
        )

    def renew_discount(self, workflow_id: str, comment: str = "") -> m.Discount:
        return self._send(ops.renew_discount(workflow_id, comment))

    def withdraw_discount(self, workflow_id: str, comment: str = "") -> m.Discount:
        return self._send(ops.withdraw_discount(workflow_id, comment))

    def answer_discount(self, workflow_id: str, answer: str) -> m.Discount:
        return self._send(ops.answer_discount(workflow_id, answer))

    def open_dispute(self, *, registration_id: str, statement: str) -> m.Dispute:
        """Contest a registration's conflict decision (no request key: sent once)."""
        return self._send(ops.open_dispute(registration_id=registration_id, statement=statement))

    def disputes(
        self,
        *,
        partner_id: int | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.DisputeRow]:
        return self._send(ops.disputes(partner_id=partner_id, state=state, page=page, per_page=per_page))

    def dispute(self, workflow_id: str) -> m.Dispute:
        return self._send(ops.dispute(workflow_id))

    def dispute_statement(self, workflow_id: str, statement: str) -> m.Dispute:
        return self._send(ops.dispute_statement(workflow_id, statement))

    def withdraw_dispute(self, workflow_id: str, comment: str = "") -> m.Dispute:
        return self._send(ops.withdraw_dispute(workflow_id, comment))

    def start_exit(self, *, partner_id: int, exit_type: str, why: str) -> m.Exit:
        return self._send(ops.start_exit(partner_id=partner_id, exit_type=exit_type, why=why))

    def exits(
        self,
        *,
        partner_id: int | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.ExitRow]:
        return self._send(ops.exits(partner_id=partner_id, state=state, page=page, per_page=per_page))

    def exit_(self, workflow_id: str) -> m.Exit:
        return self._send(ops.exit_(workflow_id))

    def cancel_exit(self, workflow_id: str, reason: str) -> m.Exit:
        return self._send(ops.cancel_exit(workflow_id, reason))

    def choose_transferee(
        self, workflow_id: str, *, registration_id: str, partner_id: int | None, comment: str = ""
    ) -> m.Exit:
        """Who takes over a registration nobody eligible could take; ``partner_id=None``: direct sales."""
        return self._send(
            ops.choose_transferee(
                workflow_id, registration_id=registration_id, partner_id=partner_id, comment=comment
            )
        )

    def partners(
        self,
        *,
        status: str | None = None,
        territory: str | None = None,
        text: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.Partner]:
        return self._send(
            ops.partners(status=status, territory=territory, text=text, page=page, per_page=per_page)
        )

    def partner(self, partner_id: int) -> m.Partner:
        return self._send(ops.partner(partner_id))

    def create_partner(self, fields: dict[str, Any]) -> m.Partner:
        """``fields``: name, tier and any of status, territories, verticals, certifications,
        certification_expiry (checked against the rulebook in force).
        """
        return self._send(ops.create_partner(fields))

    def update_partner(self, partner_id: int, changes: dict[str, Any]) -> m.Partner:
        """Change the fields given; audited before -> after."""
        return self._send(ops.update_partner(partner_id, changes))

    def contacts(self, partner_id: int) -> m.Items[m.Contact]:
        return self._send(ops.contacts(partner_id))

    def add_contact(
        self,
        partner_id: int,
        *,
        name: str,
        email: str | None = None,
        title: str | None = None,
        phone: str | None = None,
    ) -> m.Contact:
        return self._send(ops.add_contact(partner_id, name=name, email=email, title=title, phone=phone))

    def engagements(self, *, account_id: int | None = None) -> m.Items[m.Engagement]:
        return self._send(ops.engagements(account_id=account_id))

    def add_engagement(
        self,
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
    ) -> m.Engagement:
        """Record that direct sales is engaged on an account (an existing one, or one named)."""
        return self._send(
            ops.add_engagement(
                owner=owner,
                since=since,
                account_id=account_id,
                account_name=account_name,
                account_domain=account_domain,
                territory=territory,
                vertical=vertical,
                product_line=product_line,
                until=until,
            )
        )

    def end_engagement(self, engagement_id: int, until: datetime | None = None) -> m.Engagement:
        return self._send(ops.end_engagement(engagement_id, until))

    def notifications(
        self, *, unread: bool | None = None, page: int | None = None, per_page: int | None = None
    ) -> m.NotificationPage:
        return self._send(ops.notifications(unread=unread, page=page, per_page=per_page))

    def mark_read(self, notification_ids: list[int] | None = None, *, all: bool = False) -> m.MarkedRead:
        """Mark those notifications read, or ``all=True`` every one of mine (marking is idempotent)."""
        return self._send(ops.mark_read(notification_ids, all=all))

    def webhooks(self, *, include_revoked: bool | None = None) -> m.Items[m.Webhook]:
        return self._send(ops.webhooks(include_revoked=include_revoked))

    def webhook(self, subscription_id: int) -> m.Webhook:
        return self._send(ops.webhook(subscription_id))

    def add_webhook(self, *, url: str, event_types: list[str], description: str = "") -> m.WebhookCreated:
        """Subscribe ``url``; the answer holds the signing secret, this once."""
        return self._send(ops.add_webhook(url=url, event_types=event_types, description=description))

    def revoke_webhook(self, subscription_id: int) -> None:
        """Revoke a subscription (revoking again changes nothing, so it is retried)."""
        return self._send(ops.revoke_webhook(subscription_id))

    def deliveries(
        self,
        subscription_id: int,
        *,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.Delivery]:
        return self._send(ops.deliveries(subscription_id, state=state, page=page, per_page=per_page))

    def audit(
        self,
        *,
        process_id: str | None = None,
        actor: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.AuditEvent]:
        return self._send(ops.audit(process_id=process_id, actor=actor, page=page, per_page=per_page))


class AsyncParleyClient(_Base):
    """The Parley JSON API for asyncio: the same methods as ``ParleyClient``, awaited."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, timeout=timeout, retry=retry)
        self._http = httpx.AsyncClient(transport=transport, **self._options)

    async def __aenter__(self) -> AsyncParleyClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    call.method, self._path(call), json=call.json, params=call.params
                )
            except httpx.TransportError as exc:
                if not self.retry.retries_failure(call, attempt):
                    raise unreachable(self.config.base_url, exc) from exc
                await asyncio.sleep(self.retry.wait(attempt, None))
                attempt += 1
                continue
            if self.retry.retries_answer(call, attempt, response):
                await asyncio.sleep(self.retry.wait(attempt, response))
                attempt += 1
                continue
            result = decode(call, response)
            if not isinstance(result, FollowUp):
                return result
            call, attempt = result.call, 0

    async def me(self) -> m.Me:
        """The token's user, roles and delegations."""
        return await self._send(ops.me())

    async def tasks(
        self,
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
    ) -> m.Page[m.Task]:
        """My open tasks (assigned, my roles, delegated to me)."""
        return await self._send(
            ops.tasks(
                queue=queue,
                process_type=process_type,
                partner_id=partner_id,
                territory=territory,
                overdue=overdue,
                due_soon=due_soon,
                sort=sort,
                page=page,
                per_page=per_page,
            )
        )

    async def task(self, task_id: int) -> m.Task:
        return await self._send(ops.task(task_id))

    async def decide(self, task_id: int, outcome: str, comment: str = "") -> m.Decision:
        """Approve, reject or ask for information: sent once, never retried."""
        return await self._send(ops.decide(task_id, outcome, comment))

    async def escalate(self, task_id: int, comment: str = "") -> m.Decision:
        """Send a task up its path now (a dispute's levels): sent once."""
        return await self._send(ops.escalate(task_id, comment))

    async def register(
        self,
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
    ) -> m.Registration:
        """Register a deal; idempotent per partner and ``request_key``, so it is retried."""
        return await self._send(
            ops.register(
                request_key=request_key,
                account_name=account_name,
                territory=territory,
                vertical=vertical,
                product_line=product_line,
                deal_value=deal_value,
                account_domain=account_domain,
                notes=notes,
                partner_id=partner_id,
            )
        )

    async def registrations(
        self,
        *,
        partner_id: int | None = None,
        account: str | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.RegistrationRow]:
        return await self._send(
            ops.registrations(
                partner_id=partner_id, account=account, state=state, page=page, per_page=per_page
            )
        )

    async def registration(self, workflow_id: str) -> m.Registration:
        return await self._send(ops.registration(workflow_id))

    async def extend_registration(self, workflow_id: str, comment: str = "") -> m.Registration:
        return await self._send(ops.extend_registration(workflow_id, comment))

    async def close_registration(self, workflow_id: str, outcome: str, comment: str = "") -> m.Registration:
        """``outcome``: won or lost."""
        return await self._send(ops.close_registration(workflow_id, outcome, comment))

    async def withdraw_registration(self, workflow_id: str, comment: str = "") -> m.Registration:
        return await self._send(ops.withdraw_registration(workflow_id, comment))

    async def answer_registration(self, workflow_id: str, answer: str) -> m.Registration:
        """The partner's answer to an approver's question."""
        return await self._send(ops.answer_registration(workflow_id, answer))

    async def request_discount(
        self,
        *,
        registration_id: str,
        request_key: str,
        requested_discount: float,
        deal_value: float,
        competitor: str | None = None,
        justification: str | None = None,
        partner_id: int | None = None,
    ) -> m.Discount:
        """Ask for a discount exception; idempotent per registration and ``request_key``."""
        return await self._send(
            ops.request_discount(
                registration_id=registration_id,
                request_key=request_key,
                requested_discount=requested_discount,
                deal_value=deal_value,
                competitor=competitor,
                justification=justification,
                partner_id=partner_id,
            )
        )

    async def discounts(
        self,
        *,
        partner_id: int | None = None,
        registration_id: str | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.DiscountRow]:
        return await self._send(
            ops.discounts(
                partner_id=partner_id,
                registration_id=registration_id,
                state=state,
                page=page,
                per_page=per_page,
            )
        )

    async def discount(self, workflow_id: str) -> m.Discount:
        return await self._send(ops.discount(workflow_id))

    async def revise_discount(
        self,
        workflow_id: str,
        *,
        requested_discount: float,
        deal_value: float,
        competitor: str = "",
        justification: str = "",
        comment: str = "",
    ) -> m.Discount:
        """New terms, whole (read the request first to keep what does not change)."""
        return await self._send(
            ops.revise_discount(
                workflow_id,
                requested_discount=requested_discount,
                deal_value=deal_value,
                competitor=competitor,
                justification=justification,
                comment=comment,
            )
        )

    async def renew_discount(self, workflow_id: str, comment: str = "") -> m.Discount:
        return await self._send(ops.renew_discount(workflow_id, comment))

    async def withdraw_discount(self, workflow_id: str, comment: str = "") -> m.Discount:
        return await self._send(ops.withdraw_discount(workflow_id, comment))

    async def answer_discount(self, workflow_id: str, answer: str) -> m.Discount:
        return await self._send(ops.answer_discount(workflow_id, answer))

    async def open_dispute(self, *, registration_id: str, statement: str) -> m.Dispute:
        """Contest a registration's conflict decision (no request key: sent once)."""
        return await self._send(ops.open_dispute(registration_id=registration_id, statement=statement))

    async def disputes(
        self,
        *,
        partner_id: int | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.DisputeRow]:
        return await self._send(
            ops.disputes(partner_id=partner_id, state=state, page=page, per_page=per_page)
        )

    async def dispute(self, workflow_id: str) -> m.Dispute:
        return await self._send(ops.dispute(workflow_id))

    async def dispute_statement(self, workflow_id: str, statement: str) -> m.Dispute:
        return await self._send(ops.dispute_statement(workflow_id, statement))

    async def withdraw_dispute(self, workflow_id: str, comment: str = "") -> m.Dispute:
        return await self._send(ops.withdraw_dispute(workflow_id, comment))

    async def start_exit(self, *, partner_id: int, exit_type: str, why: str) -> m.Exit:
        return await self._send(ops.start_exit(partner_id=partner_id, exit_type=exit_type, why=why))

    async def exits(
        self,
        *,
        partner_id: int | None = None,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.ExitRow]:
        return await self._send(ops.exits(partner_id=partner_id, state=state, page=page, per_page=per_page))

    async def exit_(self, workflow_id: str) -> m.Exit:
        return await self._send(ops.exit_(workflow_id))

    async def cancel_exit(self, workflow_id: str, reason: str) -> m.Exit:
        return await self._send(ops.cancel_exit(workflow_id, reason))

    async def choose_transferee(
        self, workflow_id: str, *, registration_id: str, partner_id: int | None, comment: str = ""
    ) -> m.Exit:
        """Who takes over a registration nobody eligible could take; ``partner_id=None``: direct sales."""
        return await self._send(
            ops.choose_transferee(
                workflow_id, registration_id=registration_id, partner_id=partner_id, comment=comment
            )
        )

    async def partners(
        self,
        *,
        status: str | None = None,
        territory: str | None = None,
        text: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.Partner]:
        return await self._send(
            ops.partners(status=status, territory=territory, text=text, page=page, per_page=per_page)
        )

    async def partner(self, partner_id: int) -> m.Partner:
        return await self._send(ops.partner(partner_id))

    async def create_partner(self, fields: dict[str, Any]) -> m.Partner:
        """``fields``: name, tier and any of status, territories, verticals, certifications,
        certification_expiry (checked against the rulebook in force).
        """
        return await self._send(ops.create_partner(fields))

    async def update_partner(self, partner_id: int, changes: dict[str, Any]) -> m.Partner:
        """Change the fields given; audited before -> after."""
        return await self._send(ops.update_partner(partner_id, changes))

    async def contacts(self, partner_id: int) -> m.Items[m.Contact]:
        return await self._send(ops.contacts(partner_id))

    async def add_contact(
        self,
        partner_id: int,
        *,
        name: str,
        email: str | None = None,
        title: str | None = None,
        phone: str | None = None,
    ) -> m.Contact:
        return await self._send(ops.add_contact(partner_id, name=name, email=email, title=title, phone=phone))

    async def engagements(self, *, account_id: int | None = None) -> m.Items[m.Engagement]:
        return await self._send(ops.engagements(account_id=account_id))

    async def add_engagement(
        self,
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
    ) -> m.Engagement:
        """Record that direct sales is engaged on an account (an existing one, or one named)."""
        return await self._send(
            ops.add_engagement(
                owner=owner,
                since=since,
                account_id=account_id,
                account_name=account_name,
                account_domain=account_domain,
                territory=territory,
                vertical=vertical,
                product_line=product_line,
                until=until,
            )
        )

    async def end_engagement(self, engagement_id: int, until: datetime | None = None) -> m.Engagement:
        return await self._send(ops.end_engagement(engagement_id, until))

    async def notifications(
        self, *, unread: bool | None = None, page: int | None = None, per_page: int | None = None
    ) -> m.NotificationPage:
        return await self._send(ops.notifications(unread=unread, page=page, per_page=per_page))

    async def mark_read(
        self, notification_ids: list[int] | None = None, *, all: bool = False
    ) -> m.MarkedRead:
        """Mark those notifications read, or ``all=True`` every one of mine (marking is idempotent)."""
        return await self._send(ops.mark_read(notification_ids, all=all))

    async def webhooks(self, *, include_revoked: bool | None = None) -> m.Items[m.Webhook]:
        return await self._send(ops.webhooks(include_revoked=include_revoked))

    async def webhook(self, subscription_id: int) -> m.Webhook:
        return await self._send(ops.webhook(subscription_id))

    async def add_webhook(
        self, *, url: str, event_types: list[str], description: str = ""
    ) -> m.WebhookCreated:
        """Subscribe ``url``; the answer holds the signing secret, this once."""
        return await self._send(ops.add_webhook(url=url, event_types=event_types, description=description))

    async def revoke_webhook(self, subscription_id: int) -> None:
        """Revoke a subscription (revoking again changes nothing, so it is retried)."""
        return await self._send(ops.revoke_webhook(subscription_id))

    async def deliveries(
        self,
        subscription_id: int,
        *,
        state: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.Delivery]:
        return await self._send(ops.deliveries(subscription_id, state=state, page=page, per_page=per_page))

    async def audit(
        self,
        *,
        process_id: str | None = None,
        actor: str | None = None,
        page: int | None = None,
        per_page: int | None = None,
    ) -> m.Page[m.AuditEvent]:
        return await self._send(ops.audit(process_id=process_id, actor=actor, page=page, per_page=per_page))
