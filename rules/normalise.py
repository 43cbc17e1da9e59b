"""Company-name and web-domain normalisation, so "ACME Corp." and "acme, inc" are one account.

Names: accents folded, case folded, ``&`` spelt out, punctuation dropped, legal suffixes
(Inc, Corp, LLC, GmbH, S.A. ...) and a leading "the" removed. Domains: scheme, credentials,
port, path, ``www.`` and other subdomains dropped, each label in its IDNA ASCII form
(``bücher.de`` -> ``xn--bcher-kva.de``; accents are never folded, ``bucher.de`` is another
domain), keeping the registrable domain by the public suffix list that ships with
``publicsuffixlist``, private suffixes included (``shop.acme.co.uk`` -> ``acme.co.uk``,
``foo.github.io`` stays ``foo.github.io``). A name written as a domain ("acme.com") is the name
of the domain's registrable label ("acme"), so its top-level domain never counts as a word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna
from publicsuffixlist import PublicSuffixList

_LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp",
        "ltd", "limited", "plc", "gmbh", "ag", "kg", "sa", "sas", "sarl", "srl", "spa", "bv",
        "nv", "ab", "as", "oy", "pty", "pte", "kk", "sl", "se", "lda", "ulc", "pc", "holdings",
        "group",
    }
)  # fmt: skip
# Dotted forms collapse first ("S.A." -> "sa", "s.a.r.l." -> "sarl") so the table above matches.
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}(?=\s|$|,)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Generic top-level domains a company name written as a domain ends with; any two-letter label
# (a country code) counts too. "Acme.S.A." ends in a one-letter label, so it is not a domain.
# Not the whole list of top-level domains: "Mr.Green" or "Foo.Bar" is more likely a name.
_TOP_LEVEL = frozenset(
    {
        "com", "net", "org", "io", "ai", "app", "dev", "biz", "info", "tech", "cloud", "online",
        "site", "store", "shop", "xyz", "global", "group", "company", "solutions", "systems",
    }
)  # fmt: skip
_LABEL = re.compile(r"[a-z0-9-]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_END = re.compile(r"[/?#\\]")
# The full stops IDNA reads as label separators (ASCII, ideographic, full-width, half-width).
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
# The package's own copy of the list, read once; nothing is fetched. Unknown top-level domains
# count as public suffixes, so "acme.internal" is still a registrable domain.
_SUFFIXES = PublicSuffixList()


def fold(text: str) -> str:
    """Lower-case ASCII with accents removed (``Société`` -> ``societe``)."""
    if text.isascii():
        return text.lower()  # NFKD leaves ASCII as it is; casefold of ASCII is lower
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(name: str) -> list[str]:
    """The meaningful words of a company name, in order, legal suffixes removed."""
    return list(_name_tokens(name))


@lru_cache(maxsize=65536)
def _name_tokens(name: str) -> tuple[str, ...]:
    # Cached: the sandbox and the live engine see the same few thousand names again and again.
    text = _domain_label(fold(name)).replace("&", " and ")
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    tokens = [t for t in _NON_WORD.split(text) if t]
    # "Müller GmbH & Co. KG": strip suffixes and the "and" left between them.
    while len(tokens) > 1 and (tokens[-1] in _LEGAL_SUFFIXES or tokens[-1] == "and"):
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tuple(tokens)


def _domain_label(text: str) -> str:
    """``www.acme-widgets.co.uk`` -> ``acme-widgets``, ``foo.github.io`` -> ``foo``: a name
    written as a domain (a dot, no space, a top-level domain at the end) loses everything but
    the first label of its registrable domain, as ``normalise_domain`` finds it."""
    if "." not in text:
        return text
    stripped = text.strip()
    if len(stripped.split(None, 1)) > 1:  # a space inside: words, not a domain
        return text
    labels = stripped.strip(".").split(".")
    last = labels[-1]
    if len(labels) < 2 or not all(map(_LABEL.fullmatch, labels)):
        return text
    if last not in _TOP_LEVEL and not (len(last) == 2 and last.isalpha()):
        return text
    domain = normalise_domain(text)
    return domain.split(".", 1)[0] if domain else text


def normalise_company_name(name: str) -> str:
    """Canonical form of a company name for matching: ``"ACME Corp."`` -> ``"acme"``."""
    return " ".join(name_tokens(name))


@lru_cache(maxsize=65536)
def normalise_domain(domain_or_url: str) -> str:
    """Registrable domain of a domain or URL: ``https://www.Shop.Acme.com/x`` -> ``acme.com``.

    Labels are compared in their IDNA ASCII form, so a domain written in Unicode or in punycode
    is one domain. Returns ``""`` when nothing domain-like is left, or only a public suffix
    (``co.uk``, ``github.io``), so an empty domain never matches another.
    Cached: a pure function of a string the engine sees many times.
    """
    if not domain_or_url:
        return ""
    text = _SCHEME.sub("", domain_or_url.strip())
    host = _HOST_END.split(text, 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    labels = [_ascii_label(label) for label in _DOTS.split(host) if label]
    # All-digit last label: an IP address, not a domain.
    if len(labels) < 2 or not all(labels) or labels[-1].isdigit():
        return ""
    return _SUFFIXES.privatesuffix(".".join(labels)) or ""


def _ascii_label(label: str) -> str:
    """One label in lower-case IDNA ASCII form (``Bücher`` -> ``xn--bcher-kva``), ``""`` if it
    cannot be one. ASCII labels, punycode included, are only lower-cased."""
    if not label.isascii():
        try:
            label = idna.encode(label, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return ""
    label = label.lower()
    return label if _LABEL.fullmatch(label) else ""


def claim_key(name: str, domain: str | None) -> str:
    """The key a "first to register" claim is held under: the web domain when there is one (the
    most stable identifier of a company), otherwise the normalised name (``"domain:acme.com"``,
    ``"name:acme"``). The store keys its claims by it; the exit's transfer finds candidates by it."""
    domain_key = normalise_domain(domain) if domain else ""
    if domain_key:
        return f"domain:{domain_key}"
    return f"name:{normalise_company_name(name) or name.strip().casefold()}"
