"""The closed vocabularies the store keeps as plain strings (validated on write, not DB enums).

Strings rather than database enum types keep migrations simple on both SQLite and PostgreSQL;
adding a member here needs no schema change.
"""

from __future__ import annotations

from enum import StrEnum


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITING = "exiting"
    EXITED = "exited"


class Role(StrEnum):
    """Roles a user can hold. Approver roles decide tasks; ``partner`` users act for a partner."""

    CHANNEL_ACCOUNT_MANAGER = "channel_account_manager"
    REGIONAL_CHANNEL_DIRECTOR = "regional_channel_director"
    VP_CHANNEL = "vp_channel"
    DEAL_DESK = "deal_desk"
    FINANCE = "finance"
    PARTNER_OPS = "partner_ops"
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
    SUBMITTED = "submitted"
    PENDING_APPROVAL = "pending_approval"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    WON = "won"
    LOST = "lost"


class ProcessType(StrEnum):
    """Kinds of process whose human tasks share the one inbox."""

    REGISTRATION = "registration"
    DISCOUNT = "discount"
    DISPUTE = "dispute"
    EXIT = "exit"
    RULEBOOK = "rulebook"  # roll-outs of rulebook versions: audit events only, never tasks


class TaskState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    INFO_REQUESTED = "info_requested"
    ANSWERED = "answered"  # the partner answered a request for more information
    ESCALATED = "escalated"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class NotificationKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    DECISION = "decision"


class SimulationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
