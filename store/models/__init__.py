"""Every table of the data layer, importable from one place (``from store.models import Task``).

Importing this package registers all tables on ``SQLModel.metadata``, which Alembic compares
against when a migration is generated.
"""

from store.models.discounts import DiscountException, DiscountExceptionCreate
from store.models.disputes import Dispute, DisputeCreate, DisputeStatement
from store.models.enums import (
    APPROVER_ROLES,
    DeliveryChannel,
    DeliveryState,
    DiscountState,
    DispositionState,
    DisputeState,
    EventType,
    ExitState,
    PartnerStatus,
    ProcessType,
    RegistrationState,
    Role,
    SimulationStatus,
    TaskOutcome,
    TaskState,
)
from store.models.exits import Exit, ExitDisposition
from store.models.notifications import (
    Delivery,
    Notification,
    NotificationCreate,
    NotificationRead,
    WebhookSubscription,
    WebhookSubscriptionCreate,
)
from store.models.partners import (
    Account,
    AccountBlock,
    AccountCreate,
    AccountPublic,
    DirectEngagement,
    DirectEngagementCreate,
    Partner,
    PartnerContact,
    PartnerContactCreate,
    PartnerCreate,
    PartnerPublic,
)
from store.models.records import AuditEvent, AuditEventCreate
from store.models.registrations import (
    AccountClaim,
    Registration,
    RegistrationBlock,
    RegistrationCreate,
    RegistrationPublic,
)
from store.models.rulebooks import (
    RulebookVersion,
    RulebookVersionCreate,
    SimulationRun,
    SimulationRunCreate,
)
from store.models.tasks import Task, TaskOpen, TaskPublic
from store.models.types import JSONDocument, UTCDateTime, as_utc, utcnow
from store.models.users import ApiToken, Delegation, DelegationCreate, User, UserCreate, UserPublic

__all__ = [
    "APPROVER_ROLES",
    "Account",
    "AccountBlock",
    "AccountClaim",
    "AccountCreate",
    "AccountPublic",
    "ApiToken",
    "AuditEvent",
    "AuditEventCreate",
    "Delegation",
    "DelegationCreate",
    "Delivery",
    "DeliveryChannel",
    "DeliveryState",
    "DirectEngagement",
    "DirectEngagementCreate",
    "DiscountException",
    "DiscountExceptionCreate",
    "DiscountState",
    "DispositionState",
    "Dispute",
    "DisputeCreate",
    "DisputeState",
    "DisputeStatement",
    "EventType",
    "Exit",
    "ExitDisposition",
    "ExitState",
    "JSONDocument",
    "Notification",
    "NotificationCreate",
    "NotificationRead",
    "Partner",
    "PartnerContact",
    "PartnerContactCreate",
    "PartnerCreate",
    "PartnerPublic",
    "PartnerStatus",
    "ProcessType",
    "Registration",
    "RegistrationBlock",
    "RegistrationCreate",
    "RegistrationPublic",
    "RegistrationState",
    "Role",
    "RulebookVersion",
    "RulebookVersionCreate",
    "SimulationRun",
    "SimulationRunCreate",
    "SimulationStatus",
    "Task",
    "TaskOpen",
    "TaskOutcome",
    "TaskPublic",
    "TaskState",
    "UTCDateTime",
    "User",
    "UserCreate",
    "UserPublic",
    "WebhookSubscription",
    "WebhookSubscriptionCreate",
    "as_utc",
    "utcnow",
]
