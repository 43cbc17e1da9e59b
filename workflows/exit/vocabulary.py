"""The decisions on an exit's approval task: the inbox, the API and the CLI offer these, and the
workflow's validators accept these (light to import: no Temporal here).

A rejection says why: the person who started the exit reads it. Choosing a transferee is not a
task decision (it names a partner), so it has its own update (``choose_transferee``)."""

from __future__ import annotations

from workflows.human.vocabulary import APPROVE, REJECT, Vocabulary

DECISIONS = Vocabulary((APPROVE, REJECT))
