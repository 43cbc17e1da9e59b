"""At notice end: each open registration disposed of as ``rules.exit.exit_plan`` says, through the
registration's own ``exit_disposition`` update, in bounded batches.

The plan is made again at notice end from the registrations open then (one decided during notice
is disposed of as what it is now), with the notice-given time of the start, so its dates do not
move. A transfer goes to ``rules.exit.transferee``'s choice; nobody eligible, partner operations
get a task to choose one or return the registration to direct. One activity per batch sends the
updates (and starts each transferee's registration), and one transition per batch records what
happened, so the exit's history grows with the number of batches, not of registrations.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.exit import (
        CandidatesRequest,
        DispositionAnswer,
        DispositionAsk,
        OpenRegistration,
        TransfereeStart,
        dispose_registrations,
        gather_transfer_candidates,
        transferee_key,
    )
    from rules.enums import Disposition
    from rules.exit import ExitPlan, transferee
    from rules.facts import RegistrationRequest
    from rules.reasons import Reason, ReasonCode
    from store.models.enums import DispositionState
    from workflows.exit.process import ExitProcess
    from workflows.exit.types import DispositionView
    from workflows.human.journal import Change
    from workflows.human.local import run_local
    from workflows.registration.types import (
        ExitDispositionInput,
        RegistrationSubmission,
        registration_workflow_id,
    )

BATCH = 25
ASK_TIMEOUT = timedelta(seconds=60)
ASK_HEARTBEAT = timedelta(seconds=20)
ASK_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))
BY_RULE = "rule:exit.notice_ended"
TRANSFER_NOTE = "Transferred to you from another partner's registration when that partner left the program."


def plan_view(plan: ExitPlan, open_now: dict[str, OpenRegistration]) -> list[DispositionView]:
    return [
        DispositionView(
            registration_id=d.registration_id,
            disposition=d.disposition.value,
            effective_at=d.effective_at,
            state=DispositionState.PLANNED,
            reasons=list(d.reasons),
            registration_state=open_now[d.registration_id].state,
            expires_at=open_now[d.registration_id].existing.expires_at,
        )
        for d in plan.dispositions
    ]


async def choose_transferees(
    process: ExitProcess, items: list[DispositionView], deals: dict[str, RegistrationRequest]
) -> None:
    """Name each transfer's transferee, or mark it for partner operations to choose."""
    assert process.rulebook is not None
    exiting = str(process.view.start.partner_id)
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        found = await run_local(
            gather_transfer_candidates,
            CandidatesRequest([d.registration_id for d in batch], workflow.now()),
        )
        for item in batch:
            choice = transferee(
                process.rulebook, deals[item.registration_id], exiting, found[item.registration_id]
            )
            item.reasons = [*item.reasons, *choice.reasons]
            if choice.chosen is None:
                item.state = DispositionState.AWAITING_CHOICE
            else:
                item.transferee_partner_id = int(choice.chosen.partner.partner_id)


async def apply_batch(
    process: ExitProcess,
    items: list[DispositionView],
    deals: dict[str, RegistrationRequest],
    actor: str = BY_RULE,
    comment: str = "",
) -> list[DispositionAnswer]:
    """Dispose of ``items`` (at most one batch) and record what happened in one transition."""
    now = workflow.now()
    asks = [_ask(process, item, deals[item.registration_id], actor, now) for item in items]
    answers: list[DispositionAnswer] = await workflow.execute_activity(
        dispose_registrations,
        asks,
        start_to_close_timeout=ASK_TIMEOUT * max(1, len(asks)),
        heartbeat_timeout=ASK_HEARTBEAT,
        retry_policy=ASK_RETRY,
    )
    by_id = {a.registration_id: a for a in answers}
    for item in items:
        answer = by_id[item.registration_id]
        item.registration_state = answer.state
        if not answer.applied:
            item.state = DispositionState.ENDED
            item.transferee_partner_id = item.transferee_registration_id = None
        elif item.disposition == Disposition.HONOUR_UNTIL_EXPIRY:
            item.state = DispositionState.HONOURED
        else:
            item.state = DispositionState.APPLIED
    counts = {state: sum(1 for i in items if i.state == state) for state in DispositionState}
    await process.transition(
        written=items,
        action="exit.dispositions_applied",
        after=process.view.state,
        actor=actor,
        change=Change(
            reason_codes=sorted({r.code for i in items for r in i.reasons}),
            comment=comment,
            detail={
                "registrations": [i.registration_id for i in items],
                **{str(state): n for state, n in counts.items() if n},
            },
        ),
    )
    return answers


# What the exiting partner reads on its registration (and in its notice) of a transfer: the rule,
# never the transferee's identity, which the exit's own reasons name for partner operations.
TRANSFERRED = Reason(
    ReasonCode.EXIT_TRANSFER.value,
    "transferred to another partner that registered the account, as the exit rules say",
)


def _for_the_partner(item: DispositionView) -> Reason:
    if item.disposition == Disposition.TRANSFER:
        return TRANSFERRED
    return item.reasons[-1] if item.reasons else Reason(f"exit.{item.disposition}", item.disposition)


def _ask(
    process: ExitProcess, item: DispositionView, deal: RegistrationRequest, actor: str, now: datetime
) -> DispositionAsk:
    view = process.view
    reason = _for_the_partner(item)
    transfer_start = None
    payload = ExitDispositionInput(
        exit_id=view.workflow_id, disposition=item.disposition, actor=actor, reason=reason
    )
    if item.disposition == Disposition.TRANSFER:
        assert item.transferee_partner_id is not None
        key = transferee_key(item.registration_id)
        new_id = registration_workflow_id(item.transferee_partner_id, key)
        item.transferee_registration_id = new_id
        payload.transfer_to_workflow_id = new_id
        payload.transfer_to_partner_id = item.transferee_partner_id
        payload.transfer_to_submitted_at = now
        submission = RegistrationSubmission(
            partner_id=item.transferee_partner_id,
            request_key=key,
            account_name=deal.account_name,
            territory=deal.territory,
            vertical=deal.vertical,
            product_line=deal.product_line,
            deal_value=deal.deal_value,
            submitted_by=actor,
            account_domain=deal.account_domain or None,
            notes=TRANSFER_NOTE,
        )
        transfer_start = TransfereeStart(new_id, asdict(submission))
    return DispositionAsk(
        registration_id=item.registration_id,
        update_id=f"{view.workflow_id}-dispose",
        payload={"disposition": asdict(payload)},
        transferee=transfer_start,
    )
