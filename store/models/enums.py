"""The closed vocabularies the store keeps as plain strings (validated on write, not DB enums).

Strings rather than database enum types keep migrations simple on both SQLite and PostgreSQL;
adding a member here needs no schema change.
"""

from __future__ import annotations

from enum import StrEnum, nonmember

from rules.enums import PartnerStatus

__all__ = [
    "APPROVER_ROLES",
    "DeliveryChannel",
    "DeliveryState",
    "DiscountState",
    "DisputeState",
    "EventType",
    "PartnerStatus",  # one vocabulary for rules and store: the rules core owns it
    "ProcessType",
    "RegistrationState",
    "Role",
    "SimulationStatus",
    "TaskOutcome",
    "TaskState",
]


class Role(StrEnum):
    """Roles a user can hold. Approver roles decide tasks; ``partner`` users act for a partner."""

    CHANNEL_ACCOUNT_MANAGER = "channel_account_manager"
    REGIONAL_CHANNEL_DIRECTOR = "regional_channel_director"
    VP_CHANNEL = "vp_channel"
    DEAL_DESK = "deal_desk"
    FINANCE = "finance"
    PARTNER_OPS = "partner_ops"
    DIRECT_SALES = "direct_sales"  # contests partners' registrations and answers for direct sales
    PARTNER = "partner"
    ADMIN = "admin"


APPROVER_ROLES: tuple[Role, ...] = (
    Role.CHANNEL_ACCOUNT_MANAGER,
    Role.REGIONAL_CHANNEL_DIRECTOR,
    Role.VP_CHANNEL,
    Role.DEAL_DESK,
    Role.FINANCE,
    Role.PARTNER_OPS,
)


class RegistrationState(StrEnum):
    """A registration process's lifecycle, as its workflow moves and its row records it."""

    SUBMITTED = "submitted"
    PENDING_APPROVAL = "pending_approval"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    WON = "won"
    LOST = "lost"
    RELEASED = "released"  # a dispute or an exit gave the account to another partner or direct sales

    # The process is still running: it holds its account, or may come to.
    LIVE = nonmember(frozenset({"submitted", "pending_approval", "info_requested", "approved"}))
    # The process has ended; nothing can change it any more (a rejection can still be contested
    # within the rulebook's appeal window, which a dispute's award turns into an approval).
    FINAL = nonmember(frozenset({"rejected", "expired", "withdrawn", "won", "lost", "released"}))
    # Live, or won: the states in which a registration stands between a partner and an account.
    HOLDING = nonmember(frozenset({"submitted", "pending_approval", "info_requested", "approved", "won"}))


class DiscountState(StrEnum):
    """A discount request's lifecycle, as its workflow moves and its row records it."""

    REQUESTED = "requested"
    PENDING_APPROVAL = "pending_approval"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"  # quotable until its validity date
    EXPIRED = "expired"  # the quote lapsed; a renewal asks again
    REFUSED = "refused"  # the rules refused it (above the maximum, no justification)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # the registration it priced has ended

    LIVE = nonmember(frozenset({"requested", "pending_approval", "info_requested", "approved", "expired"}))
    FINAL = nonmember(frozenset({"refused", "rejected", "withdrawn", "closed"}))


class DisputeState(StrEnum):
    """A dispute's lifecycle, as its workflow moves and its row records it."""

    OPENED = "opened"
    HEARING = "hearing"  # the parties give their statements
    IN_REVIEW = "in_review"  # a level of the escalation path hears the case
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # the contested registration could no longer be contested

    LIVE = nonmember(frozenset({"opened", "hearing", "in_review"}))
    FINAL = nonmember(frozenset({"resolved", "withdrawn", "closed"}))


class ExitState(StrEnum):
    """A partner exit's lifecycle, as its workflow moves and its row records it."""

    STARTED = "started"  # recorded; the rulebook says whether someone must approve it first
    AWAITING_APPROVAL = "awaiting_approval"  # for cause: a second person must approve first
    NOTICE = "notice"  # in effect: the partner is exiting, new registrations are frozen
    WINDING_DOWN = "winding_down"  # notice ended: dispositions applied, honoured ones run out
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # withdrawn before notice ended: the partner's status restored
    REFUSED = "refused"  # the approval was refused or lapsed: the exit never took effect

    LIVE = nonmember(frozenset({"started", "awaiting_approval", "notice", "winding_down"}))
    FINAL = nonmember(frozenset({"completed", "cancelled", "refused"}))
    CANCELLABLE = nonmember(frozenset({"started", "awaiting_approval", "notice"}))


