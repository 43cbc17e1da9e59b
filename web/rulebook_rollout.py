"""Scheduling a validated rulebook version for roll-out: file, version record and audit together.

The YAML is written, exactly as submitted, into ``settings.rulebook_dir`` (where the workers read
the library, which reloads when a file appears). The write is atomic and exclusive: a scratch file
is linked into place only if no file of that name exists, so a reader never sees half a rulebook
and two people cannot both publish one version. The ``rulebook_versions`` row and the audit event
are written in one transaction; if it fails the file is removed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from activities.rulebook import rulebook_document
from parley.errors import FieldProblem, ValidationFailed
from parley.settings import get_settings
from rules import Rulebook, RulebookInvalid, diff_rulebooks
from store.crud import deliveries as deliveries_crud
from store.crud import notifications as notifications_crud
from store.crud import records as records_crud
from store.crud import rulebooks as versions_crud
from store.engine import session_scope
from store.models import AuditEvent, EventType, ProcessType, Role, utcnow
from web import rulebook_sources as sources

ACTION = "rulebook.scheduled"


@dataclass(frozen=True)
class Scheduled:
    version: str
    effective_from: datetime
    path: Path


def process_id(version: str) -> str:
    """The audit trail key of a version's roll-out."""
    return f"rulebook-{version}"


def content_hash(rulebook: Rulebook) -> str:
    """The hash the workers record for a version (same canonical JSON), so the rows agree."""
    canonical = json.dumps(rulebook_document(rulebook), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refusals(rulebook: Rulebook, comment: str, now: datetime) -> list[FieldProblem]:
    problems = []
    if not comment.strip():
        problems.append(FieldProblem("comment", "required: say why this version rolls out"))
    if rulebook.effective_from <= now:
        problems.append(FieldProblem(
            "effective_from",
            f"{rulebook.effective_from:%Y-%m-%d %H:%M} UTC is not in the future; a roll-out must "
            f"take effect after now ({now:%Y-%m-%d %H:%M} UTC)",
        ))  # fmt: skip
    if rulebook.version in sources.library().versions:
        problems.append(FieldProblem("version", f"{rulebook.version!r} is already in the library; "
                                                "give the new rulebook a new version id"))  # fmt: skip
    else:
        with session_scope() as db:
            if versions_crud.get_rulebook_version(session=db, version=rulebook.version) is not None:
                message = f"{rulebook.version!r} was published before (see rulebook_versions); use a new id"
                problems.append(FieldProblem("version", message))
    return problems


def _announce(db: Session, rulebook: Rulebook, changes: list[str]) -> None:
    """Tell every partner (and partner operations) what the new version changes, and when."""
    subject = f"Rulebook {rulebook.version} takes effect {rulebook.effective_from:%Y-%m-%d %H:%M} UTC"
    body = "\n".join(f"- {change}" for change in changes) or "No rule changes from the version in force."
    email = bool(get_settings().smtp_host)
    for role in (Role.PARTNER, Role.PARTNER_OPS):
        notification = notifications_crud.append_notification(
            session=db,
            data={
                "event_type": EventType.RULEBOOK_PUBLISHED,
                "subject": subject,
                "body": body,
                "recipient_role": role,
                "process_type": ProcessType.RULEBOOK,
                "process_id": process_id(rulebook.version),
                "event_key": f"{ACTION}:{rulebook.version}",
                "data": {
                    "version": rulebook.version,
                    "effective_from": rulebook.effective_from.isoformat(),
                    "changes": changes,
                },
                "idempotency_key": f"{ACTION}:{rulebook.version}/{role}",
            },
        )
        deliveries_crud.plan_deliveries(session=db, notification=notification, email=email)


def _write_exclusive(target: Path, text: str) -> None:
    """Create ``target`` with ``text`` atomically; ``FileExistsError`` if it is already there."""
    scratch = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with scratch.open("x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(scratch, target)  # fails if target exists: no overwrite, no race
    finally:
        scratch.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def schedule(text: str, comment: str, username: str, now: datetime | None = None) -> Scheduled:
    """Publish ``text`` as a scheduled version; ``ValidationFailed`` names every refused field."""
    now = now or utcnow()
    try:
        rulebook = sources.parse_text(text, "submitted rulebook")
    except RulebookInvalid as exc:
        extra = (
            [] if comment.strip() else [FieldProblem("comment", "required: say why this version rolls out")]
        )
        raise ValidationFailed(exc.problems + extra) from None
    problems = _refusals(rulebook, comment, now)
    if problems:
        raise ValidationFailed(problems)
    target = sources.rulebook_dir() / f"{rulebook.version}.yaml"
    governing = sources.library().governing(now) if sources.governing_version(now) else None
    changes = [c.text for c in diff_rulebooks(governing, rulebook)] if governing else []
    written = False
    try:
        with session_scope() as db:
            versions_crud.record_rulebook_version(
                session=db,
                data={
                    "version": rulebook.version,
                    "effective_from": rulebook.effective_from,
                    "source": str(target.resolve()),
                    "sha256": content_hash(rulebook),
                    "document": rulebook_document(rulebook),
                },
            )
            records_crud.append_audit_event(
                session=db,
                data={
                    "process_type": ProcessType.RULEBOOK,
                    "process_id": process_id(rulebook.version),
                    "actor": username,
                    "action": ACTION,
                    "rulebook_version": rulebook.version,
                    "at": now,
                    "detail": {
                        "comment": comment.strip(),
                        "effective_from": rulebook.effective_from.isoformat(),
                        "file": target.name,
                        "replaces": governing.version if governing else None,
                        "changes": changes,
                    },
                    "idempotency_key": f"{ACTION}:{rulebook.version}",
                },
            )
            _announce(db, rulebook, changes)
            try:
                _write_exclusive(target, text)
            except FileExistsError:
                raise ValidationFailed([FieldProblem(
                    "version", f"a file {target.name} already exists in the rulebook folder"
                )]) from None  # fmt: skip
            written = True
    except BaseException:
        if written:
            target.unlink(missing_ok=True)
        raise
    return Scheduled(rulebook.version, rulebook.effective_from, target)


def roll_out_events(version: str) -> list[AuditEvent]:
    """Who scheduled ``version``, when and why (empty for versions shipped as files)."""
    with session_scope() as db:
        return list(records_crud.list_audit_events(session=db, process_id=process_id(version)).items)
