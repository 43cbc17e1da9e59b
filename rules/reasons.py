"""Stable reason codes and the ``Reason`` every decision carries.

Codes are part of the public contract (partners, the audit trail and reports filter on them), so
they never change meaning; texts are for people and include the facts used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, cast


class ReasonCode(StrEnum):
    """Every code a decision function can give, grouped by the rule that produced it."""

    PARTNER_INACTIVE = "eligibility.partner_inactive"
    TERRITORY_NOT_AUTHORISED = "eligibility.territory_not_authorised"
    VERTICAL_NOT_AUTHORISED = "eligibility.vertical_not_authorised"
    NOT_CERTIFIED = "eligibility.not_certified"
    UNKNOWN_TERRITORY = "eligibility.unknown_territory"
    UNKNOWN_VERTICAL = "eligibility.unknown_vertical"
    UNKNOWN_PRODUCT_LINE = "eligibility.unknown_product_line"
    RULEBOOK_NOT_ACKNOWLEDGED = "eligibility.rulebook_not_acknowledged"
    FIRST_TO_REGISTER = "conflict.first_to_register"
    FIRST_TO_REGISTER_WON = "conflict.first_to_register_won"
    DIRECT_ENGAGED = "conflict.direct_engaged"
    PRIOR_EXPIRED = "conflict.prior_expired"
    PRIOR_RELEASED = "conflict.prior_released"
    OTHER_PRODUCT_LINE = "conflict.other_product_line"
    ALREADY_REGISTERED = "duplicate.already_registered"
    FUZZY_MATCH = "duplicate.fuzzy_match"
    # An approver's answer to ``FUZZY_MATCH``, recorded with their decision (not by the rules).
    JUDGED_DIFFERENT_ACCOUNT = "duplicate.judged_different_account"
    JUDGED_SAME_ACCOUNT = "duplicate.judged_same_account"
    APPROVAL_REQUIRED = "approval.required"
    AUTO_APPROVED = "auto.approved"
    AUTO_REJECTED = "auto.rejected"
    RESUBMISSION_LIMIT = "resubmission.limit_reached"
    EXTENSION_GRANTED = "extension.granted"
    EXTENSION_LIMIT = "extension.limit_reached"
    EXTENSION_LAPSED = "extension.lapsed"
    EXTENSION_TOO_EARLY = "extension.too_early"
    DISCOUNT_STANDARD = "discount.within_standard"
    DISCOUNT_AUTOMATIC = "discount.automatic_band"
    DISCOUNT_APPROVAL = "discount.approval_required"
    DISCOUNT_DEAL_SIZE = "discount.deal_size_bump"
    DISCOUNT_JUSTIFICATION_MISSING = "discount.justification_required"
    DISCOUNT_ABOVE_MAXIMUM = "discount.above_maximum"
    DISCOUNT_REVISION_COVERED = "discount.revision_covered"
    DISCOUNT_REVISION_REAPPROVAL = "discount.revision_reapproval"
    EXIT_HONOUR = "exit.honour_until_expiry"
    EXIT_TRANSFER = "exit.transfer"
    EXIT_RETURN_TO_DIRECT = "exit.return_to_direct"
    EXIT_HONOUR_LIMIT = "exit.beyond_honour_limit"
    EXIT_TRANSFEREE_INELIGIBLE = "exit.transferee_ineligible"
    EXIT_NO_TRANSFEREE = "exit.no_transferee"
    ROLLOUT_SIMULATION_MISSING = "rollout.simulation_missing"
    ROLLOUT_SIMULATION_ATTACHED = "rollout.simulation_attached"
    ROLLOUT_SIMULATION_WAIVED = "rollout.simulation_not_required"
    ROLLOUT_WITHDRAWN = "rollout.withdrawn"
    ROLLOUT_ACKNOWLEDGEMENT_OVERDUE = "rollout.acknowledgement_overdue"
    ROLLOUT_SUPERSEDED = "rollout.superseded"


MEANINGS: dict[ReasonCode, str] = {
    ReasonCode.PARTNER_INACTIVE: "the partner is not active (suspended, exiting or exited)",
    ReasonCode.TERRITORY_NOT_AUTHORISED: "the partner is not authorised for the territory",
    ReasonCode.VERTICAL_NOT_AUTHORISED: "the partner is not authorised for the vertical",
    ReasonCode.NOT_CERTIFIED: "the partner lacks a certification the product line requires",
    ReasonCode.UNKNOWN_TERRITORY: "the territory is not part of the program",
    ReasonCode.UNKNOWN_VERTICAL: "the vertical is not part of the program",
    ReasonCode.UNKNOWN_PRODUCT_LINE: "the product line is not part of the program",
    ReasonCode.RULEBOOK_NOT_ACKNOWLEDGED: "the partner has not acknowledged the rulebook in force, "
    "which requires it before new registrations",
    ReasonCode.FIRST_TO_REGISTER: "another partner registered the account and product line first",
    ReasonCode.FIRST_TO_REGISTER_WON: "this request was first, but a later overlapping "
    "registration is on file; a person resolves it",
    ReasonCode.DIRECT_ENGAGED: "direct sales was engaged with the account first",
    ReasonCode.PRIOR_EXPIRED: "an earlier registration of the account lapsed (information)",
    ReasonCode.PRIOR_RELEASED: "an earlier registration closed lost or was withdrawn (information)",
    ReasonCode.OTHER_PRODUCT_LINE: "another partner holds the account for a different product "
    "line (information)",
    ReasonCode.ALREADY_REGISTERED: "the partner already holds this account and product line",
    ReasonCode.FUZZY_MATCH: "a similar account is registered; a person decides if it is the same",
    ReasonCode.JUDGED_DIFFERENT_ACCOUNT: "an approver judged the similar registered account a "
    "different account and approved",
    ReasonCode.JUDGED_SAME_ACCOUNT: "an approver judged the similar registered account the same "
    "account and rejected",
    ReasonCode.APPROVAL_REQUIRED: "outside the auto-approve conditions: the approval route decides",
    ReasonCode.AUTO_APPROVED: "eligible, no conflict, within the auto-approve conditions",
    ReasonCode.AUTO_REJECTED: "an automatic refusal condition (e.g. deal below the minimum)",
    ReasonCode.RESUBMISSION_LIMIT: "too many submissions for the same account and product line",
    ReasonCode.EXTENSION_GRANTED: "protection extended",
    ReasonCode.EXTENSION_LIMIT: "every allowed extension is used",
    ReasonCode.EXTENSION_LAPSED: "protection already lapsed; it cannot be extended",
    ReasonCode.EXTENSION_TOO_EARLY: "extensions open only close to expiry",
    ReasonCode.DISCOUNT_STANDARD: "standard pricing only: no exception",
    ReasonCode.DISCOUNT_AUTOMATIC: "the exception is within the automatic band",
    ReasonCode.DISCOUNT_APPROVAL: "the exception needs the approval chain of its band",
    ReasonCode.DISCOUNT_DEAL_SIZE: "a large deal moves the exception to a higher band",
    ReasonCode.DISCOUNT_JUSTIFICATION_MISSING: "a justification is required above the threshold",
    ReasonCode.DISCOUNT_ABOVE_MAXIMUM: "no approver may grant this much",
    ReasonCode.DISCOUNT_REVISION_COVERED: "a revision within what was already approved: no new approval",
    ReasonCode.DISCOUNT_REVISION_REAPPROVAL: "a revision beyond what was approved: those whose part "
    "changed approve again",
    ReasonCode.EXIT_HONOUR: "the registration is honoured until it expires",
    ReasonCode.EXIT_TRANSFER: "the registration is transferred to another partner",
    ReasonCode.EXIT_RETURN_TO_DIRECT: "the registration returns to direct sales",
    ReasonCode.EXIT_HONOUR_LIMIT: "protection runs too far past the notice period to honour",
    ReasonCode.EXIT_TRANSFEREE_INELIGIBLE: "a partner that registered the account may not take it over",
    ReasonCode.EXIT_NO_TRANSFEREE: "no other eligible partner registered the account",
    ReasonCode.ROLLOUT_SIMULATION_MISSING: "the rulebook in force requires a completed what-if of "
    "the draft against it before approval",
    ReasonCode.ROLLOUT_SIMULATION_ATTACHED: "a completed what-if of the draft against the version "
    "in force is attached",
    ReasonCode.ROLLOUT_SIMULATION_WAIVED: "the rulebook in force does not require a what-if before approval",
    ReasonCode.ROLLOUT_WITHDRAWN: "the version was withdrawn, declined or lapsed before taking effect",
    ReasonCode.ROLLOUT_ACKNOWLEDGEMENT_OVERDUE: "partners asked to acknowledge the version have not "
    "done so by the deadline",
    ReasonCode.ROLLOUT_SUPERSEDED: "a newer version came into force: acknowledging this one is no "
    "longer asked",
}


_CODES = frozenset(code.value for code in ReasonCode)


def meaning(code: str) -> str:
    """What a code means in plain words (the code itself when it is not the rules core's)."""
    return MEANINGS[ReasonCode(code)] if code in _CODES else code


def judgement_code(*, same_account: bool) -> str:
    """A person's decision on a registration the rules flagged as possibly a holder's account
    (``FUZZY_MATCH``) is a judgement: rejecting it judges the two the same account. The live
    registration records it with the decision, and the sandbox reads a person's refusal so."""
    code = ReasonCode.JUDGED_SAME_ACCOUNT if same_account else ReasonCode.JUDGED_DIFFERENT_ACCOUNT
    return code.value


class _Deferred:
    """A ``Reason`` field stored as given or, given a function, made by it on first read.

    Most reasons are never read by a person (the sandbox quotes one text per code, and the rules
    settle most leads by code alone), so the rules core hands over the functions that write the
    text and turn the facts into strings, and they run when someone reads them. ``str``, ``==``,
    ``repr``, ``dataclasses.asdict`` (Temporal's converter) and pickling all read the fields, so a
    reason looks, compares and serialises as before.
    """

    def __init__(self, default: Callable[[], object] | None = None) -> None:
        self.default = default  # makes the value when the field is not given

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            # A dataclass asks the class for the field's default: the function, or none.
            if self.default is None:
                raise AttributeError(self.name)
            return self.default
        value = obj.__dict__[self.name]
        if callable(value):
            value = obj.__dict__[self.name] = value()
        return value

    def __set__(self, obj: object, value: object) -> None:
        obj.__dict__[self.name] = value


@dataclass(frozen=True)
class Reason:
    """Why a decision went the way it did: a stable ``code``, readable ``text``, and the facts.

    ``facts`` holds the values the rule looked at, as strings, so the reason serialises as-is
    and an auditor can see e.g. who held the account and since when. ``text`` and ``facts`` may
    be given as functions that make them (see ``_Deferred``); they read as a string and a dict.
    """

    code: str
    if TYPE_CHECKING:
        text: str
        facts: dict[str, str] = field(default_factory=dict)
    else:
        # Annotated as they read, for Temporal's converter and callers; the descriptors keep a
        # function until the first read.
        text: str = _Deferred()
        facts: dict[str, str] = _Deferred(dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    def __getstate__(self) -> dict[str, object]:
        # Made before pickling: a function is not always picklable, what it makes is.
        return {"code": self.code, "text": self.text, "facts": self.facts}


def reason(code: ReasonCode, text: str | Callable[[], str], **facts: object) -> Reason:
    """Build a ``Reason`` with every fact turned into a string (datetimes as ISO-8601).

    ``text`` may be a function that writes it. The code is there at once; the words, and the
    facts as strings, are made when someone reads them.
    """
    return Reason(
        code=str(code),
        text=cast(str, text),  # a function is kept by ``_Deferred`` until the text is read
        facts=cast(dict[str, str], partial(_facts_as_text, facts)),
    )


def _facts_as_text(facts: dict[str, object]) -> dict[str, str]:
    # Facts are converted by their exact type, looked up once (plain strings stay as they are),
    # and ``str`` gives a StrEnum's value without the enum machinery.
    return {k: _AS_TEXT.get(type(v), _fact)(v) for k, v in facts.items()}


def _float(value: float) -> str:
    return f"{value:.4g}"


def _fact(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return _float(value)
    return str(value)


_AS_TEXT: dict[type, Callable[[Any], str]] = {str: str, datetime: datetime.isoformat, float: _float, int: str}
