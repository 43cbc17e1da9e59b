"""What starting a process answers, the same for every process's start endpoint.

201 with the process's view once the rules have made their first decision (200 for a retry:
the same request key and body find the process the first request started); 202 with where it
stands and its URL (``Location`` and ``url``) when it was recorded but had not decided within
the wait (``decision_wait_seconds``), never "nothing was recorded"; 409 naming each field when the
request key already names a different submission.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, url_for
from pydantic import BaseModel

from parley.errors import RequestKeyConflict, StillDeciding
from web.api import reply
from web.api.errors import ApiError
from web.api.schemas import ProcessAccepted


def start_answer(
    started: Callable[[], BaseModel], endpoint: str, retried: Callable[[], bool] = lambda: False
) -> Response:
    """Run ``started`` (which starts the process and builds its answer) and answer for it;
    ``endpoint`` reads one process by ``workflow_id``; ``retried`` says, after ``started``,
    whether the request key found the process an earlier request started (200, not 201)."""
    try:
        answer = started()
        return reply(answer, 200 if retried() else 201)
    except StillDeciding as pending:
        url = url_for(endpoint, workflow_id=pending.workflow_id)
        response = reply(
            ProcessAccepted(
                workflow_id=pending.workflow_id,
                state=pending.state,
                url=url,
                message=f"The {pending.kind} is recorded and has not been decided yet; "
                "it will be without your sending it again. Read it at url for its decision.",
            ),
            202,
        )
        response.headers["Location"] = url
        return response
    except RequestKeyConflict as conflict:
        raise ApiError(409, str(conflict), conflict.problems) from None
