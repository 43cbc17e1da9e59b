"""The rulebook a process runs under, fetched by version for deterministic workflow code.

The worker reads the library from ``settings.rulebook_dir``; each version handed to a workflow is
recorded in ``rulebook_versions`` (what was in force, from which file set, its hash). The
workflow keeps the returned document in its history and rebuilds the ``Rulebook`` from it, so a
later edit of the YAML never changes a running process (grandfathering).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from parley.errors import ParleyError
from parley.settings import get_settings
from rules.library import RulebookLibrary
from rules.loader import load_library
from rules.schema import Rulebook
from store.crud._common import insert_if_absent, table_of
from store.engine import session_scope
from store.models import RulebookVersion, utcnow


@dataclass
class RulebookRequest:
    """The version to pin: ``version`` if given, else the one in force at ``at``."""

    at: datetime
    version: str | None = None


@dataclass
class RulebookDocument:
    version: str
    effective_from: datetime
    document: dict[str, Any]


@lru_cache(maxsize=4)
def _library(directory: str, _fingerprint: tuple[tuple[str, float], ...]) -> RulebookLibrary:
    return load_library(directory)


def rulebook_library(directory: Path) -> RulebookLibrary:
    """The library in ``directory``, reloaded when a YAML file is added, removed or edited."""
    files = sorted(directory.glob("*.yaml"))
    return _library(str(directory), tuple((str(p), p.stat().st_mtime) for p in files))


def rulebook_document(rulebook: Rulebook) -> dict[str, Any]:
    return rulebook.model_dump(mode="json")


def _record_version(rulebook: Rulebook, document: dict[str, Any], source: str) -> None:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    with session_scope() as session:
        insert_if_absent(
            session,
            table_of(RulebookVersion),
            {
                "version": rulebook.version,
                "effective_from": rulebook.effective_from,
                "source": source[:500],
                "sha256": hashlib.sha256(canonical.encode()).hexdigest(),
                "document": document,
                "loaded_at": utcnow(),
            },
            ("version",),
        )


@activity.defn
def load_rulebook(request: RulebookRequest) -> RulebookDocument:
    """The rulebook document to pin; a missing or broken rulebook is not worth retrying."""
    directory = get_settings().rulebook_dir
    try:
        library = rulebook_library(directory)
        rulebook = library.get(request.version) if request.version else library.governing(request.at)
    except ParleyError as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
    document = rulebook_document(rulebook)
    _record_version(rulebook, document, str(directory.resolve()))
    return RulebookDocument(rulebook.version, rulebook.effective_from, document)
