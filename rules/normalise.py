"""Company-name and web-domain normalisation, so "ACME Corp." and "acme, inc" are one account.

Names: accents folded, case folded, ``&`` spelt out, punctuation dropped, legal suffixes
(Inc, Corp, LLC, GmbH, S.A. ...) and a leading "the" removed. Domains: scheme, credentials,
port, path, ``www.`` and other subdomains dropped, keeping the registrable part
(``shop.acme.co.uk`` -> ``acme.co.uk``).
"""

from __future__ import annotations

import re
import unicodedata

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
# Second-level labels under which the registrable domain has three labels (acme.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "ne", "or"})


def fold(text: str) -> str:
    """Lower-case ASCII with accents removed (``Société`` -> ``societe``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(name: str) -> list[str]:
    """The meaningful words of a company name, in order, legal suffixes removed."""
    text = fold(name).replace("&", " and ")
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    tokens = [t for t in _NON_WORD.split(text) if t]
    # "Müller GmbH & Co. KG": strip suffixes and the "and" left between them.
    while len(tokens) > 1 and (tokens[-1] in _LEGAL_SUFFIXES or tokens[-1] == "and"):
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tokens


def normalise_company_name(name: str) -> str:
    """Canonical form of a company name for matching: ``"ACME Corp."`` -> ``"acme"``."""
    return " ".join(name_tokens(name))


def normalise_domain(domain_or_url: str) -> str:
    """Registrable domain of a domain or URL: ``https://www.Shop.Acme.com/x`` -> ``acme.com``.

    Returns ``""`` when nothing domain-like is left (so an empty domain never matches another).
    """
    text = fold(domain_or_url.strip())
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    labels = [label for label in text.split(".") if label]
    if len(labels) < 2 or not all(re.fullmatch(r"[a-z0-9-]+", label) for label in labels):
        return ""
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])
