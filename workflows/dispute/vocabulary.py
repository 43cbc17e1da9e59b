"""The decisions a level of the escalation path takes on a dispute: the inbox, the API and the CLI
offer these, and the workflow's validators accept these (light to import: no Temporal here).

Every word settles the case (``Effect.SETTLE``); a comment saying why is required, because the
parties read it. Which of them a given dispute allows depends on its sides
(``rules.dispute.resolutions``): the process refuses the others.
"""

from __future__ import annotations

from rules.dispute import Resolution
from workflows.human.vocabulary import Choice, Effect, Vocabulary

WHY = "a dispute's decision needs a comment saying why: both parties read it"

DECISIONS = Vocabulary(
    (
        Choice(Resolution.UPHOLD, "Uphold the original decision", Effect.SETTLE, WHY),
        Choice(Resolution.AWARD_CLAIMANT, "Award to the contesting party", Effect.SETTLE, WHY),
        Choice(Resolution.CO_SELL, "Co-sell", Effect.SETTLE, WHY),
        Choice(Resolution.RETURN_TO_DIRECT, "Return to direct sales", Effect.SETTLE, WHY),
    )
)
