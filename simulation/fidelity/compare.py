"""One lead's rule decisions as either engine reached them (its registration, its discount
exception, its dispute of a refusal), and the lead-by-lead comparison."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from typing import TypeVar


@dataclass(frozen=True)
class Verdict:
    """What the rules decided for one registration.

    ``outcome`` approved, rejected or pending (still with a person at the end of the run);
    ``codes`` the reason codes of the rules' decision on submission; ``decided_by`` rule, person
    or default (the end of the approval path); ``level`` the last approval level that had a task
    (0 = first; None when the rules settled it); ``protection`` simulated seconds from approval
    to expiry (None unless approved).
    """

    outcome: str
    codes: tuple[str, ...]
    decided_by: str
    level: int | None
    protection: int | None

    def describe(self) -> str:
        return (
            f"{_decided(self.outcome, self.decided_by, self.codes)} level {_dash(self.level)}, "
            f"protection {_days(self.protection)}"
        )


@dataclass(frozen=True)
class DiscountVerdict:
    """What the rules decided for one lead's discount exception.

    ``outcome`` approved, rejected, refused (by the rules on request: live, the API's 422) or
    pending; ``codes`` the reason codes of the decision on request (of a refusal, the refusing
    ones: the API names only those); ``decided_by`` rule, person or default; ``step`` the last
    step of the approval path that had a task (None when the rules settled it).
    """

    outcome: str
    codes: tuple[str, ...]
    decided_by: str
    step: int | None

    def describe(self) -> str:
        return f"discount {_decided(self.outcome, self.decided_by, self.codes)} step {_dash(self.step)}"


@dataclass(frozen=True)
class DisputeVerdict:
    """What became of one lead's dispute of its refusal.

    ``outcome`` the resolution (``rules.dispute.Resolution``) or pending; ``codes`` the contested
    decision's codes, then what the dispute did (an award refused, the outcome's code, the default's);
    ``level`` the last level of the path that had a task (0 = first; None: none yet);
    ``decided_by`` person or default; ``holder`` and ``claimant`` how their registrations stand
    after it (``rules.RegistrationStanding``; ``-`` when direct sales held the account);
    ``protection`` simulated seconds of protection an award or co-sell gave the claimant.
    """

    outcome: str
    codes: tuple[str, ...]
    level: int | None
    decided_by: str
    holder: str
    claimant: str
    protection: int | None

    def describe(self) -> str:
        return (
            f"dispute {_decided(self.outcome, self.decided_by, self.codes)} level {_dash(self.level)}; "
            f"holder {self.holder}, claimant {self.claimant} (protection {_days(self.protection)})"
        )


def _decided(outcome: str, decided_by: str, codes: tuple[str, ...]) -> str:
    return f"{outcome} by {decided_by or 'nobody'} [{', '.join(codes)}]"


def _dash(index: int | None) -> str:
    return "-" if index is None else str(index)


def _days(seconds: int | None) -> str:
    return "-" if seconds is None else f"{seconds / 86_400:g}d"


AnyVerdict = Verdict | DiscountVerdict | DisputeVerdict
V = TypeVar("V", Verdict, DiscountVerdict, DisputeVerdict)


@dataclass(frozen=True)
class Difference:
    lead: int
    request_key: str
    fields: tuple[str, ...]  # the verdict fields that differ
    live: AnyVerdict | None  # None: the engine has no verdict for the lead
    sandbox: AnyVerdict | None

    def describe(self) -> str:
        live = self.live.describe() if self.live else "no verdict"
        sandbox = self.sandbox.describe() if self.sandbox else "no verdict"
        return (
            f"lead {self.lead} ({self.request_key}) differs in {', '.join(self.fields)}\n"
            f"  live:    {live}\n  sandbox: {sandbox}"
        )


def compare(live: dict[int, V], sandbox: dict[int, V], keys: list[str]) -> list[Difference]:
    """Every lead whose verdicts are not identical, field by field (nothing is tolerated)."""
    differences = []
    for lead in sorted(set(live) | set(sandbox)):
        a, b = live.get(lead), sandbox.get(lead)
        names = tuple(f.name for f in fields(a if a is not None else b))  # type: ignore[arg-type]
        if a is None or b is None:
            differing = names
        else:
            differing = tuple(n for n, x, y in zip(names, astuple(a), astuple(b), strict=True) if x != y)
        if differing:
            differences.append(Difference(lead, keys[lead], differing, a, b))
    return differences
