"""The closed-world index finds exactly what the blocked index finds, for every threshold at or
above its floor, through adds, state changes, renames and removals."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import RegistrationIndex, known_accounts
from rules.known_accounts import AccountNeighbours, KnownAccountsIndex
from rules.matching import AccountKey, similar_entries
from tests.rules.helpers import existing
from tests.rules.test_matching import DOMAINS, company


def _found(index, key, threshold, match_domains):
    pairs = similar_entries(key, index.keyed_candidates(key), threshold, match_domains=match_domains)
    return sorted((reg.registration_id, match.score, match.basis) for reg, match in pairs)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(company(), st.sampled_from(DOMAINS)), min_size=1, max_size=25),
    st.lists(st.integers(min_value=0, max_value=24), max_size=8),
    st.sampled_from([0.5, 0.8]),
    st.sampled_from([0.0, 0.05, 0.1]),
    st.booleans(),
)
def test_same_matches_as_the_blocked_index(accounts, removed, floor, above, match_domains):
    table = AccountNeighbours(accounts, floor)
    known, blocked = KnownAccountsIndex(table), RegistrationIndex()
    regs = [existing(f"r-{i}", "p", name, domain) for i, (name, domain) in enumerate(accounts)]
    for reg in regs:
        known.add(reg)
        blocked.add(reg)
    for i in removed:
        known.remove(f"r-{i}")
        blocked.remove(f"r-{i}")
    assert len(known) == len(blocked)
    assert {r.registration_id for r in known} == {r.registration_id for r in blocked}
    for name, domain in accounts:
        key = AccountKey.of(name, domain)
        threshold = min(1.0, floor + above)
        assert _found(known, key, threshold, match_domains) == _found(blocked, key, threshold, match_domains)


def test_an_account_meets_its_variants_and_not_a_stranger():
    accounts = [("Acme Corp", "acme.com"), ("ACME Corporation", "www.acme.com"), ("Acmee Corp", ""),
                ("Hooli", "hooli.io")]  # fmt: skip
    index = KnownAccountsIndex(AccountNeighbours(accounts, 0.8))
    for i, (name, domain) in enumerate(accounts):
        index.add(existing(f"r-{i}", "p", name, domain))
    ids = {reg.registration_id for reg, _ in index.keyed_candidates(AccountKey.of("Acme Corp", "acme.com"))}
    assert ids == {"r-0", "r-1", "r-2"}
    index.remove("r-1")
    index.remove("r-1")  # idempotent
    ids = {reg.registration_id for reg, _ in index.keyed_candidates(AccountKey.of("Acme Corp", "acme.com"))}
    assert ids == {"r-0", "r-2"}
    assert "r-1" not in index and "r-3" in index


def test_re_adding_an_id_under_another_account_moves_it():
    accounts = [("Acme", ""), ("Hooli", "")]
    index = KnownAccountsIndex(AccountNeighbours(accounts, 0.8))
    index.add(existing("r-1", "p", "Acme", ""))
    index.add(existing("r-1", "p", "Hooli", ""))
    assert index.keyed_candidates(AccountKey.of("Acme", "")) == []
    assert [reg.account_name for reg, _ in index.keyed_candidates(AccountKey.of("Hooli", ""))] == ["Hooli"]
    assert len(index) == 1


def test_unknown_accounts_and_bad_floors_are_refused_by_name():
    index = KnownAccountsIndex(AccountNeighbours([("Acme", "acme.com")], 0.8))
    with pytest.raises(KeyError, match=re.escape("'Globex' / 'globex.com' is not in the known set")):
        index.add(existing("r-1", "p", "Globex", "globex.com"))
    with pytest.raises(KeyError, match="not in the known set"):
        index.keyed_candidates(AccountKey.of("Globex", ""))
    with pytest.raises(ValueError, match="floor must be between 0 and 1"):
        AccountNeighbours([], 1.5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(company(), st.sampled_from(DOMAINS)), min_size=2, max_size=25))
def test_joining_in_slices_finds_the_same_neighbours(accounts):
    whole = AccountNeighbours(accounts, 0.8).neighbours
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(known_accounts, "_JOIN_ROWS", 2)
        sliced = AccountNeighbours(accounts, 0.8).neighbours
    assert [sorted(row) for row in sliced] == [sorted(row) for row in whole]
