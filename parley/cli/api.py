"""How a CLI command reaches the JSON API: the HTTP client, as the token's user.

Every command that acts as a person goes through here, so the API decides who they are (from
``PARLEY_TOKEN`` or the config file, see ``parley.http.config``) and what they may do, exactly as
for any integrator. Operator commands (db, server, worker, user, token ...) stay local.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from parley.http import ParleyClient

T = TypeVar("T")


def call(action: Callable[[ParleyClient], T]) -> T:
    """Run ``action`` with a client for ``PARLEY_URL`` and ``PARLEY_TOKEN`` (or the config file)."""
    from parley.http import ParleyClient

    with ParleyClient() as client:
        return action(client)
