"""The synthetic channel of one replication: partners, accounts and every lead, drawn up front.

Everything random about a lead (who finds it, when, which account and under which spelling, its
value, whether it is won, how long each approver takes over it) is drawn here, from the named
streams, before the model runs. Both rulebooks then replay the very same leads, so a difference
between them comes from the rules and not from the dice (common random numbers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
from faker import Faker

from rules import RegistrationRequest
from simulation.exits import ExitDraws, draw_exits
from simulation.names import LEGAL, account_stems, written
from simulation.scenario import Scenario
from simulation.scenario_fields import Range
from simulation.streams import replication_streams

YEAR = 365.0 * 86_400.0
# Each lead carries its own pre-drawn handling times and approver choices: slots
# [0, REGISTRATION_SLOTS) for the registration route's levels, the rest for discount approvals.
REGISTRATION_SLOTS = 4
DISCOUNT_SLOT = REGISTRATION_SLOTS
MAX_LEVELS = 12
# The pass that follows a discount's revision draws from slots of its own, so both rulebooks
# give it the same dice however many tasks the first pass took.
REVISION_SLOTS = 6
# A dispute's levels draw from slots of their own (deeper levels reuse the last), so a rulebook
# with a longer escalation path gives its first levels the same dice.
DISPUTE_SLOTS = 4


@dataclass(frozen=True)
class Partner:
    key: str
    name: str
    tier: str
    territories: tuple[str, ...]
    verticals: tuple[str, ...]
    certifications: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Account:
    stem: str
    domain: str
    territory: str
    vertical: str
    direct_from: float  # simulated second direct sales engages; +inf if never


@dataclass
class Channel:
    """Partners, accounts and leads (column lists, indexed by lead number, in arrival order)."""

    partners: list[Partner]
    accounts: list[Account]
    arrival: list[float]
    partner: list[int]
    account: list[int]
    company_name: list[str]
    domain: list[str]
    product_line: list[str]
    value: list[float]
    win_u: list[float]
    cycle: list[float]
    extension_u: list[float]
    discount: list[float]  # depth asked beyond standard; 0.0 when none
    justify_u: list[float]
    revise_u: list[float]  # below the revision rate: the partner revises the exception once
    revise_after: list[float]  # seconds from the request to the revision
    revised_discount: list[float]  # the depth the revision asks for
    renew_u: list[float]  # below the renewal rate: the partner renews a lapsed quote
    handling_z: np.ndarray  # (leads, MAX_LEVELS) standard normals
    approve_u: np.ndarray  # (leads, MAX_LEVELS) uniforms
    revision_z: np.ndarray  # (leads, REVISION_SLOTS): the pass after a discount's revision
    revision_u: np.ndarray
    dispute_u: list[float]  # below the dispute share: a contestable refusal is disputed
    statement_e: np.ndarray  # (leads, 2) unit exponentials: claimant's and respondent's statements
    hearing_z: np.ndarray  # (leads, DISPUTE_SLOTS) standard normals: each level's handling time
    hearing_u: np.ndarray  # (leads, DISPUTE_SLOTS) uniforms: below the decide rate, the level decides
    resolution_u: list[float]  # which resolution the deciding level picks
    start: datetime  # the scenario's start: simulated second 0
    exits: ExitDraws  # per partner: when it leaves, how, and its exit approver's dice

    @property
    def leads(self) -> int:
        return len(self.arrival)

    @cached_property
    def requests(self) -> list[RegistrationRequest]:
        """Every lead as the registration its partner submits. A request does not depend on the
        rulebook, so every run on the channel shares these (built on first use)."""
        start, partners, accounts = self.start, self.partners, self.accounts
        return [
            RegistrationRequest(
                request_key=f"L{i:07d}",
                partner_id=partners[self.partner[i]].key,
                account_name=self.company_name[i],
                account_domain=self.domain[i],
                territory=accounts[self.account[i]].territory,
                vertical=accounts[self.account[i]].vertical,
                product_line=self.product_line[i],
                deal_value=self.value[i],
                submitted_at=start + timedelta(seconds=t),
            )
            for i, t in enumerate(self.arrival)
        ]


def lead_row(request_key: str) -> int:
    """The lead (ledger row) a registration key of :attr:`Channel.requests` names."""
    return int(request_key[1:])


def _pick(rng: np.random.Generator, weights: dict[str, float], size: int) -> list[str]:
    names = list(weights)
    p = np.array([weights[n] for n in names], dtype=float)
    return [names[i] for i in rng.choice(len(names), size=size, p=p / p.sum())]


def _subset(rng: np.random.Generator, weights: dict[str, float], low: int, high: int) -> tuple[str, ...]:
    names = list(weights)
    k = min(len(names), int(rng.integers(low, high + 1)))
    p = np.array([weights[n] for n in names], dtype=float)
    picked = rng.choice(len(names), size=k, replace=False, p=p / p.sum())
    return tuple(sorted(names[i] for i in picked))


def _partners(scenario: Scenario, rng: np.random.Generator, fake: Faker) -> list[Partner]:
    ch = scenario.channel
    tiers = _pick(rng, ch.tiers, ch.partners)
    lines = list(ch.product_lines)
    out = []
    for i in range(ch.partners):
        certified = tuple(line for line in lines if rng.random() < ch.certification_rate)
        out.append(
            Partner(
                key=f"P{i:05d}",
                name=fake.company(),
                tier=tiers[i],
                territories=_subset(rng, ch.territories, *_range(ch.territories_per_partner)),
                verticals=_subset(rng, ch.verticals, *_range(ch.verticals_per_partner)),
                certifications=certified,
                active=bool(rng.random() >= ch.inactive_share),
            )
        )
    return out


def _range(r: Range) -> tuple[int, int]:
    return r.min, r.max


# What ``str.isalnum`` rejects: the non-word characters and the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")


def _accounts(scenario: Scenario, rng: np.random.Generator) -> list[Account]:
    ch = scenario.channel
    n = ch.accounts
    territories, verticals = _pick(rng, ch.territories, n), _pick(rng, ch.verticals, n)
    stems = account_stems(rng, n)
    direct = rng.random(n) < ch.direct_engaged_share
    direct_at = rng.uniform(-0.5, 1.0, n) * scenario.horizon
    out = []
    for i, stem in enumerate(stems):
        slug = _NOT_ALNUM.sub("", stem.lower())
        tld = ".ca" if territories[i] == "canada" else (".com", ".com", ".io", ".net")[i % 4]
        out.append(
            Account(
                stem=stem,
                domain=slug + tld,
                territory=territories[i],
                vertical=verticals[i],
                direct_from=float(direct_at[i]) if direct[i] else math.inf,
            )
        )
    return out


def _rate_shape(scenario: Scenario, times: np.ndarray) -> np.ndarray:
    """Relative lead intensity at each simulated second: seasonality times quarter-end spikes."""
    days = times / 86_400.0
    start = scenario.start
    season = 1.0 + scenario.leads.seasonality.amplitude * np.cos(
        2 * np.pi * (days + start.timetuple().tm_yday - scenario.leads.seasonality.peak_day) / 365.0
    )
    qe = scenario.leads.quarter_end
    ends = []
    year = start.year
    while True:
        for month in (4, 7, 10, 13):
            end = datetime(year + month // 13, (month - 1) % 12 + 1, 1, tzinfo=start.tzinfo)
            ends.append((end - start).total_seconds())
        if ends[-1] > float(times.max(initial=0.0)):
            break
        year += 1
    ends_arr = np.array(ends)
    next_end = ends_arr[np.minimum(np.searchsorted(ends_arr, times, side="right"), len(ends) - 1)]
    spike = np.where(next_end - times <= qe.last_days * 86_400.0, qe.multiplier, 1.0)
    return np.asarray(season * spike)


def _arrivals(scenario: Scenario, rng: np.random.Generator, total_per_year: float) -> np.ndarray:
    """Non-homogeneous Poisson arrivals by thinning a process at the peak rate."""
    peak = (1.0 + scenario.leads.seasonality.amplitude) * scenario.leads.quarter_end.multiplier
    expected = total_per_year * peak * scenario.horizon / YEAR
    times = np.sort(rng.uniform(0.0, scenario.horizon, rng.poisson(expected)))
    keep = rng.random(times.size) * peak < _rate_shape(scenario, times)
    return np.asarray(times[keep])


def generate_channel(scenario: Scenario, seed: int, replication: int) -> Channel:
    """Draw replication ``replication`` of ``scenario`` from ``seed`` (deterministic)."""
    rng = replication_streams(seed, replication)
    fake = Faker("en_US")
    fake.seed_instance(int(rng["faker"].integers(0, 2**31)))
    partners = _partners(scenario, rng["partners"], fake)
    accounts = _accounts(scenario, rng["accounts"])
    lp = scenario.leads.per_partner_per_year
    rates = lp.median * np.exp(lp.sigma * rng["partners"].standard_normal(len(partners)))
    arrival = _arrivals(scenario, rng["arrivals"], float(rates.sum()))
    n = arrival.size

    pick = rng["lead_choice"]
    who = pick.choice(len(partners), size=n, p=rates / rates.sum())
    same = pick.random(n) < scenario.leads.same_account_probability
    back = pick.integers(1, scenario.leads.same_account_lookback + 1, n)
    stray = pick.random(n) < scenario.leads.outside_authorisation_rate
    uncertified = pick.random(n) < scenario.leads.uncertified_product_rate
    # Upper case, lower case and "Name, Inc." are common; a bare domain as the name is rarer.
    styles = 1 + pick.choice(4, size=n, p=np.array([0.3, 0.3, 0.3, 0.1]))
    variant = np.where(pick.random(n) < scenario.leads.name_variant_probability, styles, 0)
    legal = pick.integers(0, len(LEGAL), n)
    cell_u, line_u, any_u = pick.random(n), pick.random(n), pick.integers(0, len(accounts), n)
    lines = list(scenario.channel.product_lines)
    line_any = pick.integers(0, len(lines), n)

    cells: dict[tuple[str, str], list[int]] = {}
    for i, acc in enumerate(accounts):
        cells.setdefault((acc.territory, acc.vertical), []).append(i)

    account: list[int] = []
    line: list[str] = []
    for i in range(n):
        p = partners[who[i]]
        if same[i] and i > 0:
            account.append(account[i - 1 - (int(back[i]) - 1) % i])
        elif stray[i]:
            account.append(int(any_u[i]))
        else:
            t = p.territories[int(cell_u[i] * len(p.territories))]
            v = p.verticals[int(line_u[i] * len(p.verticals))]
            cell = cells.get((t, v))
            account.append(cell[int(any_u[i]) % len(cell)] if cell else int(any_u[i]))
        own = p.certifications
        line.append(own[int(line_u[i] * len(own))] if own and not uncertified[i] else lines[line_any[i]])
    names = [
        written(accounts[a].stem, accounts[a].domain, int(c), int(g))
        for a, c, g in zip(account, variant, legal, strict=True)
    ]

    d = scenario.deals
    deal = rng["deals"]
    value = d.value.median * np.exp(d.value.sigma * deal.standard_normal(n))
    cycle = d.cycle_time.median * np.exp(d.cycle_time.sigma * deal.standard_normal(n))
    win_u, ext_u = deal.random(n), deal.random(n)
    disc = rng["discounts"]
    asks = disc.random(n) < d.discounts.exception_rate
    depth = np.minimum(
        d.discounts.depth.median * np.exp(d.discounts.depth.sigma * disc.standard_normal(n)),
        d.discounts.max_depth,
    )
    discount = np.where(asks, np.round(depth, 4), 0.0)
    # Drawn after the earlier inputs of each stream, so adding them left those draws unchanged.
    justify_u = disc.random(n)
    revise_u = disc.random(n)
    after = d.discounts.revision_after
    revise_after = after.median * np.exp(after.sigma * disc.standard_normal(n))
    factor = d.discounts.revision_factor
    moved = discount * factor.median * np.exp(factor.sigma * disc.standard_normal(n))
    revised = np.round(np.clip(moved, 0.0, d.discounts.max_depth), 4)
    renew_u = disc.random(n)
    dispute = rng["disputes"]
    dispute_u = dispute.random(n)
    statement_e = dispute.standard_exponential((n, 2))
    hearing_z = dispute.standard_normal((n, DISPUTE_SLOTS))
    hearing_u = dispute.random((n, DISPUTE_SLOTS))
    resolution_u = dispute.random(n)
    handling_z = rng["handling"].standard_normal((n, MAX_LEVELS))
    approve_u = rng["approver_choice"].random((n, MAX_LEVELS))
    return Channel(
        partners=partners,
        accounts=accounts,
        arrival=arrival.tolist(),
        partner=who.tolist(),
        account=account,
        company_name=[nm for nm, _ in names],
        domain=[dm for _, dm in names],
        product_line=line,
        value=np.round(value, 2).tolist(),
        win_u=win_u.tolist(),
        cycle=cycle.tolist(),
        extension_u=ext_u.tolist(),
        discount=discount.tolist(),
        justify_u=justify_u.tolist(),
        revise_u=revise_u.tolist(),
        revise_after=revise_after.tolist(),
        revised_discount=revised.tolist(),
        renew_u=renew_u.tolist(),
        handling_z=handling_z,
        approve_u=approve_u,
        revision_z=rng["handling"].standard_normal((n, REVISION_SLOTS)),
        revision_u=rng["approver_choice"].random((n, REVISION_SLOTS)),
        dispute_u=dispute_u.tolist(),
        statement_e=statement_e,
        hearing_z=hearing_z,
        hearing_u=hearing_u,
        resolution_u=resolution_u.tolist(),
        start=scenario.start,
        exits=draw_exits(scenario, [p.tier for p in partners], rng["exits"]),
    )
