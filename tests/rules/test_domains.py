"""Registrable domains by the public suffix list, international domains in their IDNA form."""

import pytest

from rules import normalise_company_name, normalise_domain
from rules.matching import AccountKey, similarity

BUECHER = "xn--bcher-kva.de"  # bücher.de in punycode


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        # subdomains and www.
        ("acme.com", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("eu.shop.acme.com", "acme.com"),
        # schemes, paths, queries, fragments, ports, credentials, trailing dots, upper case
        ("https://www.acme.com/path/x?q=1#top", "acme.com"),
        ("HTTPS://WWW.ACME.COM/", "acme.com"),
        ("ftp://acme.com", "acme.com"),
        ("acme.com:8443", "acme.com"),
        ("http://user:secret@eu.acme.com:8443/", "acme.com"),
        ("acme.com.", "acme.com"),
        ("  Acme.COM  ", "acme.com"),
        # e-mail addresses: the domain after the @
        ("jane.doe@acme.com", "acme.com"),
        ("mailto:jane@sales.acme.co.uk", "acme.co.uk"),
        # multi-label public suffixes
        ("shop.acme.co.uk", "acme.co.uk"),
        ("acme.com.au", "acme.com.au"),
        ("www.x.y.kawasaki.jp", "x.y.kawasaki.jp"),  # *.kawasaki.jp: y.kawasaki.jp is public
        ("www.city.kawasaki.jp", "city.kawasaki.jp"),  # !city.kawasaki.jp: the exception
        # private suffixes: each site its own registrable domain
        ("foo.github.io", "foo.github.io"),
        ("www.foo.github.io", "foo.github.io"),
        ("acme-staging.herokuapp.com", "acme-staging.herokuapp.com"),
        ("news.acme.blogspot.com", "acme.blogspot.com"),
        # a bare public suffix has no registrable domain
        ("co.uk", ""),
        ("github.io", ""),
        ("https://herokuapp.com/", ""),
        ("com", ""),
        # international domains: Unicode becomes punycode; punycode stays; no accent folding
        ("bücher.de", BUECHER),
        ("BÜCHER.DE", BUECHER),
        ("https://www.bücher.de/x", BUECHER),
        (BUECHER, BUECHER),
        ("XN--BCHER-KVA.DE", BUECHER),
        ("bucher.de", "bucher.de"),
        ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008: not strasse.de
        ("strasse.de", "strasse.de"),
        ("例え.テスト.jp", "xn--zckzah.jp"),  # テスト is xn--zckzah
        ("acme。com", "acme.com"),  # an ideographic full stop separates labels too
        # an unknown top-level domain is taken as a public suffix
        ("acme.internal", "acme.internal"),
        # garbage
        ("", ""),
        ("   ", ""),
        ("localhost", ""),
        ("not a domain", ""),
        ("acme", ""),
        ("192.168.0.1", ""),
        ("http://[::1]:8080/", ""),
        ("a_b.com", ""),
        ("😀.com", ""),
        ("-", ""),
        ("...", ""),
    ],
)
def test_normalise_domain(domain, expected):
    assert normalise_domain(domain) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acme.com", "acme"),
        ("acme.co.uk", "acme"),
        ("www.acme-widgets.co.uk", "acme widgets"),
        ("foo.github.io", "foo"),
        ("github.io", "github io"),  # a bare suffix is not a domain of its own: words
        ("Acme.S.A.", "acme"),  # a dotted legal suffix, not a domain
        ("Mr.Green", "mr green"),  # .green is a top-level domain, but this reads as a name
        ("Bücher.de", "bucher"),  # names still fold accents
    ],
)
def test_a_name_written_as_a_domain_is_its_registrable_label(name, expected):
    assert normalise_company_name(name) == expected


def test_sites_on_one_private_suffix_are_different_accounts():
    foo, bar = AccountKey.of("Foo Widgets", "foo.github.io"), AccountKey.of("Bar Tools", "bar.github.io")
    assert foo.domain != bar.domain
    assert similarity(foo, bar).basis == "name" and similarity(foo, bar).score < 0.5
    one = AccountKey.of("Quorvex", "https://quorvex.herokuapp.com")
    other = AccountKey.of("Zyntrax", "zyntrax.herokuapp.com")
    assert similarity(one, other).basis == "name"


def test_unicode_and_punycode_forms_of_one_domain_are_one_account():
    match = similarity(AccountKey.of("Bücherwurm", "bücher.de"), AccountKey.of("Other", BUECHER))
    assert (match.score, match.basis) == (1.0, "domain")


def test_domains_that_fold_to_one_ascii_form_are_different_accounts():
    match = similarity(AccountKey.of("Bücherwurm", "bücher.de"), AccountKey.of("Other", "bucher.de"))
    assert match.basis == "name"


def test_a_bare_suffix_never_matches_by_domain():
    match = similarity(AccountKey.of("Foo", "github.io"), AccountKey.of("Bar", "https://github.io/"))
    assert match.basis == "name"
