"""Account similarity (rapidfuzz on normalised names and domains) and the blocked candidate index.

``RegistrationIndex`` keeps existing registrations under blocking keys (normalised domain, name
tokens and their one-letter deletions, so a typo still meets its original), so finding the
registrations that might be the same account looks at a few blocks, not every registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, itemgetter

from rapidfuzz import fuzz, process

from rules.facts import ExistingRegistration
from rules.normalise import name_tokens, normalise_domain

# Words so common in company names that a block keyed on them would hold a large share of the
# index; they still count in the similarity score, they just do not select candidates.
_GENERIC = frozenset(
    {
        "and", "of", "the", "group", "global", "international", "systems", "solutions",
        "services", "technologies", "technology", "tech", "software", "digital", "data",
        "system", "solution", "service", "partner", "industry", "enterprise", "network", "lab",
        "consulting", "partners", "associates", "industries", "enterprises", "holdings",
        "health", "healthcare", "financial", "bank", "capital", "labs", "networks", "media",
        "north", "south", "east", "west", "american", "america", "national", "first", "united",
    }
)  # fmt: skip


# Names that differ only in generic words ("Acme" / "Acme Systems") score at most this: similar
# enough for a person to look under the default thresholds, never an automatic "same account".
GENERIC_ONLY_CAP = 0.85


@dataclass(frozen=True)
class AccountKey:
    """A normalised account: name, its distinctive core (generic words dropped), and domain."""

    name: str
    core: str
    domain: str
    tokens: tuple[str, ...]
    # The core without spaces, the core's words in sorted order (``fuzz.token_sort_ratio``
    # sorts them on every call; ``fuzz.ratio`` on the sorted cores is the same score), and the
    # blocking keys (see ``blocks``): computed once per key.
    compact: str = field(default="", compare=False, repr=False)
    sorted_core: str = field(default="", compare=False, repr=False)
    block_keys: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def of(cls, name: str, domain: str) -> AccountKey:
        """The key of one account; cached, as the same names come back many times."""
        return _account_key(name, domain)

    def blocks(self) -> frozenset[str]:
        """Blocking keys: the domain, each distinctive token with its one-letter deletions (so
        one typo per word always shares a key with the correct spelling), two-letter deletions of
        6-7 letter words, the first and last four letters of long words (two edits usually leave
        one intact), and the name without spaces."""
        return self.block_keys


@lru_cache(maxsize=65536)
def _account_key(name: str, domain: str) -> AccountKey:
    return _normalised_key(tuple(name_tokens(name)), normalise_domain(domain))


@lru_cache(maxsize=65536)
def _normalised_key(tokens: tuple[str, ...], registrable: str) -> AccountKey:
    # Cached apart from the spelling: "Acme Corp", "ACME CORP." and "acme.com" are one key.
    specific = tuple(t for t in tokens if t not in _GENERIC) or tokens
    return AccountKey(
        name=" ".join(tokens),
        core=" ".join(specific),
        domain=registrable,
        tokens=specific,
        compact="".join(specific),
        sorted_core=" ".join(sorted(specific)),
        block_keys=_blocks(specific, registrable),
    )


def _blocks(tokens: tuple[str, ...], domain: str) -> frozenset[str]:
    """The blocking keys of a normalised account; see ``AccountKey.blocks``."""
    keys: set[str] = set()
    if domain:
        keys.add("d:" + domain)
    for token in tokens:
        keys |= _token_blocks(token)
    # The name without spaces, and its ends: "dunder mifflin" / "dundermifflin" / "dundermiflin".
    compact = "".join(tokens)
    keys.add("c:" + compact)
    if len(compact) >= 6:
        keys.add("p:" + compact[:4])
        keys.add("s:" + compact[-4:])
    return frozenset(keys)


@lru_cache(maxsize=65536)
def _token_blocks(token: str) -> frozenset[str]:
    # Cached per word: the same surnames, brands and industry words recur across many names.
    keys = {"t:" + token}
    if len(token) >= 4:
        keys.update("t:" + token[:i] + token[i + 1 :] for i in range(len(token)))
    if 6 <= len(token) <= 7:
        # A 4-5 letter word can be 80% alike one two letters longer ("suke" / "susike"):
        # the longer word, less two letters, is the shorter one.
        keys.update(
            "t:" + token[:i] + token[i + 1 : j] + token[j + 1 :]
            for i in range(len(token))
            for j in range(i + 1, len(token))
        )
    if len(token) >= 6:
        keys.add("p:" + token[:4])
        keys.add("s:" + token[-4:])
    return frozenset(keys)


@dataclass(frozen=True)
class Similarity:
    """How alike two accounts are (0..1) and what decided it: ``domain`` or ``name``."""

    score: float
    basis: str


def similarity(a: AccountKey, b: AccountKey, *, match_domains: bool = True) -> Similarity:
    """Same registrable domain counts as identical; otherwise the names are compared.

    The distinctive cores decide ("Mozi Systems" and "Sobi Systems" share only a generic word:
    0.5); when the cores agree but the full names do not, the score is capped at
    ``GENERIC_ONLY_CAP`` so a person decides.
    """
    if match_domains and a.domain and a.domain == b.domain:
        return Similarity(1.0, "domain")
    if not a.name or not b.name:
        return Similarity(0.0, "name")
    full = _name_score(a.name, b.name)
    if a.core == a.name and b.core == b.name:
        return Similarity(full, "name")
    core = _name_score(a.core, b.core)
    return Similarity(min(core, max(full, GENERIC_ONLY_CAP)), "name")


def similar_entries(
    key: AccountKey,
    entries: Sequence[tuple[ExistingRegistration, AccountKey]],
    threshold: float,
    *,
    match_domains: bool = True,
) -> list[tuple[ExistingRegistration, Similarity]]:
    """The entries at least ``threshold`` similar to ``key``, with their similarity.

    Same result as calling ``similarity`` on each entry, for less. A short list's pairs are
    scored once and remembered (``_PAIRS``): the same accounts meet again and again (a sandbox
    run asks about its channel's neighbours for every lead, under each rulebook it compares).
    Pairs met for the first time are scored together (``_score_new``), and so is a long list
    (a scan, or a crowded block of a large index), whose pairs rarely come back and whose
    lookups would cost more than the batch calls.
    """
    if not entries:
        return []
    if len(entries) > _REMEMBERED_UP_TO:
        scores = _score_new(key, entries, threshold, match_domains)
        return [
            (existing, score)
            for (existing, _), score in zip(entries, scores, strict=True)
            if score is not None and score.score >= threshold
        ]
    found: list[tuple[int, ExistingRegistration, Similarity]] = []
    new: list[int] = []
    pairs, me = _PAIRS, id(key)
    for i, (existing, other) in enumerate(entries):
        known = pairs.get((me, id(other), match_domains))
        if known is None or known[0] is not key or known[1] is not other:
            new.append(i)
        elif known[2] is not None:
            if known[2].score >= threshold:
                found.append((i, existing, known[2]))
        elif known[3] > threshold:
            new.append(i)  # known only to be below a higher threshold than this one
    if new:
        if len(pairs) >= _PAIRS_KEPT:
            pairs.clear()
        fresh = [entries[i] for i in new]
        for i, (_, other), score in zip(
            new, fresh, _score_new(key, fresh, threshold, match_domains), strict=True
        ):
            pairs[(me, id(other), match_domains)] = (key, other, score, threshold)
            if score is not None and score.score >= threshold:
                found.append((i, entries[i][0], score))
        if len(new) < len(entries):
            found.sort(key=_FIRST)
    return [(existing, score) for _, existing, score in found]


def pair_similarity(a: AccountKey, b: AccountKey, *, match_domains: bool = True) -> Similarity:
    """``similarity(a, b)``, remembered with the pairs ``similar_entries`` scored."""
    pairs, ident = _PAIRS, (id(a), id(b), match_domains)
    known = pairs.get(ident)
    if known is not None and known[0] is a and known[1] is b and known[2] is not None:
        return known[2]
    score = similarity(a, b, match_domains=match_domains)
    if len(pairs) >= _PAIRS_KEPT:
        pairs.clear()
    pairs[ident] = (a, b, score, 0.0)
    return score


# Pairs scored, by the identity of their two keys (and whether domains counted): the keys, then
# the similarity, or None when it is below the threshold it was asked for (the last item).
# The entry holds both keys, so neither identity can pass to another key while it is kept. A
# pure function's results, so what is kept never changes an answer; emptied when full, so it
# holds at most ``_PAIRS_KEPT`` pairs however long a process runs.
_PAIRS: dict[tuple[int, int, bool], tuple[AccountKey, AccountKey, Similarity | None, float]] = {}
_PAIRS_KEPT = 65_536
_REMEMBERED_UP_TO = 32  # candidates in a list whose pairs are remembered
_FIRST = itemgetter(0)


def forget_pairs() -> None:
    """Forget every pair scored (the cold path, measured by ``bench/bench_decision.py``)."""
    _PAIRS.clear()


def _score_new(
    key: AccountKey,
    entries: Sequence[tuple[ExistingRegistration, AccountKey]],
    threshold: float,
    match_domains: bool,
) -> list[Similarity | None]:
    """Each entry's ``similarity`` to ``key``, or None when it is below ``threshold``.

    The distinctive cores are scored in two rapidfuzz batch calls with ``score_cutoff`` (the
    name score never exceeds the core score, so nothing below the cutoff can reach
    ``threshold``), and those batch scores are the core score itself, so only entries whose full
    name differs from their core pay for one more comparison in Python.
    """
    cutoff = threshold * 100.0 - 1e-6
    # map with attrgetter/itemgetter runs in C: the candidate lists can be hundreds long.
    keys = list(map(_KEY, entries))
    # Best core score (0..100) per entry index, only for entries at or above the cutoff.
    # ``token_sort_ratio`` is ``ratio`` on the words sorted and joined by one space; the cores
    # are stored that way (``sorted_core``), so the batch skips re-sorting every candidate.
    # rapidfuzz returns the exact score for every choice at or above ``score_cutoff``, and
    # drops the rest after its own bounds (length difference, common affixes) show they
    # cannot reach it.
    best: dict[int, float] = {}
    if key.name and len(keys) <= _ONE_BY_ONE:
        # A batch call's set-up costs more than scoring a few candidates one by one.
        ratio = fuzz.ratio
        for i, other in enumerate(keys):
            points = max(
                ratio(key.sorted_core, other.sorted_core, score_cutoff=cutoff),
                ratio(key.compact, other.compact, score_cutoff=cutoff),
            )
            if points >= cutoff:
                best[i] = points
    elif key.name:
        for query, choices in (
            (key.sorted_core, list(map(_SORTED_CORE, keys))),
            (key.compact, list(map(_COMPACT, keys))),
        ):
            for _, points, i in process.extract(
                query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                if points > best.get(i, -1.0):
                    best[i] = points
    scores: list[Similarity | None] = [None] * len(keys)
    plain = key.core == key.name
    for i, other in enumerate(keys):
        core = best.get(i)
        if match_domains and key.domain and key.domain == other.domain:
            scores[i] = Similarity(1.0, "domain")
        elif core is None:
            continue
        elif not other.name:
            scores[i] = similarity(key, other, match_domains=match_domains)  # the reference
        elif plain and other.core == other.name:
            scores[i] = Similarity(round(core / 100.0, 4), "name")
        else:
            full = _name_score(key.name, other.name)
            scores[i] = Similarity(min(round(core / 100.0, 4), max(full, GENERIC_ONLY_CAP)), "name")
    return scores


_ONE_BY_ONE = 2  # candidates up to which scoring them one by one beats the batch calls
_KEY = itemgetter(1)
_SORTED_CORE = attrgetter("sorted_core")
_COMPACT = attrgetter("compact")
_DOMAIN = attrgetter("domain")


def _name_score(a: str, b: str) -> float:
    # Token order does not matter, and "dunder mifflin" / "dundermifflin" differ only in spacing.
    words = fuzz.token_sort_ratio(a, b)
    compact = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    return round(max(words, compact) / 100.0, 4)


class CandidateIndex:
    """Registrations on file that answer "which of you might be this account?" quickly.

    ``keyed_candidates`` may return more than the matches (``similar_entries`` scores them), but
    never fewer than every registration sharing a blocking key with ``key`` that reaches the
    review threshold.
    """

    # A plain base class, not an ABC: ``decide_registration`` checks for it on every call, and
    # an ABC's isinstance check costs more than the lookup it guards.
    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        """Candidates with their keys, in no particular order."""
        raise NotImplementedError


class RegistrationIndex(CandidateIndex):
    """Existing registrations, blocked for fast candidate lookup (see module docstring)."""

    def __init__(self, registrations: Iterable[ExistingRegistration] = ()) -> None:
        self._entries: dict[str, tuple[ExistingRegistration, AccountKey]] = {}
        self._blocks: dict[str, set[str]] = {}
        for registration in registrations:
            self.add(registration)

    def add(self, existing: ExistingRegistration) -> None:
        """Add or replace (same ``registration_id``) one registration."""
        held = self._entries.get(existing.registration_id)
        if held is not None:
            old = held[0]
            if (old.account_name, old.account_domain) == (existing.account_name, existing.account_domain):
                # A state change (pending -> approved -> closed): same key, same blocks.
                self._entries[existing.registration_id] = (existing, held[1])
                return
            self.remove(existing.registration_id)
        key = AccountKey.of(existing.account_name, existing.account_domain)
        self._entries[existing.registration_id] = (existing, key)
        blocks = self._blocks
        for block in key.block_keys:
            members = blocks.get(block)
            if members is None:
                blocks[block] = {existing.registration_id}
            else:
                members.add(existing.registration_id)

    def remove(self, registration_id: str) -> None:
        """Drop a registration; unknown ids are ignored (removal is idempotent)."""
        entry = self._entries.pop(registration_id, None)
        if entry is None:
            return
        for block in entry[1].block_keys:
            members = self._blocks.get(block)
            if members is not None:
                members.discard(registration_id)
                if not members:
                    del self._blocks[block]

    def candidates(self, name: str, domain: str) -> list[ExistingRegistration]:
        """Registrations sharing a block with this account, in submission order."""
        found = [entry[0] for entry in self.keyed_candidates(AccountKey.of(name, domain))]
        found.sort(key=lambda existing: existing.order_key)
        return found

    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        """Registrations sharing a block with ``key``, with their keys, in no particular order
        (callers that need submission order sort the few that matter)."""
        blocks = self._blocks
        # The key's blocks that hold anyone: one C-level intersection (the index never keeps an
        # empty block) instead of a lookup per blocking key, most of which are empty.
        met = blocks.keys() & key.block_keys
        if not met:
            return []
        return list(map(self._entries.__getitem__, set().union(*map(blocks.__getitem__, met))))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ExistingRegistration]:
        return (entry[0] for entry in self._entries.values())

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._entries
