"""Rulebook versions and their acknowledgements, and what-if simulation runs against them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.enums import RulebookState, SimulationStatus
from store.models.types import JSONDocument, UTCDateTime, utcnow


class RulebookVersionCreate(SQLModel):
    version: str = Field(min_length=1, max_length=40)
    effective_from: datetime
    source: str = Field(min_length=1, max_length=500)
    sha256: str = Field(min_length=64, max_length=64)
    document: dict[str, Any]
    text: str = ""
    created_by: str | None = Field(default=None, max_length=64)

    @field_validator("sha256")
    @classmethod
    def _hex_digest(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise ValueError("must be a lower-case hex SHA-256 digest")
        return value


class RulebookVersion(SQLModel, table=True):
    """A rulebook version: the one place every worker and web process reads rulebooks from.

    ``document`` is the validated rulebook (what processes pin: grandfathering), ``text`` the YAML
    as its author wrote it (comments kept, for export and reading). ``state`` follows the roll-out
    (``RulebookState``); which version governs at a moment is decided by effective dates among the
    ``LIBRARY_STATES``. Who did what is in the columns and, with reasons, in the audit trail.
    """

    __tablename__ = "rulebook_versions"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, unique=True)
    effective_from: datetime = Field(sa_type=UTCDateTime, index=True)
    source: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    state: str = Field(default=RulebookState.IN_FORCE, max_length=20, index=True)
    text: str = Field(default="", sa_type=Text)
    comment: str = Field(default="", max_length=2000)
    created_by: str | None = Field(default=None, max_length=64)
    simulation_run_id: int | None = None
    approved_by: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledge_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    in_force_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = Field(default=None, max_length=64)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RulebookAcknowledgement(SQLModel, table=True):
    """A partner acknowledged a published version (once per partner and version)."""

    __tablename__ = "rulebook_acknowledgements"
    __table_args__ = (UniqueConstraint("version", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, index=True)
    partner_id: int = Field(foreign_key="partners.id", index=True)
    acknowledged_by: str = Field(max_length=64)
    acknowledged_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SimulationRunCreate(SQLModel):
    baseline_version: str = Field(min_length=1, max_length=40)
    proposed_label: str = Field(min_length=1, max_length=120)
    scenario: dict[str, Any] = Field(default_factory=dict)
    replications: int = Field(ge=1, le=10000)
    seed: int = Field(ge=0)
    created_by: str = Field(min_length=1, max_length=64)
    proposed_version: str | None = Field(default=None, min_length=1, max_length=40)


class SimulationRun(SQLModel, table=True):
    __tablename__ = "simulation_runs"

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=SimulationStatus.QUEUED, max_length=20, index=True)
    baseline_version: str = Field(max_length=40)
    proposed_label: str = Field(max_length=120)
    scenario: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    replications: int
    seed: int = Field(sa_type=BigInteger)
    progress: float = 0.0
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    results: dict[str, Any] | None = Field(default=None, sa_type=JSONDocument)
    error: str | None = Field(default=None, max_length=4000)
    # The library version (usually a draft) the run simulated as the proposal, if it was one.
    proposed_version: str | None = Field(default=None, max_length=40, index=True)
