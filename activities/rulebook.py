"""The rulebook library, read from the database, and the version a process runs under.

Every worker and web process reads the same ``rulebook_versions`` rows, so any number of machines
agree on which version governs when: the library is the versions in ``LIBRARY_STATES`` and the
governing one at a moment is decided by effective dates alone (a worker that missed a roll-out's
change notice still switches at the effective date). Each call asks the database for the
library's (version, hash) list, one small query, and reuses the parsed rulebooks it has seen.

On first use of an empty database the YAML files of ``settings.rulebook_dir`` are imported
(the shipped ``rulebooks/default.yaml``; a test's second-scale rulebook). After that the folder
is only an import/export format (``parley rulebook import|export``).

A workflow keeps the document ``load_rulebook`` returns in its history and rebuilds the
``Rulebook`` from it, so nothing later changes a running process (grandfathering).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from parley.errors import ParleyError
from parley.settings import Settings, get_settings
from rules.library import RulebookLibrary
from rules.loader import RulebookInvalid, load_library
from rules.loader import load_rulebook as read_rulebook_file
from rules.schema import Rulebook
from store.crud.rulebooks import record_rulebook_version
from store.engine import engine_for, session_scope
from store.models import LIBRARY_STATES, RulebookVersion, utcnow


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


def rulebook_document(rulebook: Rulebook) -> dict[str, Any]:
    return rulebook.model_dump(mode="json")


def content_hash(rulebook: Rulebook) -> str:
    """The hash of a version's content (its canonical JSON): what makes a version immutable."""
    canonical = json.dumps(rulebook_document(rulebook), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Parsed rulebooks by (version, hash), and the library last built, by its (version, hash) list.
_parsed: dict[tuple[str, str], Rulebook] = {}
_built: dict[tuple[str, tuple[tuple[str, str], ...]], RulebookLibrary] = {}
_lock = threading.Lock()


def _index(session: Session) -> tuple[tuple[str, str], ...]:
    query = (
        select(RulebookVersion.version, RulebookVersion.sha256)
        .where(col(RulebookVersion.state).in_(LIBRARY_STATES))
        .order_by(col(RulebookVersion.version))
    )
    return tuple((version, sha) for version, sha in session.exec(query).all())


def import_folder(session: Session, directory: Path, by: str) -> list[str]:
    """Import every ``*.yaml`` of ``directory`` into the library (a version already there with
    the same content is left alone); the versions imported. ``RulebookInvalid`` lists every
    problem of every file (``file:field``) when one is invalid, and nothing is imported."""
    load_library(directory)  # every file valid, no version twice: or nothing at all
    imported = []
    for path in sorted(directory.glob("*.yaml")):
        rulebook = read_rulebook_file(path)
        before = session.exec(
            select(RulebookVersion.id).where(RulebookVersion.version == rulebook.version)
        ).first()
        record_rulebook_version(
            session=session,
            data={
                "version": rulebook.version,
                "effective_from": rulebook.effective_from,
                "source": f"import:{path.resolve()}"[:500],
                "sha256": content_hash(rulebook),
                "document": rulebook_document(rulebook),
                "text": path.read_text(encoding="utf-8"),
                "created_by": by,
            },
        )
        if before is None:
            imported.append(rulebook.version)
    return imported


def rulebook_library(settings: Settings | None = None, engine: Engine | None = None) -> RulebookLibrary:
    """The library every process agrees on (the database of ``engine``, else of ``settings``,
    else this process's), imported from the rulebook folder when the database holds none yet."""
    settings = settings or get_settings()
    engine = engine or engine_for(settings.resolved_database_url)
    url = engine.url.render_as_string(hide_password=True)
    with session_scope(engine) as session:
        index = _index(session)
        if not index:
            import_folder(session, settings.rulebook_dir, by="first start")
            index = _index(session)
        with _lock:
            cached = _built.get((url, index))
            if cached is not None:
                return cached
            missing = [entry for entry in index if entry not in _parsed]
        if missing:
            rows = session.exec(
                select(RulebookVersion.version, RulebookVersion.sha256, RulebookVersion.document).where(
                    col(RulebookVersion.version).in_([version for version, _ in missing])
                )
            ).all()
            parsed = {(v, sha): Rulebook.model_validate(document) for v, sha, document in rows}
    with _lock:
        if missing:
            _parsed.update(parsed)
        library = RulebookLibrary(_parsed[entry] for entry in index)
        if len(_built) > 16:
            _built.clear()
        _built[(url, index)] = library
        return library


@activity.defn
def load_rulebook(request: RulebookRequest) -> RulebookDocument:
    """The rulebook document to pin; a missing or broken rulebook is not worth retrying."""
    try:
        library = rulebook_library()
        rulebook = library.get(request.version) if request.version else library.governing(request.at)
    except (ParleyError, RulebookInvalid) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
    return RulebookDocument(rulebook.version, rulebook.effective_from, rulebook_document(rulebook))


def governing_now() -> Rulebook:
    """The rulebook in force now."""
    return rulebook_library().governing(utcnow())
