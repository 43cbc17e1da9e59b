"""How the store derives an account's normalised fields and its claim key.

Normalisation itself belongs to the rulebook core (``rules.normalise``) so that the duplicate
matcher and the store agree on what "the same account" means; this module only applies it.
"""

from __future__ import annotations

from rules.normalise import claim_key, normalise_company_name, normalise_domain


def normalised_name(name: str) -> str:
    """``"ACME Corp."`` -> ``"acme"`` (falls back to the trimmed, lower-cased name if empty)."""
    return normalise_company_name(name) or name.strip().casefold()


def normalised_domain(domain: str | None) -> str | None:
    """``"https://www.acme.com/x"`` -> ``"acme.com"``; ``None`` when no domain is given or left."""
    if not domain:
        return None
    return normalise_domain(domain) or None


def account_key(name: str, domain: str | None) -> str:
    """The key a "first to register" claim is held under (``rules.normalise.claim_key``)."""
    return claim_key(name, domain)
