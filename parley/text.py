"""Checks on text people name things with, shared by every layer that accepts such names.

Bidirectional control characters (the embeddings, overrides and isolates, and the invisible
direction marks) make a name display differently from what it holds: a right-to-left override
(U+202E) inside a name reverses what follows it on screen, so one partner's or customer's name
can be made to look like another's. One-line names (partners, accounts, people, webhooks) refuse them.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset(
    "\u061c"  # arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates and pop
)


def bidi_problem(value: str) -> str | None:
    """Why ``value`` may not be a one-line name (the bidi controls it holds), or None."""
    found = sorted({char for char in value if char in BIDI_CONTROLS})
    if not found:
        return None
    codes = ", ".join(f"U+{ord(char):04X}" for char in found)
    return f"must not contain bidirectional control characters ({codes})"


def plain_name(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` saying which bidi controls it holds (for pydantic
    validators, which name the field)."""
    problem = bidi_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value
