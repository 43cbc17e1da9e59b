"""Protection of an approved registration: how long, when to remind, and extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.durations import format_duration
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_eligibility import when
from rules.schema import Rulebook


@dataclass(frozen=True)
class ProtectionWindow:
    """An approved registration is protected until ``expires_at``; remind at ``remind_at``."""

    approved_at: datetime
    expires_at: datetime
    remind_at: datetime
    rulebook_version: str


@dataclass(frozen=True)
class ExtensionDecision:
    granted: bool
    new_expires_at: datetime | None
    new_remind_at: datetime | None
    extensions_used: int  # after this decision
    reasons: tuple[Reason, ...]
    rulebook_version: str


def protection_window(rulebook: Rulebook, approved_at: datetime) -> ProtectionWindow:
    """The protection period starts at approval; the reminder comes its lead time before expiry."""
    reg = rulebook.registration
    expires_at = approved_at + reg.protection_period
    return ProtectionWindow(
        approved_at=approved_at,
        expires_at=expires_at,
        remind_at=expires_at - reg.reminder_lead_time,
        rulebook_version=rulebook.version,
    )


def decide_extension(
    rulebook: Rulebook, extensions_used: int, expires_at: datetime, now: datetime
) -> ExtensionDecision:
    """Grant an extension if protection has not lapsed, the count allows it, and (when the
    rulebook sets a request window) expiry is close enough. The new expiry adds the extension
    length to the current expiry, so asking early never loses time."""
    # Texts are functions, written only when read (``rules.reasons.reason``).
    ext = rulebook.registration.extensions
    refusal: Reason | None = None
    if now >= expires_at:
        refusal = reason(
            ReasonCode.EXTENSION_LAPSED,
            lambda: f"protection lapsed at {when(expires_at)}; a lapsed registration cannot be extended",
            expires_at=expires_at,
        )
    elif extensions_used >= ext.max_count:
        refusal = reason(
            ReasonCode.EXTENSION_LIMIT,
            lambda: f"{extensions_used} of {ext.max_count} extension(s) already used",
            extensions_used=extensions_used,
            max_count=ext.max_count,
        )
    elif ext.request_window is not None and now < expires_at - ext.request_window:
        window = ext.request_window
        opens = expires_at - window
        refusal = reason(
            ReasonCode.EXTENSION_TOO_EARLY,
            lambda: (
                f"extensions can be requested in the last {format_duration(window)} "
                f"of protection, from {when(opens)}"
            ),
            opens_at=opens,
            expires_at=expires_at,
        )
    if refusal is not None:
        return ExtensionDecision(
            granted=False,
            new_expires_at=None,
            new_remind_at=None,
            extensions_used=extensions_used,
            reasons=(refusal,),
            rulebook_version=rulebook.version,
        )
    new_expires = expires_at + ext.length
    # A reminder already due (short extension, long lead time) is sent at once, not in the past.
    new_remind = max(now, new_expires - rulebook.registration.reminder_lead_time)
    return ExtensionDecision(
        granted=True,
        new_expires_at=new_expires,
        new_remind_at=new_remind,
        extensions_used=extensions_used + 1,
        reasons=(
            reason(
                ReasonCode.EXTENSION_GRANTED,
                lambda: (
                    f"extension {extensions_used + 1} of {ext.max_count}: protection extended by "
                    f"{format_duration(ext.length)} to {when(new_expires)}"
                ),
                previous_expires_at=expires_at,
                new_expires_at=new_expires,
                extensions_used=extensions_used + 1,
            ),
        ),
        rulebook_version=rulebook.version,
    )
