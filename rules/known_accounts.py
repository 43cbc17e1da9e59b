"""Candidate lookup for a closed world: every account that will be registered is known up front.

The sandbox draws its whole channel before it runs, so which account names might be the same
account can be settled once, in bulk, instead of once per registration: two accounts are
*neighbours* when they share a blocking key (``AccountKey.blocks``, the same keys
``RegistrationIndex`` uses) and either have the same registrable domain or score at least
``floor`` on their distinctive names. The block join is one sparse matrix product; a bound from
letter counts rules out most block-sharing pairs, and one rapidfuzz batch call scores the rest,
all in C.

``KnownAccountsIndex`` then answers ``keyed_candidates`` with the registrations on file under the
key's neighbours. That is a subset of what ``RegistrationIndex`` returns (both need a shared
block) holding every candidate that can reach ``floor``, so ``decide_registration`` reaches the
same decisions with either index for any rulebook whose review threshold is at least ``floor``.
One ``AccountNeighbours`` table serves every rulebook run on the same channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from rules.facts import ExistingRegistration
from rules.matching import AccountKey, CandidateIndex


class AccountNeighbours:
    """The neighbours of every account in a known set (see the module docstring)."""

    def __init__(self, accounts: Iterable[tuple[str, str]], floor: float) -> None:
        """``accounts``: (name, domain) pairs as registrations will carry them; ``floor``: the
        lowest review threshold of the rulebooks that will use the table (0..1)."""
        if not 0.0 <= floor <= 1.0:
            raise ValueError(f"floor must be between 0 and 1, got {floor}")
        self.floor = floor
        self._id_of_written: dict[tuple[str, str], int] = {}
        self._id_of_key: dict[AccountKey, int] = {}
        self.keys: list[AccountKey] = []
        for written in accounts:
            if written in self._id_of_written:
                continue
            key = AccountKey.of(*written)
            number = self._id_of_key.setdefault(key, len(self.keys))
            if number == len(self.keys):
                self.keys.append(key)
            self._id_of_written[written] = number
        self.neighbours = _neighbours(self.keys, floor)

    def id_of(self, name: str, domain: str) -> int:
        """The table's number for an account as written; unknown accounts are an error."""
        try:
            return self._id_of_written[(name, domain)]
        except KeyError:
            raise KeyError(f"account {name!r} / {domain!r} is not in the known set") from None

    def id_of_key(self, key: AccountKey) -> int:
        try:
            return self._id_of_key[key]
        except KeyError:
            raise KeyError(f"account {key.name!r} / {key.domain!r} is not in the known set") from None

    def __len__(self) -> int:
        return len(self.keys)


def _neighbours(keys: list[AccountKey], floor: float) -> list[tuple[int, ...]]:
    """For each key, the keys (itself included) sharing a block and reaching ``floor`` by name
    score or having the same domain; see the module docstring."""
    count = len(keys)
    incidence = _incidence(keys)
    transposed = incidence.T.tocsr()
    profiles = _Profiles(keys)
    found: list[list[int]] = [[number] for number in range(count)]
    # The join goes a slice of keys at a time, so memory follows the slice, not the square of
    # a large channel's size.
    for start in range(0, count, _JOIN_ROWS):
        shared = (incidence[start : start + _JOIN_ROWS] @ transposed).tocoo()
        left, right = shared.row.astype(np.int64) + start, shared.col.astype(np.int64)
        upper = right > left  # the relation is symmetric: each pair once
        left, right = left[upper], right[upper]
        near = profiles.near(left, right, floor)
        for a_id, b_id in zip(left[near].tolist(), right[near].tolist(), strict=True):
            found[a_id].append(b_id)
            found[b_id].append(a_id)
    return [tuple(row) for row in found]


_JOIN_ROWS = 2048


def _incidence(keys: list[AccountKey]) -> sparse.csr_matrix:
    """Keys x blocks: its product with its transpose is non-zero where two keys share a block."""
    sizes = np.fromiter((len(key.block_keys) for key in keys), dtype=np.int64, count=len(keys))
    # Blocks are numbered by the hash of their key, in C. Two keys whose hashes collided would
    # only merge two blocks: more pairs scored, never a pair missed.
    hashes = np.fromiter(
        map(hash, chain.from_iterable(key.block_keys for key in keys)), dtype=np.int64, count=int(sizes.sum())
    )
    blocks, members = np.unique(hashes, return_inverse=True)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    return sparse.csr_matrix(
        (np.ones(len(members), dtype=np.int32), members, starts), shape=(len(keys), len(blocks))
    )


# Letter-count buckets: a-z, 0-9, and one for anything else (merging characters only raises
# the bound, so it stays a bound).
_BUCKETS = 37


