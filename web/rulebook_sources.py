"""Where the rulebook pages and the sandbox find rulebooks: the library in force and the proposals.

A rulebook is named on a form by a *reference*: ``version:<id>`` for a version in the library
(``settings.rulebook_dir``, the files the workers read) or ``proposal:<file>`` for a draft in
``<rulebook_dir>/proposals/``. References are resolved only against files listed here, so a form
value can never name an arbitrary path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from activities.rulebook import rulebook_library
from parley.errors import FieldProblem, NotFound
from parley.settings import get_settings
from rules import Rulebook, RulebookInvalid, RulebookLibrary, load_rulebook, parse_rulebook
from store.models.types import utcnow

VERSION_PREFIX = "version:"
PROPOSAL_PREFIX = "proposal:"


@dataclass(frozen=True)
class Choice:
    """One rulebook a form can offer: its reference, a label, and the text it was read from."""

    ref: str
    label: str
    rulebook: Rulebook
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class VersionRow:
    """A library version with where it stands today."""

    rulebook: Rulebook
    path: Path
    standing: str  # "governing", "scheduled" or "superseded"


def rulebook_dir() -> Path:
    return get_settings().rulebook_dir


def proposals_dir() -> Path:
    return rulebook_dir() / "proposals"


def library() -> RulebookLibrary:
    """The library the workers read (reloaded when a file changes); refused with field paths."""
    return rulebook_library(rulebook_dir())


@lru_cache(maxsize=8)
def _version_files(directory: str, _fingerprint: tuple[tuple[str, float], ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            found.setdefault(load_rulebook(path).version, path)
        except RulebookInvalid:
            continue  # library() reports it, with every problem
    return found


def version_files() -> dict[str, Path]:
    """Version id -> the YAML file that declares it (to show the file as written, comments kept)."""
    directory = rulebook_dir()
    files = sorted(directory.glob("*.yaml"))
    return _version_files(str(directory), tuple((str(p), p.stat().st_mtime) for p in files))


def version_rows(now: datetime | None = None) -> list[VersionRow]:
    """Every version in the library, newest effective date first, marked by standing at ``now``."""
    now = now or utcnow()
    lib = library()
    try:
        governing: str | None = lib.governing(now).version
    except NotFound:
        governing = None
    files = version_files()
    rows = []
    for rulebook in lib:
        if rulebook.version == governing:
            standing = "governing"
        elif rulebook.effective_from > now:
            standing = "scheduled"
        else:
            standing = "superseded"
        rows.append(VersionRow(rulebook, files[rulebook.version], standing))
    return list(reversed(rows))


def governing_version(now: datetime | None = None) -> str | None:
    try:
        return library().governing(now or utcnow()).version
    except NotFound:
        return None


def version_choices() -> list[Choice]:
    files = version_files()
    return [
        Choice(f"{VERSION_PREFIX}{rb.version}", f"{rb.version} (from {rb.effective_from:%Y-%m-%d})",
               rb, files[rb.version])
        for rb in reversed(list(library()))
    ]  # fmt: skip


def proposal_choices() -> list[Choice]:
    """Every valid draft in ``proposals/``; a broken draft is left out (validate it to see why)."""
    choices = []
    for path in sorted(proposals_dir().glob("*.yaml")):
        try:
            rulebook = load_rulebook(path)
        except RulebookInvalid:
            continue
        choices.append(
            Choice(f"{PROPOSAL_PREFIX}{path.name}", f"{path.name} — {rulebook.version}", rulebook, path)
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
