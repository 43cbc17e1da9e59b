"""Account similarity (rapidfuzz on normalised names and domains) and the blocked candidate index.

``RegistrationIndex`` keeps existing registrations under blocking keys (normalised domain, name
tokens, and 3-letter prefixes/suffixes of name tokens to survive typos), so finding the
registrations that might be the same account looks at a few blocks, not every registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from rules.facts import ExistingRegistration
from rules.normalise import name_tokens, normalise_domain

# Words so common in company names that a block keyed on them would hold a large share of the
# index; they still count in the similarity score, they just do not select candidates.
_GENERIC = frozenset(
    {
        "and", "of", "the", "group", "global", "international", "systems", "solutions",
        "services", "technologies", "technology", "tech", "software", "digital", "data",
        "consulting", "partners", "associates", "industries", "enterprises", "holdings",
        "health", "healthcare", "financial", "bank", "capital", "labs", "networks", "media",
        "north", "south", "east", "west", "american", "america", "national", "first", "united",
    }
)  # fmt: skip


@dataclass(frozen=True)
class AccountKey:
    """A normalised account: name (tokens joined by spaces) and registrable domain."""

    name: str
    domain: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, name: str, domain: str) -> AccountKey:
        tokens = tuple(name_tokens(name))
        return cls(name=" ".join(tokens), domain=normalise_domain(domain), tokens=tokens)

    def blocks(self) -> set[str]:
        keys: set[str] = set()
        if self.domain:
            keys.add("d:" + self.domain)
        specific = [t for t in self.tokens if t not in _GENERIC] or list(self.tokens)
        for token in specific:
            keys.add("t:" + token)
            if len(token) >= 4:
                keys.add("p:" + token[:3])
                keys.add("s:" + token[-3:])
        compact = "".join(self.tokens)
        if compact and len(self.tokens) > 1:
            keys.add("c:" + compact)  # "acme co" vs "acmeco"
        return keys


@dataclass(frozen=True)
class Similarity:
    """How alike two accounts are (0..1) and what decided it: ``domain`` or ``name``."""

    score: float
    basis: str


def similarity(a: AccountKey, b: AccountKey, *, match_domains: bool = True) -> Similarity:
    """Same registrable domain counts as identical; otherwise token-sort ratio of the names."""
    if match_domains and a.domain and a.domain == b.domain:
        return Similarity(1.0, "domain")
    if not a.name or not b.name:
        return Similarity(0.0, "name")
    score = fuzz.token_sort_ratio(a.name, b.name) / 100.0
    # "acme co" and "acmeco" differ only in spacing: compare the compact forms too.
    compact = fuzz.ratio(a.name.replace(" ", ""), b.name.replace(" ", "")) / 100.0
    return Similarity(round(max(score, compact), 4), "name")


class RegistrationIndex:
    """Existing registrations, blocked for fast candidate lookup (see module docstring)."""

    def __init__(self, registrations: Iterable[ExistingRegistration] = ()) -> None:
        self._entries: dict[str, tuple[ExistingRegistration, AccountKey]] = {}
        self._blocks: dict[str, set[str]] = {}
        for registration in registrations:
            self.add(registration)

    def add(self, existing: ExistingRegistration) -> None:
        """Add or replace (same ``registration_id``) one registration."""
        if existing.registration_id in self._entries:
            self.remove(existing.registration_id)
        key = AccountKey.of(existing.account_name, existing.account_domain)
        self._entries[existing.registration_id] = (existing, key)
        for block in key.blocks():
            self._blocks.setdefault(block, set()).add(existing.registration_id)

    def remove(self, registration_id: str) -> None:
        """Drop a registration; unknown ids are ignored (removal is idempotent)."""
        entry = self._entries.pop(registration_id, None)
        if entry is None:
            return
        for block in entry[1].blocks():
            members = self._blocks.get(block)
            if members is not None:
                members.discard(registration_id)
                if not members:
                    del self._blocks[block]

    def candidates(self, name: str, domain: str) -> list[ExistingRegistration]:
        """Registrations sharing a block with this account, in submission order."""
        return [entry[0] for entry in self.keyed_candidates(AccountKey.of(name, domain))]

    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        ids: set[str] = set()
        for block in key.blocks():
            ids |= self._blocks.get(block, set())
        found = [self._entries[i] for i in ids]
        found.sort(key=lambda entry: entry[0].order_key)
        return found

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ExistingRegistration]:
        return (entry[0] for entry in self._entries.values())

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._entries