class _Profiles:
    """What ``near`` needs of every key, as arrays: domain, letter counts, lengths, texts."""

    def __init__(self, keys: list[AccountKey]) -> None:
        count = len(keys)
        domain_ids: dict[str, int] = {"": 0}
        self.domains = np.fromiter(
            (domain_ids.setdefault(key.domain, len(domain_ids)) for key in keys), dtype=np.int64, count=count
        )
        compact = [key.compact for key in keys]
        self.lengths = np.fromiter(map(len, compact), dtype=np.int64, count=count)
        self.spaces = np.fromiter((max(len(key.tokens) - 1, 0) for key in keys), dtype=np.int64, count=count)
        points = np.frombuffer("".join(compact).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        letter, digit = (points >= 97) & (points <= 122), (points >= 48) & (points <= 57)
        bucket = np.where(letter, points - 97, np.where(digit, points - 22, 36))
        owner = np.repeat(np.arange(count, dtype=np.int64), self.lengths)
        counts = np.bincount(owner * _BUCKETS + bucket, minlength=count * _BUCKETS).reshape(count, _BUCKETS)
        self.letters = counts.astype(np.uint8 if counts.max(initial=0) <= 255 else np.uint16)
        self.texts = {
            "sorted_core": np.array([key.sorted_core for key in keys], dtype=object),
            "compact": np.array(compact, dtype=object),
        }

    def near(self, left: np.ndarray, right: np.ndarray, floor: float) -> np.ndarray:
        """Which pairs are neighbours: same domain, or a core score of at least ``floor``."""
        a, b = self.domains[left], self.domains[right]
        near = (a == b) & (a != 0)
        if floor <= 0.0:
            near[:] = True  # every score reaches a floor of zero
            return near
        cutoff = floor * 100.0 - 1e-6
        # ``similar_entries`` scores the sorted core and the compact core; the name score never
        # exceeds the better of the two, so a pair below ``floor`` on both cannot be a match.
        # Most block-sharing pairs are far apart: the letter bound rules them out, and only the
        # rest are scored.
        maybe = np.flatnonzero(self.letter_bound(left, right) >= cutoff)
        for strings in self.texts.values():
            scores = process.cpdist(
                strings[left[maybe]].tolist(),
                strings[right[maybe]].tolist(),
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
                dtype=np.float64,
            )
            near[maybe[scores >= cutoff]] = True
        return near

    def letter_bound(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """An upper bound (0..100) of both ``fuzz.ratio`` scores ``similar_entries`` takes for
        each pair. The ratio is ``2 * LCS / (len_a + len_b)``, and a common subsequence holds
        each character at most as often as the rarer side has it; the sorted core is the compact
        core's characters plus one space between words."""
        common = np.empty(len(left), dtype=np.int64)
        step = 65_536  # pairs per slice: the gathered rows stay small
        for at in range(0, len(left), step):
            a, b = self.letters[left[at : at + step]], self.letters[right[at : at + step]]
            np.minimum(a, b, out=a)
            common[at : at + step] = a.sum(axis=1, dtype=np.int64)
        total = self.lengths[left] + self.lengths[right]
        spaced = total + self.spaces[left] + self.spaces[right]
        shared_spaces = np.minimum(self.spaces[left], self.spaces[right])
        with np.errstate(divide="ignore", invalid="ignore"):
            compact_bound = np.where(total > 0, 200.0 * common / total, 0.0)
            sorted_bound = np.where(spaced > 0, 200.0 * (common + shared_spaces) / spaced, 0.0)
        return np.maximum(compact_bound, sorted_bound)


class KnownAccountsIndex(CandidateIndex):
    """Registrations on file, found through an ``AccountNeighbours`` table (module docstring)."""

    def __init__(self, table: AccountNeighbours) -> None:
        self.table = table
        # Only accounts that hold a registration get an entry: most of a channel's accounts are
        # registered once or never, and each run starts a new index.
        self._by_account: dict[int, dict[str, tuple[ExistingRegistration, AccountKey]]] = {}
        self._account_of: dict[str, int] = {}

    def add(self, existing: ExistingRegistration) -> None:
        """Add or replace (same ``registration_id``) one registration."""
        number = self.table.id_of(existing.account_name, existing.account_domain)
        held = self._account_of.get(existing.registration_id)
        if held is not None and held != number:
            del self._by_account[held][existing.registration_id]
        self._account_of[existing.registration_id] = number
        entries = self._by_account.get(number)
        if entries is None:
            entries = self._by_account[number] = {}
        entries[existing.registration_id] = (existing, self.table.keys[number])

    def remove(self, registration_id: str) -> None:
        """Drop a registration; unknown ids are ignored (removal is idempotent)."""
        number = self._account_of.pop(registration_id, None)
        if number is not None:
            del self._by_account[number][registration_id]

    def keyed_candidates(self, key: AccountKey) -> list[tuple[ExistingRegistration, AccountKey]]:
        by_account = self._by_account
        found: list[tuple[ExistingRegistration, AccountKey]] = []
        for number in self.table.neighbours[self.table.id_of_key(key)]:
            held = by_account.get(number)
            if held:
                found.extend(held.values())
        return found

    def __len__(self) -> int:
        return len(self._account_of)

    def __iter__(self) -> Iterator[ExistingRegistration]:
        return (entry[0] for held in self._by_account.values() for entry in held.values())

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._account_of
