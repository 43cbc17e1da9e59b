"""``ParleyClient`` (sync) and ``AsyncParleyClient`` (async): the JSON API over HTTP.

    from parley.http import ParleyClient

    with ParleyClient() as parley:  # PARLEY_URL / PARLEY_TOKEN, or ~/.config/parley/config.toml
        created = parley.register(
            request_key="crm-4711", account_name="Acme Corp", account_domain="acme.com",
            territory="latam", vertical="retail", product_line="services", deal_value=120_000,
        )
        print(created.workflow_id, created.state, [r.code for r in created.reasons])

The acting user is the token's: the API records every action as them and lets them see only what
they may. Each method is one API operation, written once in ``parley.http.operations`` and bound to
both clients with its signature (``_Sync``, ``_Async``); it returns a typed model
(``parley.http.models``); an error answer raises the matching Parley error with the API's field
names (``parley.http.errors``). GETs and submissions that carry a request key are retried after a
429/502/503/504 or a failed connection, honouring ``Retry-After``; decisions and other changes
are sent once.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar, overload

import httpx

from parley.http import operations as ops
from parley.http.calls import Call, FollowUp, RetryPolicy, decode, unreachable
from parley.http.config import ClientConfig

T = TypeVar("T")
P = ParamSpec("P")
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


class _Sync(Generic[P, T]):
    """An operation (``parley.http.operations``) as a ``ParleyClient`` method of the same name,
    signature and docstring: build its call, send it, return what it answers."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Sync[P, T]: ...

    @overload
    def __get__(self, client: ParleyClient, owner: type[Any]) -> Callable[P, T]: ...

    def __get__(self, client: ParleyClient | None, owner: type[Any]) -> _Sync[P, T] | Callable[P, T]:
        if client is None:
            return self
        build, send = self.build, client._send

        @functools.wraps(build)
        def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return send(build(*args, **kwargs))

        return method


