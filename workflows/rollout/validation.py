"""Update validators of the roll-out workflow: read-only checks that raise ``Refusal``.

The approval's task updates are judged by ``workflows.human.validation``; these are the roll-out's
own: attach a what-if (partner operations, while the draft waits for one), withdraw (partner
operations, before the version takes effect), acknowledge (a user of the partner asked). A refused
update is not written to the workflow's history at all.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.durations import format_moment
    from rules.rollout import WhatIf, simulation_gate
    from store.models.enums import Role
    from workflows.human.authority import OPERATOR_ROLES, Acting, Refusal, require_current, require_storable
    from workflows.rollout.process import RolloutProcess
    from workflows.rollout.types import AcknowledgeUpdate, AttachUpdate, RolloutState, WithdrawUpdate


def _operator(acting: Acting, what: str) -> None:
    if not OPERATOR_ROLES & set(acting.authority.roles):
        raise Refusal(f"only partner operations may {what}")


def gate_facts(update: AttachUpdate) -> WhatIf:
    facts = update.attach.what_if
    return WhatIf(facts.run_id, facts.status, facts.baseline_version, facts.proposed_version)


def validate_attach(process: RolloutProcess, update: AttachUpdate, now: datetime) -> None:
    require_current(update.acting, update.attach.actor, now)
    _operator(update.acting, "attach a what-if to a draft")
    view = process.view
    if view.state != RolloutState.DRAFT or view.open_tasks:
        raise Refusal(f"a what-if can be attached only while the draft waits for one (it is {view.state})")
    if not view.simulation_required:
        raise Refusal(f"rulebook {view.rulebook_version} does not require a what-if before approval")
    assert process.in_force is not None
    problems = simulation_gate(process.in_force, process.version, gate_facts(update))
    if problems:
        raise Refusal(problems[0].text)
    if process.queue.pending(AttachUpdate):
        raise Refusal("a what-if is already being attached")


def validate_withdraw(process: RolloutProcess, update: WithdrawUpdate, now: datetime) -> None:
    withdraw = update.withdraw
    require_current(update.acting, withdraw.actor, now)
    require_storable(withdraw.reason, "reason")
    _operator(update.acting, "withdraw a rulebook version")
    if not withdraw.reason.strip():
        raise Refusal("say why the version is withdrawn: partners and the audit read it")
    view = process.view
    if view.state not in RolloutState.WITHDRAWABLE:
        raise Refusal(
            f"only a version not yet in force can be withdrawn (it is {view.state.replace('_', ' ')})"
        )
    if view.effective_from is not None and now >= view.effective_from:
        raise Refusal(
            f"it took effect at {format_moment(view.effective_from)}; roll out a new version instead"
        )
    if process.queue.pending(WithdrawUpdate):
        raise Refusal("the version is already being withdrawn")


def validate_acknowledge(process: RolloutProcess, update: AcknowledgeUpdate, now: datetime) -> None:
    acknowledge = update.acknowledge
    require_current(update.acting, acknowledge.actor, now)
    authority = update.acting.authority
    if authority.partner_id != acknowledge.partner_id or Role.PARTNER not in authority.roles:
        # No partner id in the words: the refused actor may be another partner's user.
        raise Refusal("only a user of the partner asked may acknowledge for it")
    item = process.view.acknowledgement_of(acknowledge.partner_id)
    if item is None:
        raise Refusal(f"rulebook {process.version} asks no acknowledgement of this partner")
    if item.acknowledged_by is not None:
        raise Refusal(f"already acknowledged by {item.acknowledged_by}")
    if process.view.state == RolloutState.WITHDRAWN:
        raise Refusal(f"rulebook {process.version} was withdrawn")
    if process.queue.pending(
        AcknowledgeUpdate, where=lambda u: u.acknowledge.partner_id == acknowledge.partner_id
    ):
        raise Refusal("an acknowledgement for this partner is already being recorded")
