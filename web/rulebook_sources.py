"""Where the rulebook pages and the sandbox find rulebooks: the versions in the database (the
library in force, scheduled versions and drafts) and the sample proposals shipped as files.

A rulebook is named on a form by a *reference*: ``version:<id>`` for a version in the database
(any state but withdrawn: a draft can be simulated before it is approved) or ``proposal:<file>``
for a sample in ``<rulebook_dir>/proposals/``. References are resolved only against what is
listed here, so a form value can never name an arbitrary path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from activities.rulebook import rulebook_library
from parley.errors import FieldProblem, NotFound
from parley.settings import get_settings
from rules import Rulebook, RulebookInvalid, RulebookLibrary, load_rulebook, parse_rulebook
from store.crud import rulebooks as versions_crud
from store.engine import session_scope
from store.models import RulebookState, RulebookVersion
from store.models.types import as_utc, utcnow

VERSION_PREFIX = "version:"
PROPOSAL_PREFIX = "proposal:"


@dataclass(frozen=True)
class Choice:
    """One rulebook a form can offer: its reference, a label, the text it was read from and
    where that text came from."""

    ref: str
    label: str
    rulebook: Rulebook
    text: str
    source: str
    version_row: bool = False  # a version in the database (not a sample file)


@dataclass(frozen=True)
class VersionRow:
    """A version in the database with where it stands today."""

    rulebook: Rulebook
    row: RulebookVersion
    standing: str  # a RulebookState value; for library versions, what their dates give today

    @property
    def text(self) -> str:
        """The YAML as its author wrote it; for a version recorded before texts were kept, its
        document written out (the same rules, without the comments)."""
        return self.row.text or yaml.safe_dump(self.row.document, sort_keys=False, allow_unicode=True)


def proposals_dir() -> Path:
    return get_settings().rulebook_dir / "proposals"


def library() -> RulebookLibrary:
    """The library every worker reads (the database's)."""
    return rulebook_library()


def _standing(row: RulebookVersion, governing: str | None, now: datetime) -> str:
    if row.state in (RulebookState.DRAFT, RulebookState.WITHDRAWN):
        return row.state
    if row.version == governing:
        return RulebookState.IN_FORCE
    return RulebookState.SCHEDULED if as_utc(row.effective_from) > now else RulebookState.SUPERSEDED


def version_rows(now: datetime | None = None, *, with_withdrawn: bool = True) -> list[VersionRow]:
    """Every version in the database, newest effective date first, with its standing at ``now``."""
    now = now or utcnow()
    governing = governing_version(now)
    with session_scope() as db:
        rows = versions_crud.list_rulebook_versions(session=db)
    found = [
        VersionRow(Rulebook.model_validate(row.document), row, _standing(row, governing, now))
        for row in rows
        if with_withdrawn or row.state != RulebookState.WITHDRAWN
    ]
    return list(reversed(found))


def version_row(version: str) -> VersionRow:
    for row in version_rows():
        if row.rulebook.version == version:
            return row
    raise NotFound("rulebook version", version)


def governing_version(now: datetime | None = None) -> str | None:
    try:
        return library().governing(now or utcnow()).version
    except NotFound:
        return None


def version_choices() -> list[Choice]:
    """Every version a form may name: the library's and the drafts (not withdrawn ones)."""
    return [
        Choice(
            f"{VERSION_PREFIX}{r.rulebook.version}",
            f"{r.rulebook.version} ({r.standing.replace('_', ' ')}, "
            f"from {r.rulebook.effective_from:%Y-%m-%d})",
            r.rulebook,
            r.text,
            f"version {r.rulebook.version} ({r.standing})",
            version_row=True,
        )
        for r in version_rows(with_withdrawn=False)
    ]


def proposal_choices() -> list[Choice]:
    """Every valid sample in ``proposals/``; a broken one is left out (validate it to see why)."""
    choices = []
    for path in sorted(proposals_dir().glob("*.yaml")):
        try:
            rulebook = load_rulebook(path)
        except RulebookInvalid:
            continue
        choices.append(
            Choice(
                f"{PROPOSAL_PREFIX}{path.name}",
                f"{path.name} — {rulebook.version}",
                rulebook,
                path.read_text(encoding="utf-8"),
                str(path),
            )
        )
    return choices


def resolve(ref: str, field: str) -> Choice:
    """The choice a form value names; ``RulebookInvalid`` naming ``field`` when it names nothing."""
    candidates = version_choices() if ref.startswith(VERSION_PREFIX) else proposal_choices()
    for choice in candidates:
        if choice.ref == ref:
            return choice
    raise RulebookInvalid(field, [FieldProblem(field, f"no rulebook {ref!r}; choose one from the list")])


def parse_text(text: str, source: str) -> Rulebook:
    """Validate pasted or uploaded YAML; ``RulebookInvalid`` lists every field problem."""
    if not text.strip():
        raise RulebookInvalid(source, [FieldProblem("<document>", "empty: paste or upload a rulebook")])
    return parse_rulebook(text, source=source)
