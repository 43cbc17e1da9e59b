"""Tables a decision function reads from a rulebook, built once per rulebook object.

A rulebook is immutable, and every decision asks it the same questions: is this territory in the
program, what rank has this tier, who is on the approval route. ``prepared(rulebook, build)``
computes ``build(rulebook)`` on first use and keeps it on that rulebook object, so later
decisions under the same rulebook look the answers up instead of working them out again.

Nothing is shared between rulebooks (there is no module-level cache), and a copy of a rulebook
(``model_copy`` copies the object's attributes, this memo among them) builds its own: the memo
names, by a weak reference, the one object it was built for. Builders are pure functions of the
rulebook, so a workflow replaying its history reads the same tables.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from rules.schema import Rulebook

T = TypeVar("T")

# A key in the rulebook object's ``__dict__``, beside its fields: pydantic serialises, compares
# and validates fields only, as it does for a ``functools.cached_property``.
_MEMO = "_prepared"


class _Memo:
    __slots__ = ("built", "owner")

    def __init__(self, owner: Rulebook | None = None) -> None:
        self.owner: Callable[[], Rulebook | None] = _nobody if owner is None else weakref.ref(owner)
        self.built: dict[Callable[[Rulebook], Any], Any] = {}

    def __reduce__(self) -> tuple[type[_Memo], tuple[()]]:
        # A pickled rulebook is a copy: it arrives with an empty memo and builds its own tables.
        return (_Memo, ())


def _nobody() -> None:
    return None


def prepared(rulebook: Rulebook, build: Callable[[Rulebook], T]) -> T:
    """``build(rulebook)``, computed once per rulebook object (see the module docstring)."""
    memo: _Memo | None = rulebook.__dict__.get(_MEMO)
    if memo is None or memo.owner() is not rulebook:
        memo = rulebook.__dict__[_MEMO] = _Memo(rulebook)
    try:
        found: T = memo.built[build]
    except KeyError:
        found = memo.built[build] = build(rulebook)
    return found


def forget(rulebook: Rulebook) -> None:
    """Drop what was prepared for ``rulebook``: its next decision builds the tables again (the
    cold path, which ``bench/bench_decision.py`` measures beside the prepared one)."""
    rulebook.__dict__.pop(_MEMO, None)
