"""Parley's rulebook core: versioned Rules of Engagement and the pure decisions both engines share.

No I/O here except ``load_rulebook`` / ``load_library``; no clock, no globals. Every decision is a
function of (rulebook, request, facts snapshot, now) and carries its reasons and the version.
"""

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
    RegistrationState,
)
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
from rules.reasons import Reason, ReasonCode
from rules.registration import ApprovalLevel, Match, RegistrationDecision, decide_registration
from rules.schema import Rulebook

__all__ = [
    "AccessRevocation",
    "ApprovalLevel",
    "Channel",
    "DefaultAction",
    "DirectEngagement",
    "DirectEngagementPolicy",
    "Disposition",
    "ExistingRegistration",
    "ExitType",
    "Match",
    "Outcome",
    "PartnerFacts",
    "PartnerStatus",
    "Reason",
    "ReasonCode",
    "RegistrationDecision",
    "RegistrationFacts",
    "RegistrationIndex",
    "RegistrationRequest",
    "RegistrationState",
    "Rulebook",
    "RulebookInvalid",
    "RulebookLibrary",
    "decide_registration",
    "format_duration",
    "load_library",
    "load_rulebook",
    "normalise_company_name",
    "normalise_domain",
    "parse_duration",
    "parse_rulebook",
    "similarity",
]
