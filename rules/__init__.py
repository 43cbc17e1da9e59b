"""Parley's rulebook core: versioned Rules of Engagement and the pure decisions both engines share.

No I/O here except ``load_rulebook`` / ``load_library``; no clock, no globals. Every decision is a
function of (rulebook, request, facts snapshot, now) and carries its reasons and the version.
"""

from rules.approval import (
    ApprovalPath,
    PathEnd,
    PathStep,
    Position,
    Quorum,
    advance,
    approved,
    chain,
    ladder,
    waiting_for,
)
from rules.diff import RuleChange, diff_rulebooks
from rules.discount import (
    DiscountDecision,
    DiscountRequest,
    decide_discount,
    quote_valid_until,
    standard_discount,
)
from rules.durations import format_duration, parse_duration
from rules.enums import (
    AccessRevocation,
    Channel,
    DefaultAction,
    DirectEngagementPolicy,
    Disposition,
    ExitType,
    Outcome,
    PartnerStatus,
    RegistrationStanding,
)
from rules.escalation import EscalationLevel, dispute_deadlines, dispute_levels, dispute_path
from rules.exit import ExitPlan, RegistrationDisposition, exit_plan
from rules.explain import explain_rulebook
from rules.facts import (
    DirectEngagement,
    ExistingRegistration,
    PartnerFacts,
    RegistrationFacts,
    RegistrationRequest,
)
from rules.library import RulebookLibrary
from rules.loader import RulebookInvalid, load_library, load_rulebook, parse_rulebook
from rules.matching import RegistrationIndex, similarity
from rules.normalise import normalise_company_name, normalise_domain
from rules.protection import (
    ExtensionDecision,
    ProtectionWindow,
    decide_extension,
    protection_window,
)
from rules.reasons import Reason, ReasonCode
from rules.registration import Match, RegistrationDecision, approval_path, decide_registration
from rules.schema import Rulebook

__all__ = [
    "AccessRevocation",
    "ApprovalPath",
    "Channel",
    "DefaultAction",
    "DirectEngagement",
    "DirectEngagementPolicy",
    "DiscountDecision",
    "DiscountRequest",
    "Disposition",
    "EscalationLevel",
    "ExistingRegistration",
    "ExitPlan",
    "ExitType",
    "ExtensionDecision",
    "Match",
    "Outcome",
    "PartnerFacts",
    "PartnerStatus",
    "PathEnd",
    "PathStep",
    "Position",
    "ProtectionWindow",
    "Quorum",
    "Reason",
    "ReasonCode",
    "RegistrationDecision",
    "RegistrationDisposition",
    "RegistrationFacts",
    "RegistrationIndex",
    "RegistrationRequest",
    "RegistrationStanding",
    "RuleChange",
    "Rulebook",
    "RulebookInvalid",
    "RulebookLibrary",
    "advance",
    "approval_path",
    "approved",
    "chain",
    "decide_discount",
    "decide_extension",
    "decide_registration",
    "diff_rulebooks",
    "dispute_deadlines",
    "dispute_levels",
    "dispute_path",
    "exit_plan",
    "explain_rulebook",
    "format_duration",
    "ladder",
    "load_library",
    "load_rulebook",
    "normalise_company_name",
    "normalise_domain",
    "parse_duration",
    "parse_rulebook",
    "protection_window",
    "quote_valid_until",
    "similarity",
    "standard_discount",
    "waiting_for",
]
