"""Common random numbers: one independent generator per random input, all from one seed.

Replication ``r`` of a run seeded ``s`` draws from ``SeedSequence(s, spawn_key=(r,))``, which is
split into one child per named input below. Baseline and proposed rulebooks are simulated on the
same replication, so they see the same partners, leads, handling times and approver choices;
adding a new input at the end of :data:`STREAMS` leaves the earlier streams unchanged.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = (
    "partners",  # tiers, territories, verticals, certifications, activity
    "accounts",  # territories, verticals, direct engagement
    "arrivals",  # when leads are found
    "lead_choice",  # who finds them, which account and product line, name variants
    "deals",  # value, win, cycle time, extension requests
    "discounts",  # exception requests and depth
    "handling",  # approver handling times, per lead and approval level
    "approver_choice",  # whether an approver approves, per lead and level
    "faker",  # seed for Faker names and domains
    "disputes",  # whether a contestable decision is disputed, statements, hearings, resolutions
    "exits",  # when partners leave and how, and the approver of a for-cause exit
)


def replication_streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """The named generators of one replication; the same arguments give the same numbers."""
    root = np.random.SeedSequence(seed, spawn_key=(replication,))
    return {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(STREAMS, root.spawn(len(STREAMS)), strict=True)
    }
