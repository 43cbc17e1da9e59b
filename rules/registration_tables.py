"""What the registration decision looks up in a rulebook, prepared once per rulebook.

Every registration asks the same questions of the program and the registration rules: is the
territory (vertical, product line) part of the program, what rank has the partner's tier, which
states hold an account, who is on the approval route and how it reads. The answers are built on
first use and kept on the rulebook object (``rules.prepared``); the texts that quote the program
(the territories, the route) are joined here once instead of in every reason that names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.approval import ApprovalPath, ladder
from rules.durations import format_duration
from rules.enums import RegistrationStanding
from rules.prepared import prepared
from rules.schema import ProductLine, Rulebook


@dataclass(frozen=True, slots=True)
class RegistrationTables:
    territories: frozenset[str]
    territories_text: str  # the program's territories as the reasons list them
    verticals: frozenset[str]
    verticals_text: str
    product_lines: dict[str, ProductLine]  # by id (Program.product_lines_by_id)
    product_lines_text: str
    tier_ranks: dict[str, int]  # position from the bottom (Program.tier_ranks)
    min_tier_rank: int | None  # of auto_approve.min_tier; None when the program has no such tier
    holding_states: frozenset[RegistrationStanding]
    path: ApprovalPath  # the approval route as an escalation ladder
    route_text: str  # "cam (2d) → director (1d)"
    route_roles: str  # "cam → director"


def registration_tables(rulebook: Rulebook) -> RegistrationTables:
    """The tables of ``rulebook``, built on its first registration decision."""
    return prepared(rulebook, _build)


def _build(rulebook: Rulebook) -> RegistrationTables:
    program, reg = rulebook.program, rulebook.registration
    ranks = program.tier_ranks()
    route = reg.approval_route
    return RegistrationTables(
        territories=frozenset(program.territories),
        territories_text=", ".join(program.territories),
        verticals=frozenset(program.verticals),
        verticals_text=", ".join(program.verticals),
        product_lines=program.product_lines_by_id(),
        product_lines_text=", ".join(p.id for p in program.product_lines),
        tier_ranks=ranks,
        min_tier_rank=ranks.get(reg.auto_approve.min_tier),
        holding_states=frozenset(reg.conflict.holding_states),
        path=ladder([(level.role, level.sla.total_seconds()) for level in route], reg.default_action),
        route_text=" → ".join(f"{level.role} ({format_duration(level.sla)})" for level in route),
        route_roles=" → ".join(level.role for level in route),
    )