class _Async(Generic[P, T]):
    """The same for ``AsyncParleyClient``: the method is awaited."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Async[P, T]: ...

    @overload
    def __get__(self, client: AsyncParleyClient, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...

    def __get__(
        self, client: AsyncParleyClient | None, owner: type[Any]
    ) -> _Async[P, T] | Callable[P, Awaitable[T]]:
        if client is None:
            return self
        build, send = self.build, client._send

        @functools.wraps(build)
        async def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return await send(build(*args, **kwargs))

        return method


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

    me = _Sync(ops.me)
    tasks = _Sync(ops.tasks)
    task = _Sync(ops.task)
    decide = _Sync(ops.decide)
    escalate = _Sync(ops.escalate)
    register = _Sync(ops.register)
    registrations = _Sync(ops.registrations)
    registration = _Sync(ops.registration)
    extend_registration = _Sync(ops.extend_registration)
    close_registration = _Sync(ops.close_registration)
    withdraw_registration = _Sync(ops.withdraw_registration)
    answer_registration = _Sync(ops.answer_registration)
    request_discount = _Sync(ops.request_discount)
    discounts = _Sync(ops.discounts)
    discount = _Sync(ops.discount)
    revise_discount = _Sync(ops.revise_discount)
    renew_discount = _Sync(ops.renew_discount)
    withdraw_discount = _Sync(ops.withdraw_discount)
    answer_discount = _Sync(ops.answer_discount)
    open_dispute = _Sync(ops.open_dispute)
    disputes = _Sync(ops.disputes)
    dispute = _Sync(ops.dispute)
    dispute_statement = _Sync(ops.dispute_statement)
    withdraw_dispute = _Sync(ops.withdraw_dispute)
    start_exit = _Sync(ops.start_exit)
    exits = _Sync(ops.exits)
    exit_ = _Sync(ops.exit_)
    cancel_exit = _Sync(ops.cancel_exit)
    choose_transferee = _Sync(ops.choose_transferee)
    list_rulebooks = _Sync(ops.list_rulebooks)
    get_rulebook = _Sync(ops.get_rulebook)
    get_rollout = _Sync(ops.get_rollout)
    submit_rulebook = _Sync(ops.submit_rulebook)
    attach_what_if = _Sync(ops.attach_what_if)
    withdraw_rulebook = _Sync(ops.withdraw_rulebook)
    acknowledge_rulebook = _Sync(ops.acknowledge_rulebook)
    partners = _Sync(ops.partners)
    partner = _Sync(ops.partner)
    create_partner = _Sync(ops.create_partner)
    update_partner = _Sync(ops.update_partner)
    contacts = _Sync(ops.contacts)
    add_contact = _Sync(ops.add_contact)
    engagements = _Sync(ops.engagements)
    add_engagement = _Sync(ops.add_engagement)
    end_engagement = _Sync(ops.end_engagement)
    notifications = _Sync(ops.notifications)
    mark_read = _Sync(ops.mark_read)
    webhooks = _Sync(ops.webhooks)
    webhook = _Sync(ops.webhook)
    add_webhook = _Sync(ops.add_webhook)
    revoke_webhook = _Sync(ops.revoke_webhook)
    deliveries = _Sync(ops.deliveries)
    audit = _Sync(ops.audit)


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

    me = _Async(ops.me)
    tasks = _Async(ops.tasks)
    task = _Async(ops.task)
    decide = _Async(ops.decide)
    escalate = _Async(ops.escalate)
    register = _Async(ops.register)
    registrations = _Async(ops.registrations)
    registration = _Async(ops.registration)
    extend_registration = _Async(ops.extend_registration)
    close_registration = _Async(ops.close_registration)
    withdraw_registration = _Async(ops.withdraw_registration)
    answer_registration = _Async(ops.answer_registration)
    request_discount = _Async(ops.request_discount)
    discounts = _Async(ops.discounts)
    discount = _Async(ops.discount)
    revise_discount = _Async(ops.revise_discount)
    renew_discount = _Async(ops.renew_discount)
    withdraw_discount = _Async(ops.withdraw_discount)
    answer_discount = _Async(ops.answer_discount)
    open_dispute = _Async(ops.open_dispute)
    disputes = _Async(ops.disputes)
    dispute = _Async(ops.dispute)
    dispute_statement = _Async(ops.dispute_statement)
    withdraw_dispute = _Async(ops.withdraw_dispute)
    start_exit = _Async(ops.start_exit)
    exits = _Async(ops.exits)
    exit_ = _Async(ops.exit_)
    cancel_exit = _Async(ops.cancel_exit)
    choose_transferee = _Async(ops.choose_transferee)
    list_rulebooks = _Async(ops.list_rulebooks)
    get_rulebook = _Async(ops.get_rulebook)
    get_rollout = _Async(ops.get_rollout)
    submit_rulebook = _Async(ops.submit_rulebook)
    attach_what_if = _Async(ops.attach_what_if)
    withdraw_rulebook = _Async(ops.withdraw_rulebook)
    acknowledge_rulebook = _Async(ops.acknowledge_rulebook)
    partners = _Async(ops.partners)
    partner = _Async(ops.partner)
    create_partner = _Async(ops.create_partner)
    update_partner = _Async(ops.update_partner)
    contacts = _Async(ops.contacts)
    add_contact = _Async(ops.add_contact)
    engagements = _Async(ops.engagements)
    add_engagement = _Async(ops.add_engagement)
    end_engagement = _Async(ops.end_engagement)
    notifications = _Async(ops.notifications)
    mark_read = _Async(ops.mark_read)
    webhooks = _Async(ops.webhooks)
    webhook = _Async(ops.webhook)
    add_webhook = _Async(ops.add_webhook)
    revoke_webhook = _Async(ops.revoke_webhook)
    deliveries = _Async(ops.deliveries)
    audit = _Async(ops.audit)
