"""Several rulebook versions side by side, and which one governs at a given time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from parley.errors import NotFound
from rules.schema import Rulebook


class RulebookLibrary:
    """Rulebooks by version; the governing one at time T is the latest ``effective_from <= T``.

    A process pins the version it started under (``get``); new processes take ``governing(now)``.
    """

    def __init__(self, rulebooks: Iterable[Rulebook]) -> None:
        ordered = sorted(rulebooks, key=lambda rb: (rb.effective_from, rb.version))
        self._by_version: dict[str, Rulebook] = {}
        for rulebook in ordered:
            if rulebook.version in self._by_version:
                raise ValueError(f"rulebook version {rulebook.version!r} is given twice")
            self._by_version[rulebook.version] = rulebook
        if not self._by_version:
            raise ValueError("a rulebook library needs at least one rulebook")
        self._ordered = ordered

    @property
    def versions(self) -> tuple[str, ...]:
        """Versions in the order they take effect."""
        return tuple(rb.version for rb in self._ordered)

    def get(self, version: str) -> Rulebook:
        try:
            return self._by_version[version]
        except KeyError:
            raise NotFound("rulebook version", version) from None

    def governing(self, at: datetime) -> Rulebook:
        """The rulebook in force at ``at`` (tz-aware); ``NotFound`` before the first one."""
        if at.tzinfo is None:
            raise ValueError("governing() needs a time-zone-aware datetime")
        current: Rulebook | None = None
        for rulebook in self._ordered:
            if rulebook.effective_from <= at:
                current = rulebook
        if current is None:
            raise NotFound("rulebook in force at", at.isoformat())
        return current

    def __iter__(self) -> Iterator[Rulebook]:
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self._ordered)
