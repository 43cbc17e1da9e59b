"""The notification dispatcher's recorded history: a delivery that succeeds, one retried after a
500, one dead-lettered, and an SLA sweep, recorded by ``tests.workflows.record_histories``."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionStatus

from parley.clients import RegistrationClient
from parley.settings import Settings
from store.crud import webhooks
from store.engine import engine_for
from store.models import Delivery
from tests.notify.servers import webhook_receiver
from tests.workflows.harness import World
from workflows.delivery import DispatchSettings, NotificationDispatchWorkflow, dispatcher_id

# Enough 0.3 s rounds for the three deliveries to settle, then the run continues as new.
QUICK = DispatchSettings(
    poll_seconds=0.3,
    attempts=3,
    first_retry_seconds=0.3,
    send_timeout_seconds=1.0,
    sla_warning_share=0.5,
    rounds_per_run=20,
)


async def dispatched_retried_and_dead_lettered(settings: Settings, world: World) -> list[str]:
    receiver = webhook_receiver()
    listening = next(receiver)
    url = settings.resolved_database_url
    with Session(engine_for(url)) as session:
        for path, plan in (("/ok", ("ok",)), ("/flaky", ("fail", "ok")), ("/dead", ("fail",))):
            webhooks.create_subscription(
                session=session,
                data={"url": listening.plan(path, *plan), "event_types": ["registration.decided"]},
                partner_id=world.partner_id,
                created_by="recorder",
                allow_http=True,
            )
        session.commit()
    registrations = await RegistrationClient.connect(settings)
    workflow_id = dispatcher_id(settings.task_queue)
    handle = await registrations.temporal.start_workflow(
        NotificationDispatchWorkflow.run, QUICK, id=workflow_id, task_queue=settings.task_queue
    )
    await registrations.start(world.submission())
    first_run = registrations.temporal.get_workflow_handle(workflow_id, run_id=handle.result_run_id)
    deadline = time.monotonic() + 60
    while (await first_run.describe()).status == WorkflowExecutionStatus.RUNNING:
        assert time.monotonic() < deadline, "the dispatcher's first run did not continue as new"
        await asyncio.sleep(0.3)
    with Session(engine_for(url)) as session:
        query = select(Delivery.state).where(col(Delivery.subscription_id).is_not(None))
        states = session.exec(query).all()
    assert sorted(states) == ["dead", "delivered", "delivered"], states
    await handle.terminate("recorded")  # the next run: not part of the record
    receiver.close()
    return [f"{workflow_id}@{handle.result_run_id}"]
