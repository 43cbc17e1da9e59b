"""The Rulebook: typed, validated Rules of Engagement (pydantic models, unknown keys refused).

Field-level rules live here; rules that relate one part of the document to another (a role named
in a route must exist, bands must increase ...) live in ``rules.checks`` so every problem can be
reported with its path at once. ``Rulebook.model_validate(rb.model_dump(mode="json"))`` rebuilds
an equal rulebook, which is how a workflow receives the document from an activity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from rules.checks import check_rulebook
from rules.durations import compact_duration, parse_duration
from rules.enums import (
    AccessRevocation,
    Channel,
    DefaultAction,
    DirectEngagementPolicy,
    Disposition,
    DisputeResolution,
    ExitType,
    RegistrationStanding,
)


def _fraction(value: Any) -> Any:
    """Accept ``0.15`` or ``"15%"`` for rates."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a percentage") from exc
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(compact_duration, return_type=str, when_used="json"),
]
Fraction = Annotated[float, BeforeValidator(_fraction), Field(ge=0.0, le=1.0)]
Money = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- program ---------------------------------------------------------------------------------


class Role(Strict):
    """An approver role; ``seniority`` orders escalation (higher is more senior)."""

    name: Slug
    title: str
    seniority: int = Field(ge=1)


class Tier(Strict):
    """A partner tier; tiers are listed from entry level to top."""

    name: Slug
    standard_discount: Fraction


class VolumeBand(Strict):
    """Extra standard discount for deals of at least ``min_deal_value``."""

    min_deal_value: Money
    discount: Fraction


class ProductLine(Strict):
    id: Slug
    name: str
    required_certifications: list[Slug] = Field(default_factory=list)


_Item = TypeVar("_Item")


def _first_of_each(items: Sequence[_Item], key: Callable[[_Item], str]) -> dict[str, _Item]:
    found: dict[str, _Item] = {}
    for item in items:
        found.setdefault(key(item), item)
    return found


class Program(Strict):
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    territories: list[Slug] = Field(min_length=1)
    verticals: list[Slug] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)
    volume_discounts: list[VolumeBand] = Field(default_factory=list)
    product_lines: list[ProductLine] = Field(min_length=1)

    # Lookups by name; the rules' checks refuse a name given twice, and should one get through,
    # the first of a name counts everywhere. Decisions read them once per rulebook
    # (``rules.prepared``).
    def role(self, name: str) -> Role | None:
        for role in self.roles:
            if role.name == name:
                return role
        return None

    def tiers_by_name(self) -> dict[str, Tier]:
        return _first_of_each(self.tiers, lambda tier: tier.name)

    def tier_ranks(self) -> dict[str, int]:
        """Each tier's position from the bottom (0), by name."""
        return {name: self.tiers.index(tier) for name, tier in self.tiers_by_name().items()}

    def tier_rank(self, name: str) -> int | None:
        """Position of a tier from the bottom (0), or None when the program has no such tier."""
        return self.tier_ranks().get(name)

    def product_lines_by_id(self) -> dict[str, ProductLine]:
        return _first_of_each(self.product_lines, lambda line: line.id)


# --- deal registration -----------------------------------------------------------------------


class Eligibility(Strict):
    require_territory: bool = True
    require_vertical: bool = True
    require_certification: bool = True


class ConflictPolicy(Strict):
    """First to register an account + product line wins; duplicates found by fuzzy matching.

    Similarities are 0..1 (rapidfuzz token-sort ratio of normalised names). At or above
    ``name_match_threshold`` two names are the same account; between ``name_review_threshold``
    and that they are similar enough that a person must look.
    """

    direct_engagement: DirectEngagementPolicy = DirectEngagementPolicy.PRECLUDE
    name_match_threshold: Fraction = 0.9
    name_review_threshold: Fraction = 0.8
    match_domains: bool = True
    holding_states: list[RegistrationStanding] = Field(
        default_factory=lambda: [
            RegistrationStanding.PENDING,
            RegistrationStanding.APPROVED,
            RegistrationStanding.CLOSED_WON,
        ]
    )


class AutoApprove(Strict):
    enabled: bool = True
    max_deal_value: Money
    min_tier: Slug


class AutoReject(Strict):
    """Which refusals the rules settle alone; anything not settled here goes to people."""

    ineligible: bool = True
    conflict: bool = True
    below_deal_value: Money = 0.0


class RouteLevel(Strict):
    role: Slug
    sla: Duration


class Extensions(Strict):
    max_count: int = Field(ge=0)
    length: Duration
    request_window: Duration | None = None  # only this close to expiry; None = any time


class Registration(Strict):
    eligibility: Eligibility = Field(default_factory=Eligibility)
    conflict: ConflictPolicy = Field(default_factory=ConflictPolicy)
    auto_approve: AutoApprove
    auto_reject: AutoReject = Field(default_factory=AutoReject)
    approval_route: list[RouteLevel] = Field(min_length=1)
    default_action: DefaultAction
    protection_period: Duration
    reminder_lead_time: Duration
    extensions: Extensions
    resubmission_limit: int = Field(ge=0)


