"""The figures ``/metrics`` reads from the database at scrape time, one small function per family.

Every label is a role, a process type, a state or a bucket, never a partner, a user or a process
id: the scrape is read by monitoring, which must not learn who the partners are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from store.engine import session_scope
from store.models import (
    AuditEvent,
    Delivery,
    DeliveryChannel,
    DeliveryState,
    DiscountException,
    DiscountState,
    Dispute,
    DisputeState,
    Exit,
    ExitState,
    ProcessType,
    Registration,
    RegistrationState,
    Role,
    Task,
    TaskState,
    utcnow,
)

log = logging.getLogger(__name__)

# Upper bounds of an open task's age and the label each band carries; older than the last is "gt_3d".
AGE_BANDS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(hours=1), "lt_1h"),
    (timedelta(hours=4), "1h_4h"),
    (timedelta(hours=24), "4h_24h"),
    (timedelta(days=3), "1d_3d"),
)
OLDEST_BAND = "gt_3d"
AGE_LABELS = (*(label for _, label in AGE_BANDS), OLDEST_BAND)

# The action the approval walk records when a step escalates; its actor is ``rule:sla.escalated``
# when the SLA passed and the user's name when someone escalated by hand.
ESCALATED_ACTION = "review.escalated"

# Each process's own table and the vocabulary of its ``state`` column.
ProcessTable = type[Registration | DiscountException | Dispute | Exit]
PROCESS_TABLES: tuple[tuple[ProcessType, ProcessTable, type[StrEnum]], ...] = (
    (ProcessType.REGISTRATION, Registration, RegistrationState),
    (ProcessType.DISCOUNT, DiscountException, DiscountState),
    (ProcessType.DISPUTE, Dispute, DisputeState),
    (ProcessType.EXIT, Exit, ExitState),
)

Family = Callable[[Session, datetime], Metric]


def open_tasks(db: Session, now: datetime) -> Metric:
    """Open tasks by role and age band (every role and band, zero when none)."""
    band = case(
        *((col(Task.created_at) > now - bound, label) for bound, label in AGE_BANDS), else_=OLDEST_BAND
    )
    # Grouped in an outer query: PostgreSQL cannot match a CASE with bound parameters between
    # SELECT and GROUP BY.
    inner = (
        select(col(Task.role).label("role"), band.label("age")).where(Task.state == TaskState.OPEN).subquery()
    )
    query = select(inner.c.role, inner.c.age, func.count()).group_by(inner.c.role, inner.c.age)
    counts = {(str(role), age): 0 for role in Role for age in AGE_LABELS}
    counts.update({(role, age): n for role, age, n in db.exec(query)})
    family = GaugeMetricFamily(
        "parley_open_tasks", "Open human tasks by role and age since they opened.", labels=["role", "age"]
    )
    for role, age in sorted(counts, key=lambda key: (key[0], AGE_LABELS.index(key[1]))):
        family.add_metric([role, age], counts[role, age])
    return family


def overdue_tasks(db: Session, now: datetime) -> Metric:
    """Open tasks whose due time has passed, by role (every role, zero when none)."""
    query = (
        select(Task.role, func.count())
        .where(Task.state == TaskState.OPEN, col(Task.due_at) < now)
        .group_by(Task.role)
    )
    counts = {str(role): 0 for role in Role} | {role: n for role, n in db.exec(query)}
    family = GaugeMetricFamily(
        "parley_open_tasks_overdue", "Open human tasks past their due time, by role.", labels=["role"]
    )
    for role, n in sorted(counts.items()):
        family.add_metric([role], n)
    return family


def sla_breaches(db: Session, now: datetime) -> Metric:
    """Closed tasks whose SLA had passed when they closed (escalated, lapsed, or decided late)."""
    query = (
        select(Task.process_type, Task.role, func.count())
        .where(Task.state == TaskState.CLOSED, col(Task.closed_at) >= col(Task.due_at))
        .group_by(Task.process_type, Task.role)
    )
    family = CounterMetricFamily(
        "parley_sla_breached_tasks",
        "Human tasks closed at or after their due time, by process type and role.",
        labels=["process_type", "role"],
    )
    for process_type, role, n in sorted(db.exec(query)):
        family.add_metric([process_type, role], n)
    return family


def escalations(db: Session, now: datetime) -> Metric:
    """Escalations of an approval step, by process type and cause (the SLA passed, or by hand)."""
    cause = case((col(AuditEvent.actor).startswith("rule:"), "sla"), else_="by_hand")
    inner = (
        select(col(AuditEvent.process_type).label("process_type"), cause.label("cause"))
        .where(AuditEvent.action == ESCALATED_ACTION)
        .subquery()
    )
    query = select(inner.c.process_type, inner.c.cause, func.count()).group_by(
        inner.c.process_type, inner.c.cause
    )
    family = CounterMetricFamily(
        "parley_escalations",
        "Approval steps escalated to the next level, by process type and cause (sla or by_hand).",
        labels=["process_type", "cause"],
    )
    for process_type, why, n in sorted(db.exec(query)):
        family.add_metric([process_type, why], n)
    return family


def processes(db: Session, now: datetime) -> Metric:
    """Processes by type and state, from each process's own table (every state, zero when none)."""
    family = GaugeMetricFamily(
        "parley_processes", "Processes by type and state.", labels=["process_type", "state"]
    )
    for process_type, table, states in PROCESS_TABLES:
        query = select(table.state, func.count()).group_by(table.state)
        counts = {str(state): 0 for state in states} | {state: n for state, n in db.exec(query)}
        for state, n in sorted(counts.items()):
            family.add_metric([process_type.value, state], n)
    return family


