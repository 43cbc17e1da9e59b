"""The decisions an approver takes on a discount task: the inbox, the API and the CLI offer these,
and the workflow's validators accept these (light to import: no Temporal here)."""

from __future__ import annotations

from workflows.human.vocabulary import APPROVE, REJECT, REQUEST_INFO, Vocabulary

DECISIONS = Vocabulary((APPROVE, REJECT, REQUEST_INFO))