# --- discount exceptions ---------------------------------------------------------------------


class DiscountStep(Strict):
    """One step of a discount approval chain; all ``roles`` approve in parallel."""

    roles: list[Slug] = Field(min_length=1)
    sla: Duration


class DiscountBand(Strict):
    """Discounts up to ``max_discount`` (inclusive) need these steps, in order."""

    max_discount: Fraction
    steps: list[DiscountStep] = Field(default_factory=list)


class DealSizeBump(Strict):
    """Deals of at least ``min_deal_value`` are treated ``levels`` bands higher (never lower)."""

    min_deal_value: Money
    levels: int = Field(ge=1)


class DiscountEscalation(Strict):
    escalate_to: Slug
    default_action: DefaultAction = DefaultAction.REJECT


class Discount(Strict):
    matrix: list[DiscountBand] = Field(min_length=1)
    deal_size_bumps: list[DealSizeBump] = Field(default_factory=list)
    justification_required_above: Fraction
    quote_validity: Duration
    # The partner is reminded this long before approved pricing lapses. Optional so that rulebooks
    # pinned by processes before it existed still load; omitted, there is no reminder.
    reminder_lead_time: Duration | None = None
    escalation: DiscountEscalation


# --- escalation and disputes -----------------------------------------------------------------


class EscalationLevelRule(Strict):
    role: Slug
    response_sla: Duration
    channel: Channel


class Escalation(Strict):
    """The written dispute path. The three settings below it default to the values rulebooks
    pinned before they existed behaved by, so those still load."""

    levels: list[EscalationLevelRule] = Field(min_length=1)
    # A conflict decision can be contested this long after it was made.
    appeal_window: Duration = timedelta(days=14)
    # Each party's time to give its statement before the first level hears the case.
    party_response: Duration = timedelta(days=3)
    # What stands when every level's response time passed: never a claim nobody decided.
    default_resolution: DisputeResolution = DisputeResolution.UPHOLD
    # The claimant's share of a co-sold deal (the holder keeps the rest).
    co_sell_split: Fraction = 0.5


# --- partner exit ----------------------------------------------------------------------------


class ExitApproval(Strict):
    """A second person who must approve an exit before it takes effect (four-eyes: never the
    person who started it); past ``sla`` without a decision the exit does not take effect."""

    role: Slug = "vp_channel"
    sla: Duration = timedelta(days=2)


class ExitPolicy(Strict):
    notice: Duration
    # None: takes effect when started, except for cause, which always needs a second person
    # (``rules.exit.approval_path`` supplies the default approval when the rulebook names none).
    approval: ExitApproval | None = None
    access_revoked: AccessRevocation = AccessRevocation.AT_NOTICE_END
    pending: Disposition
    approved: Disposition
    honour_limit: Duration | None = None  # honour only what expires this soon after notice end
    beyond_honour_limit: Disposition = Disposition.RETURN_TO_DIRECT
    commission_wind_down: Duration
    mdf_wind_down: Duration


class Exit(Strict):
    voluntary: ExitPolicy
    for_cause: ExitPolicy
    program_change: ExitPolicy

    def policy(self, exit_type: ExitType) -> ExitPolicy:
        policy: ExitPolicy = getattr(self, ExitType(exit_type).value)
        return policy


# --- rulebook roll-out --------------------------------------------------------------------------


class Rollout(Strict):
    """How the *next* version is rolled out: read from the version in force when a draft is
    submitted (a draft never governs its own approval). Optional in a file: these defaults apply.

    A second person of ``approver_role`` approves (never the author) within ``approval_sla``;
    past it the draft lapses. With ``simulation_required`` a completed what-if of the draft
    against the version in force must be attached first. On approval the playbook is published
    and every active partner must acknowledge it within ``acknowledgement_period``, reminded
    ``acknowledgement_reminder`` before that deadline. After the version's effective date a
    partner that has not acknowledged it may still register deals only if
    ``unacknowledged_may_register``.
    """

    approver_role: Slug = "vp_channel"
    approval_sla: Duration = timedelta(days=5)
    simulation_required: bool = True
    acknowledgement_period: Duration = timedelta(days=14)
    acknowledgement_reminder: Duration = timedelta(days=3)
    unacknowledged_may_register: bool = True


# --- the document ----------------------------------------------------------------------------


class Rulebook(Strict):
    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    effective_from: datetime
    title: str = ""
    program: Program
    registration: Registration
    discount: Discount
    escalation: Escalation
    exit: Exit
    rollout: Rollout = Field(default_factory=Rollout)

    @field_validator("effective_from")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-01-01T00:00:00Z")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _consistent(self) -> Rulebook:
        problems = check_rulebook(self)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self


SECTIONS: dict[str, type[Strict]] = {
    "program": Program,
    "registration": Registration,
    "discount": Discount,
    "escalation": Escalation,
    "exit": Exit,
}
# Sections a file may leave out: their defaults apply.
OPTIONAL_SECTIONS: dict[str, type[Strict]] = {"rollout": Rollout}
