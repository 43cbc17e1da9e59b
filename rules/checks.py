"""Cross-field checks: the rules that relate one part of a rulebook to another.

Each check takes the sections that validated on their own (``None`` for one that did not), so a
document with a typo in ``program`` still gets its ``discount`` ladder checked, and every problem
is reported at once with the path where it sits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from parley.errors import FieldProblem
from rules.enums import Disposition, DisputeResolution, ExitType

if TYPE_CHECKING:
    from rules.schema import Discount, Escalation, Exit, Program, Registration, Rollout, Rulebook


def check_rulebook(rulebook: Rulebook) -> list[FieldProblem]:
    return check_sections(
        rulebook.program,
        rulebook.registration,
        rulebook.discount,
        rulebook.escalation,
        rulebook.exit,
        rulebook.rollout,
    )


def check_sections(
    program: Program | None,
    registration: Registration | None,
    discount: Discount | None,
    escalation: Escalation | None,
    exit_: Exit | None,
    rollout: Rollout | None = None,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if program is not None:
        problems += _program(program)
    if registration is not None:
        problems += _registration(registration, program)
    if discount is not None:
        problems += _discount(discount, program)
    if escalation is not None:
        problems += _escalation(escalation, program)
    if exit_ is not None:
        problems += _exit(exit_, program)
    if rollout is not None:
        problems += _rollout(rollout, program)
    return problems


def _duplicates(path: str, names: Sequence[str]) -> Iterable[FieldProblem]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield FieldProblem(f"{path}[{i}]", f"{name!r} is listed twice")
        seen.add(name)


def _program(program: Program) -> list[FieldProblem]:
    problems = [
        *_duplicates("program.territories", program.territories),
        *_duplicates("program.verticals", program.verticals),
        *_duplicates("program.roles", [r.name for r in program.roles]),
        *_duplicates("program.tiers", [t.name for t in program.tiers]),
        *_duplicates("program.product_lines", [p.id for p in program.product_lines]),
    ]
    bands = program.volume_discounts
    for i in range(1, len(bands)):
        path = f"program.volume_discounts[{i}]"
        if bands[i].min_deal_value <= bands[i - 1].min_deal_value:
            problems.append(
                FieldProblem(
                    f"{path}.min_deal_value",
                    f"must be greater than the previous band ({bands[i - 1].min_deal_value:g})",
                )
            )
        if bands[i].discount < bands[i - 1].discount:
            problems.append(
                FieldProblem(
                    f"{path}.discount",
                    f"must not be less than the previous band ({bands[i - 1].discount:g})",
                )
            )
    return problems


def _unknown_role(path: str, role: str, program: Program | None) -> list[FieldProblem]:
    if program is None or program.role(role) is not None:
        return []
    known = ", ".join(r.name for r in program.roles)
    return [FieldProblem(path, f"unknown role {role!r} (program.roles has: {known})")]


def _ordered_roles(path: str, roles: Sequence[str], program: Program | None) -> list[FieldProblem]:
    """Each level of an escalation path must be more senior than the one before it."""
    problems: list[FieldProblem] = []
    for i, name in enumerate(roles):
        problems += _unknown_role(f"{path}[{i}].role", name, program)
    if program is None:
        return problems
    for i in range(1, len(roles)):
        before, here = program.role(roles[i - 1]), program.role(roles[i])
        if before is not None and here is not None and here.seniority <= before.seniority:
            problems.append(
                FieldProblem(
                    f"{path}[{i}].role",
                    f"{here.name} (seniority {here.seniority}) must be more senior than the "
                    f"level before it, {before.name} (seniority {before.seniority})",
                )
            )
    return problems


def _registration(reg: Registration, program: Program | None) -> list[FieldProblem]:
    problems = _ordered_roles(
        "registration.approval_route", [level.role for level in reg.approval_route], program
    )
    conflict = reg.conflict
    if conflict.name_review_threshold > conflict.name_match_threshold:
        problems.append(
            FieldProblem(
                "registration.conflict.name_review_threshold",
                f"must not be greater than name_match_threshold ({conflict.name_match_threshold})",
            )
        )
    if reg.reminder_lead_time >= reg.protection_period:
        problems.append(
            FieldProblem(
                "registration.reminder_lead_time",
                "must be shorter than protection_period",
            )
        )
    window = reg.extensions.request_window
    if window is not None and window > reg.protection_period:
        problems.append(
            FieldProblem(
                "registration.extensions.request_window",
                "must not be longer than protection_period",
            )
        )
    if program is not None and program.tier_rank(reg.auto_approve.min_tier) is None:
        known = ", ".join(t.name for t in program.tiers)
        problems.append(
            FieldProblem(
                "registration.auto_approve.min_tier",
                f"unknown tier {reg.auto_approve.min_tier!r} (program.tiers has: {known})",
            )
        )
    return problems


def _discount(discount: Discount, program: Program | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    previous_roles: set[str] = set()
    for i, band in enumerate(discount.matrix):
        path = f"discount.matrix[{i}]"
        if i and band.max_discount <= discount.matrix[i - 1].max_discount:
            problems.append(
                FieldProblem(
                    f"{path}.max_discount",
                    f"must be greater than the previous band ({discount.matrix[i - 1].max_discount:.2f})",
                )
            )
        roles: list[str] = []
        for j, step in enumerate(band.steps):
            for k, role in enumerate(step.roles):
                problems += _unknown_role(f"{path}.steps[{j}].roles[{k}]", role, program)
                if role in roles:
                    problems.append(
                        FieldProblem(
                            f"{path}.steps[{j}].roles[{k}]",
                            f"{role!r} already approves earlier in this band",
                        )
                    )
                roles.append(role)
        missing = previous_roles - set(roles)
        if missing:
            problems.append(
                FieldProblem(
                    f"{path}.steps",
                    "a deeper discount must need at least the approvers of the previous band; "
                    f"missing {', '.join(sorted(missing))}",
                )
            )
        previous_roles = set(roles)
    bumps = discount.deal_size_bumps
    for i in range(1, len(bumps)):
        if bumps[i].min_deal_value <= bumps[i - 1].min_deal_value:
            problems.append(
                FieldProblem(
                    f"discount.deal_size_bumps[{i}].min_deal_value",
                    f"must be greater than the previous bump ({bumps[i - 1].min_deal_value:g})",
                )
            )
        if bumps[i].levels <= bumps[i - 1].levels:
            problems.append(
                FieldProblem(
                    f"discount.deal_size_bumps[{i}].levels",
                    f"must be greater than the previous bump ({bumps[i - 1].levels})",
                )
            )
    problems += _unknown_role("discount.escalation.escalate_to", discount.escalation.escalate_to, program)
    if discount.reminder_lead_time is not None and discount.reminder_lead_time >= discount.quote_validity:
        problems.append(
            FieldProblem(
                "discount.reminder_lead_time",
                "must be shorter than discount.quote_validity (the reminder comes before the quote lapses)",
            )
        )
    return problems


# A default gives nobody an account nobody decided to give: only these may stand by default.
DEFAULT_RESOLUTIONS = (DisputeResolution.UPHOLD, DisputeResolution.RETURN_TO_DIRECT)


def _escalation(escalation: Escalation, program: Program | None) -> list[FieldProblem]:
    problems = _ordered_roles("escalation.levels", [lvl.role for lvl in escalation.levels], program)
    if escalation.default_resolution not in DEFAULT_RESOLUTIONS:
        allowed = " or ".join(r.value for r in DEFAULT_RESOLUTIONS)
        problems.append(
            FieldProblem(
                "escalation.default_resolution",
                f"must be {allowed}: a default may not award or share an account nobody decided on",
            )
        )
    return problems


def _exit(exit_: Exit, program: Program | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for exit_type in ExitType:
        policy = exit_.policy(exit_type)
        path = f"exit.{exit_type.value}"
        if policy.approval is not None:
            problems += _unknown_role(f"{path}.approval.role", policy.approval.role, program)
        if policy.pending is Disposition.HONOUR_UNTIL_EXPIRY:
            problems.append(
                FieldProblem(
                    f"{path}.pending",
                    "a pending registration has no expiry to honour; use transfer or return_to_direct",
                )
            )
        if policy.beyond_honour_limit is Disposition.HONOUR_UNTIL_EXPIRY:
            problems.append(
                FieldProblem(f"{path}.beyond_honour_limit", "must be transfer or return_to_direct")
            )
        if policy.honour_limit is not None and policy.approved is not Disposition.HONOUR_UNTIL_EXPIRY:
            problems.append(
                FieldProblem(
                    f"{path}.honour_limit",
                    "only applies when approved registrations are honoured until expiry",
                )
            )
    return problems


def _rollout(rollout: Rollout, program: Program | None) -> list[FieldProblem]:
    problems = _unknown_role("rollout.approver_role", rollout.approver_role, program)
    if rollout.acknowledgement_reminder >= rollout.acknowledgement_period:
        problems.append(
            FieldProblem(
                "rollout.acknowledgement_reminder",
                "must be shorter than acknowledgement_period (the reminder comes before the deadline)",
            )
        )
    return problems
