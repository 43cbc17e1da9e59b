"""The test-only pair review's client and inbox kind, on the generic bases alone."""

from __future__ import annotations

from typing import Any, ClassVar

from parley.clients.base import ProcessClient, temporal_errors
from tests.human.pair_workflow import DECISIONS, PROCESS_TYPE, PairRequest, PairReviewWorkflow, PairView
from web.kinds import ProcessKind


def pair_workflow_id(key: str) -> str:
    return f"pair-review-{key}"


class PairReviewClient(ProcessClient[PairView]):
    noun: ClassVar[str] = "pair review"
    view_type: ClassVar[type[Any]] = PairView

    async def start(self, request: PairRequest) -> str:
        workflow_id = pair_workflow_id(request.key)
        with temporal_errors(self.noun, workflow_id):
            await self.temporal.start_workflow(
                PairReviewWorkflow.run, request, id=workflow_id, task_queue=self.settings.task_queue
            )
        return workflow_id


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Pair review",
    noun="pair review",
    detail_template="inbox/kinds/_generic.html",
    vocabulary=DECISIONS,
    client=PairReviewClient,
)
