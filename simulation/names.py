"""Company names for synthetic accounts, and the ways partners write them.

Stems mix Faker's US surnames ("Hooper-Richards"), invented brand words built from syllables
("Brenvia", "Kortalix"), and industry words ("Logistics"), so the market has the variety of a
real one: many names share a common word or ending, few share a distinctive one. Partners then
write an account with a legal suffix, in capitals, in lower case, or as its web domain.
"""

from __future__ import annotations

import numpy as np
from faker.providers.person.en_US import Provider as PersonProvider

SURNAMES: tuple[str, ...] = tuple(PersonProvider.last_names)
INDUSTRY: tuple[str, ...] = (
    "Systems", "Health", "Capital", "Labs", "Logistics", "Foods", "Energy", "Networks",
    "Analytics", "Bank", "Medical", "Software", "Retail", "Insurance", "Pharma", "Motors",
    "Media", "Foundry", "Outfitters", "Clinics", "Credit", "Freight", "Robotics", "Biotech",
    "Solutions", "Services", "Technologies", "Partners", "Consulting", "Group", "Digital",
    "Data", "Manufacturing", "Industries", "Supply", "Brands", "Holdings", "Ventures",
)  # fmt: skip
_ONSETS = ("b", "br", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
           "v", "z", "tr", "st", "pr", "cr", "gr", "fl")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o")
_CODAS = ("", "n", "r", "x", "l", "s", "m", "nt", "rix", "lan", "tor", "vex", "na", "ra")
LEGAL = ("Inc.", "Inc", "Incorporated", "Corp.", "Corporation", "LLC", "Ltd", "Co.", "")
# Shares of the stem forms: surname+industry, surname-surname, brand+industry, brand alone,
# two surnames+industry.
_FORMS = (0.2, 0.15, 0.3, 0.2, 0.15)


def _brands(rng: np.random.Generator, n: int) -> list[str]:
    """Invented brand words, mostly of two syllables ("Vatorix", "Sobenia", "Kolanex")."""
    syllables = 2 + (rng.random(n) < 0.15)
    onsets = rng.integers(0, len(_ONSETS), (n, 3))
    vowels = rng.integers(0, len(_VOWELS), (n, 3))
    codas = rng.integers(0, len(_CODAS), n)
    # Syllables drawn as text columns: one string concatenation per brand, not per syllable.
    first, second, third = (
        [_ONSETS[o] + _VOWELS[v] for o, v in zip(onsets[:, k].tolist(), vowels[:, k].tolist(), strict=True)]
        for k in range(3)
    )
    three = (syllables == 3).tolist()
    return [
        (a + b + (c if long else "") + _CODAS[coda]).capitalize()
        for a, b, c, long, coda in zip(first, second, third, three, codas.tolist(), strict=True)
    ]


def account_stems(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct company names (without legal suffix), deterministic for ``rng``."""
    form = rng.choice(len(_FORMS), size=n, p=np.array(_FORMS))
    first = rng.integers(0, len(SURNAMES), n)
    second = rng.integers(0, len(SURNAMES), n)
    noun = rng.integers(0, len(INDUSTRY), n)
    brands = _brands(rng, n)
    spare = iter(_brands(rng, n))
    seen: set[str] = set()
    out = []
    for i in range(n):
        a, b, word, brand = SURNAMES[first[i]], SURNAMES[second[i]], INDUSTRY[noun[i]], brands[i]
        stem = (f"{a} {word}", f"{a}-{b}", f"{brand} {word}", brand, f"{a} {b} {word}")[form[i]]
        while stem in seen:  # taken: a fresh brand name with the same industry word
            stem = f"{next(spare)} {word}"
        seen.add(stem)
        out.append(stem)
    return out


def written(stem: str, domain: str, choice: int, legal: int) -> tuple[str, str]:
    """One way a partner writes an account's name and domain: choice 0 is the plain form, then
    upper case, lower case, "Name, Inc." and the bare domain ("ACME Corp." / "acme.com")."""
    suffix = LEGAL[legal]
    name = f"{stem} {suffix}".strip()
    name = (name, name.upper(), name.lower(), f"{stem}, {suffix}".rstrip(", "), domain)[choice]
    host = (domain, f"www.{domain}", f"sales.{domain}", domain.upper(), domain)[choice]
    return name, host
