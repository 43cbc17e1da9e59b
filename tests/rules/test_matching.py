import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import RegistrationIndex, RegistrationStanding, normalise_company_name, normalise_domain
from rules.matching import AccountKey, similar_entries, similarity
from tests.rules.helpers import existing


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ACME Corp.", "acme"),
        ("Acme, Inc", "acme"),
        ("Acme Corporation", "acme"),
        ("acme llc", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller GmbH & Co. KG", "muller"),
        ("The Home Depot, Inc.", "home depot"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("  Wayne   Enterprises Ltd ", "wayne enterprises"),
        ("Group", "group"),  # a suffix alone is still a name
        ("acme.com", "acme"),  # a name written as a domain: the TLD is not a word
        ("www.Acme.co.uk", "acme"),
        ("acme-widgets.io", "acme widgets"),
        ("Acme.S.A.", "acme"),  # dotted legal suffix, not a domain
        ("J.P.Morgan", "j p morgan"),
    ],
)
def test_normalise_company_name(name, expected):
    assert normalise_company_name(name) == expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("acme.com", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("https://www.Shop.ACME.com/path?q=1", "acme.com"),
        ("http://user@eu.acme.com:8443/", "acme.com"),
        ("store.acme.co.uk", "acme.co.uk"),
        ("acme.com.", "acme.com"),
        ("localhost", ""),
        ("", ""),
        ("not a domain", ""),
    ],
)
def test_normalise_domain(domain, expected):
    assert normalise_domain(domain) == expected


def test_similarity_prefers_domain_then_name():
    a = AccountKey.of("Acme", "www.acme.com")
    assert similarity(a, AccountKey.of("Totally Different", "acme.com")).basis == "domain"
    assert similarity(a, AccountKey.of("Totally Different", "acme.com"), match_domains=False).score < 0.5
    assert similarity(AccountKey.of("Dunder Mifflin", ""), AccountKey.of("DunderMifflin", "")).score == 1.0
    assert similarity(AccountKey.of("", ""), AccountKey.of("", "")).score == 0.0


def test_index_finds_by_domain_token_and_typo_and_forgets_on_remove():
    index = RegistrationIndex(
        [
            existing("r-1", "p", "Globex Corporation", "globex.com"),
            existing("r-2", "p", "Initech", "initech.com"),
            existing("r-3", "p", "Umbrella Pharmaceuticals", ""),
        ]
    )
    ids = lambda found: [r.registration_id for r in found]  # noqa: E731
    assert ids(index.candidates("Something Else", "https://globex.com")) == ["r-1"]
    assert ids(index.candidates("GLOBEX", "")) == ["r-1"]
    assert ids(index.candidates("Umbrela Pharmaceuticals", "")) == ["r-3"]
    assert ids(index.candidates("Hooli", "hooli.xyz")) == []
    index.remove("r-1")
    index.remove("r-1")  # idempotent
    assert ids(index.candidates("Globex", "globex.com")) == []
    assert len(index) == 2 and "r-2" in index


def test_seed_variants_of_one_account_meet_and_match():
    index = RegistrationIndex([existing("r-1", "p", "Acme Corp.", "")])
    for variant in ("ACME Corporation", "acme.com"):
        assert [r.registration_id for r in index.candidates(variant, "")] == ["r-1"]
        assert similarity(AccountKey.of("Acme Corp.", ""), AccountKey.of(variant, "")).score == 1.0


def test_re_adding_an_id_with_the_same_account_replaces_only_the_facts():
    index = RegistrationIndex(
        [existing("r-1", "p", "Globex", "globex.com", state=RegistrationStanding.PENDING)]
    )
    approved = existing("r-1", "p", "Globex", "globex.com", state=RegistrationStanding.APPROVED)
    index.add(approved)
    assert index.candidates("Globex", "") == [approved]
    assert len(index) == 1
    index.remove("r-1")
    assert index.candidates("Globex", "globex.com") == []


def test_add_replaces_a_registration_with_the_same_id():
    index = RegistrationIndex([existing("r-1", "p", "Globex", "globex.com")])
    index.add(existing("r-1", "p", "Initech", "initech.com"))
    assert index.candidates("Globex", "globex.com") == []
    assert [r.account_name for r in index] == ["Initech"]


WORDS = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "hooli",
    "vandelay",
    "dunder",
    "mifflin",
    "pied",
    "piper",
]
SUFFIXES = ["", " Inc", " Corp.", " LLC", ", Ltd", " GmbH", " S.A."]


@st.composite
def company(draw, typos=True):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    words += draw(st.lists(st.sampled_from(["systems", "global", "solutions"]), max_size=1))
    name = " ".join(words)
    kinds = ["none", "delete", "substitute", "swap", "insert"] if typos else ["none"]
    typo = draw(st.sampled_from(kinds))
    at = draw(st.integers(min_value=0, max_value=len(name) - 2))
    letter = draw(st.sampled_from("aeioxz"))
    name = {
        "none": name,
        "delete": name[:at] + name[at + 1 :],
        "substitute": name[:at] + letter + name[at + 1 :],
        "swap": name[:at] + name[at + 1] + name[at] + name[at + 2 :],
        "insert": name[:at] + letter + name[at:],
    }[typo]
    return draw(st.sampled_from([str.title, str.upper, str.lower]))(name) + draw(st.sampled_from(SUFFIXES))


