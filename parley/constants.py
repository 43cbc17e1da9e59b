"""Names shared by the worker, the clients and the server: task queues and search attributes."""

from __future__ import annotations

from enum import StrEnum


class SearchAttribute(StrEnum):
    """Custom search attributes registered on the Temporal server (name -> type below)."""

    STATE = "ParleyState"
    PARTNER = "ParleyPartner"
    TERRITORY = "ParleyTerritory"
    PROCESS = "ParleyProcess"
    DUE_AT = "ParleyDueAt"


SEARCH_ATTRIBUTE_TYPES: dict[SearchAttribute, str] = {
    SearchAttribute.STATE: "Keyword",
    SearchAttribute.PARTNER: "Keyword",
    SearchAttribute.TERRITORY: "Keyword",
    SearchAttribute.PROCESS: "Keyword",
    SearchAttribute.DUE_AT: "Datetime",
}