class DispositionState(StrEnum):
    """Where one open registration stands in its partner's exit."""

    PLANNED = "planned"  # what the plan says now; applied at notice end
    AWAITING_CHOICE = "awaiting_choice"  # transfer with nobody eligible: partner operations choose
    HONOURED = "honoured"  # stays protected until it expires
    APPLIED = "applied"  # transferred or returned to direct
    ENDED = "ended"  # the registration ended on its own before the disposition applied


class ProcessType(StrEnum):
    """Kinds of process whose human tasks share the one inbox."""

    REGISTRATION = "registration"
    DISCOUNT = "discount"
    DISPUTE = "dispute"
    EXIT = "exit"
    RULEBOOK = "rulebook"  # roll-outs of rulebook versions: approval and acknowledgement tasks


class TaskState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskOutcome(StrEnum):
    APPROVED = "approved"
    DECIDED = "decided"  # a decision that settles a case without approving anything (a dispute)
    STATEMENT_GIVEN = "statement_given"  # a party of a dispute gave its statement
    REJECTED = "rejected"
    INFO_REQUESTED = "info_requested"
    ANSWERED = "answered"  # the partner answered a request for more information
    ESCALATED = "escalated"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ACKNOWLEDGED = "acknowledged"  # a partner acknowledged a published rulebook


class EventType(StrEnum):
    """What a notification tells; stable names that email, webhooks and the in-app list share.

    docs/notifications.md documents each one's payload. Adding a member needs no schema change.
    """

    TASK_ASSIGNED = "task.assigned"
    TASK_SLA_WARNING = "task.sla_warning"  # a task's SLA is about to pass
    TASK_ESCALATED = "task.escalated"
    TASK_INFO_REQUESTED = "task.info_requested"  # a partner is asked a question about its request
    REGISTRATION_DECIDED = "registration.decided"
    REGISTRATION_PROTECTION_LAPSING = "registration.protection_lapsing"
    REGISTRATION_EXPIRED = "registration.expired"
    REGISTRATION_CHANGED = "registration.changed"  # a dispute's award or an exit moved it
    DISCOUNT_APPROVED = "discount.approved"
    DISCOUNT_DECIDED = "discount.decided"  # any other ending: refused, rejected
    DISCOUNT_EXPIRING = "discount.expiring"
    DISCOUNT_EXPIRED = "discount.expired"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_ESCALATED = "dispute.escalated"
    DISPUTE_RESOLVED = "dispute.resolved"
    DISPUTE_WITHDRAWN = "dispute.withdrawn"
    EXIT_MILESTONE = "exit.milestone"
    RULEBOOK_PUBLISHED = "rulebook.published"  # approved: the playbook is out, acknowledgement asked
    RULEBOOK_ACKNOWLEDGEMENT_DUE = "rulebook.acknowledgement_due"  # a reminder before the deadline
    RULEBOOK_IN_FORCE = "rulebook.in_force"
    RULEBOOK_WITHDRAWN = "rulebook.withdrawn"  # withdrawn, declined or lapsed before taking effect


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"
    DEAD = "dead"  # every attempt failed: dead-lettered, shown to partner operations


class RulebookState(StrEnum):
    """Where a rulebook version stands: a draft waits for its roll-out's approval; an approved
    version is published and scheduled until its effective date, then in force until a later one
    supersedes it. Withdrawn: taken back, declined or lapsed before it took effect (its id stays
    used). Which version governs at a moment is decided by effective dates alone (``LIBRARY``)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


# The versions that govern by their effective dates (the workers' and web apps' library).
LIBRARY_STATES = (
    RulebookState.APPROVED,
    RulebookState.SCHEDULED,
    RulebookState.IN_FORCE,
    RulebookState.SUPERSEDED,
)


class SimulationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