@settings(max_examples=500, deadline=None)
@given(st.lists(company(typos=False), min_size=1, max_size=30), company())
def test_index_never_misses_what_a_full_scan_would_flag(names, probe):
    """Blocking keeps every registration a full scan would score at review level or above, for
    correctly spelled registrations and a request with one typo anywhere."""
    regs = [existing(f"r-{i}", "p", name, "") for i, name in enumerate(names)]
    index = RegistrationIndex(regs)
    key = AccountKey.of(probe, "")
    found = {r.registration_id for r in index.candidates(probe, "")}
    for reg in regs:
        if similarity(key, AccountKey.of(reg.account_name, "")).score >= 0.8:
            assert reg.registration_id in found, (probe, reg.account_name)


def test_two_different_misspellings_meet_through_prefix_or_suffix():
    index = RegistrationIndex([existing("r-1", "p", "Cyberdyne Sistems", "")])
    assert [r.registration_id for r in index.candidates("Cyberdine Systemz", "")] == ["r-1"]
    assert [r.registration_id for r in index.candidates("Cybordyne Sustems", "")] == ["r-1"]


@settings(max_examples=300, deadline=None)
@given(st.lists(company(), min_size=1, max_size=20), company(), st.sampled_from([0.6, 0.8, 0.9]))
def test_batch_screening_equals_scoring_each_entry(names, probe, threshold):
    entries = [(existing(f"r-{i}", "p", n, ""), AccountKey.of(n, "")) for i, n in enumerate(names)]
    key = AccountKey.of(probe, "")
    expected = [
        (reg, similarity(key, other)) for reg, other in entries if similarity(key, other).score >= threshold
    ]
    assert similar_entries(key, entries, threshold) == expected


@pytest.mark.parametrize(("stored", "asked"), [("Susike", "Suke"), ("Lune", "Lunope"), ("Piri", "Puviri")])
def test_short_names_two_letters_apart_are_candidates(stored, asked):
    index = RegistrationIndex([existing("r-1", "p", stored, "")])
    assert similarity(AccountKey.of(stored, ""), AccountKey.of(asked, "")).score >= 0.8
    assert [r.registration_id for r in index.candidates(asked, "")] == ["r-1"]


DOMAINS = ["", "acme.com", "www.acme.com", "hooli.io", "initech.co.uk"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(company(), st.sampled_from(DOMAINS)), min_size=1, max_size=20),
    st.tuples(company(), st.sampled_from(DOMAINS)),
    st.sampled_from([0.5, 0.8, 0.85, 0.9, 1.0]),
    st.booleans(),
)
def test_batch_scores_equal_scoring_each_entry_with_domains(names, probe, threshold, match_domains):
    """The core scores taken from the batch calls, domain matches and the generic-word cap give
    exactly what ``similarity`` gives entry by entry, whether or not domains count."""
    entries = [(existing(f"r-{i}", "p", n, d), AccountKey.of(n, d)) for i, (n, d) in enumerate(names)]
    key = AccountKey.of(*probe)
    scored = [(reg, similarity(key, other, match_domains=match_domains)) for reg, other in entries]
    expected = [(reg, found) for reg, found in scored if found.score >= threshold]
    assert similar_entries(key, entries, threshold, match_domains=match_domains) == expected


def test_word_order_and_generic_words_score_as_before():
    """Cores are compared in sorted word order, and a full name differing only in generic words
    is still capped (a person decides)."""
    key = AccountKey.of("Vandelay Hooli Systems", "")
    entries = [
        (existing("r-1", "p", "Hooli Vandelay", ""), AccountKey.of("Hooli Vandelay", "")),
        (existing("r-2", "p", "Hooli Vandelay Global", ""), AccountKey.of("Hooli Vandelay Global", "")),
        (existing("r-3", "p", "Hooli Vandelay Systems", ""), AccountKey.of("Hooli Vandelay Systems", "")),
    ]
    found = {reg.registration_id: match.score for reg, match in similar_entries(key, entries, 0.8)}
    assert found == {"r-1": 0.85, "r-2": 0.85, "r-3": 1.0}
    assert all(similarity(key, other).score == found[reg.registration_id] for reg, other in entries)


def test_a_long_candidate_list_scores_as_each_entry_and_twice_alike():
    """Lists past the remembered length are scored in batch every time, short ones remembered:
    both give what ``similarity`` gives entry by entry, asked once or again."""
    names = [f"Vandelay {suffix}" for suffix in ("Industries", "Imports", "Exports", "Latex", "Art")] * 8
    key = AccountKey.of("Vandelay Industries", "")
    for count in (3, len(names)):
        entries = [
            (existing(f"r-{i}", "p", n, ""), AccountKey.of(n, "")) for i, n in enumerate(names[:count])
        ]
        expected = [
            (reg, similarity(key, other)) for reg, other in entries if similarity(key, other).score >= 0.8
        ]
        assert similar_entries(key, entries, 0.8) == expected == similar_entries(key, entries, 0.8)
        assert similar_entries(key, entries, 0.9) == [(r, s) for r, s in expected if s.score >= 0.9]