def deliveries(db: Session, now: datetime) -> Metric:
    """Mails and webhook calls by channel and state (every pair, zero when none)."""
    query = select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state)
    counts = {(str(channel), str(state)): 0 for channel in DeliveryChannel for state in DeliveryState}
    counts.update({(channel, state): n for channel, state, n in db.exec(query)})
    family = GaugeMetricFamily(
        "parley_notification_deliveries",
        "Notification deliveries by channel and state (pending, delivered, dead: dead-lettered).",
        labels=["channel", "state"],
    )
    for (channel, state), n in sorted(counts.items()):
        family.add_metric([channel, state], n)
    return family


def delivery_failures(db: Session, now: datetime) -> Metric:
    """Failed attempts on the deliveries in the log, by channel: every attempt but the one that
    delivered. A gauge, not a counter: retrying a dead letter starts its attempts again."""
    delivered = func.sum(case((col(Delivery.state) == DeliveryState.DELIVERED, 1), else_=0))
    query = select(Delivery.channel, func.sum(Delivery.attempts) - delivered).group_by(Delivery.channel)
    counts = {str(channel): 0 for channel in DeliveryChannel} | {c: n for c, n in db.exec(query)}
    family = GaugeMetricFamily(
        "parley_notification_delivery_failed_attempts",
        "Failed delivery attempts recorded in the delivery log, by channel.",
        labels=["channel"],
    )
    for channel, n in sorted(counts.items()):
        family.add_metric([channel], n)
    return family


FAMILIES: tuple[Family, ...] = (
    open_tasks,
    overdue_tasks,
    sla_breaches,
    escalations,
    processes,
    deliveries,
    delivery_failures,
)


class StoreCollector(Collector):
    """Reads every family through one short session at scrape time.

    A database that does not answer yields ``parley_metrics_database_up 0`` and no figures, so
    the scrape still succeeds and the outage shows up as a metric rather than a failed target.
    """

    def __init__(self, families: Iterable[Family] = FAMILIES, clock: Callable[[], datetime] = utcnow) -> None:
        self.families = tuple(families)
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        figures: list[Metric] = []
        try:
            with session_scope() as db:
                figures = [family(db, now) for family in self.families]
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            figures = []
            up = 0
        else:
            up = 1
        yield GaugeMetricFamily(
            "parley_metrics_database_up", "1 when the scrape could read the database, else 0.", value=up
        )
        yield from figures
