"""Disputes: a partner contests the conflict decision that refused its registration.

Every rule is the rulebook core's, and the case runs as the live dispute workflow runs it. At
the refusal, a share of partners (``disputes.share``) contest it, when
``rules.dispute.contest_refusal`` (the API's own check: a conflict decision, within
``appeal_closes_at``) lets them, against the side ``respondent_of`` names and the holder the
first holder-citing reason names. Both parties give a statement; the first level of
``rules.escalation.dispute_path`` hears the case once both are in or at ``party_deadline``,
whichever is first. The path is walked like every other, by ``Approvers.walk`` with
``rules.approval``: a level's task is an approver task of its role (queue, calendar, handling
time), and an answer within the response time decides the case with one of
``resolutions(contest)``, unless the level lets the time pass (``decide_rate``); a passed
response time sends the case up, and past the last level ``default_resolution`` stands.
``effects`` says what the outcome moves:

- a released holder reads as withdrawn to later registrations (as the store reads a released
  registration) and its deal ends unsold; returned to direct, its account and product line are
  then a direct-sales engagement for later registrations;
- an approved claimant (awarded, or co-sold beside the holder) is protected from the resolution
  and its deal runs as any approved registration's (``DealDesk.protect``);
- won over direct sales, the engagements on the claimant's account and product line end.

An award that can no longer be made (the holder is won, or still before its approvers) moves
nothing and the level hears the case again; a default that cannot be made leaves the decision
upheld.

Not modelled: direct sales contesting a partner's registration (the sandbox has no direct-sales
actor); an award refused because a third registration took the account meanwhile; the co-sell
split (``escalation.co_sell_split``), which moves no figure because the ledger books each deal's
revenue to the program, not to partners, so a co-sold account's two registrations book their
own deals; withdrawn disputes. The claimant's registration decision stays the refusal in the
ledger; the award is the dispute's.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING, Any

from rules import DirectEngagement, PathEnd, RegistrationDecision, RegistrationRequest, RegistrationStanding
from rules.dispute import (
    Contest,
    Resolution,
    Side,
    contest_refusal,
    default_resolution,
    effects,
    holder_registration,
    holder_releasable,
    party_deadline,
    resolutions,
    respondent_of,
)
from rules.escalation import dispute_path
from rules.matching import AccountKey, similarity
from rules.reasons import ReasonCode, judgement_code
from simulation.approvers import slot_sequence
from simulation.channel import DISPUTE_SLOTS, lead_row
from simulation.ledger import DecidedBy, Dispute, Fate, Final

if TYPE_CHECKING:
    from simulation.approvers import ProcessGen, Task
    from simulation.model import ProgramModel
    from simulation.scenario_processes import Disputes

_FUZZY = ReasonCode.FUZZY_MATCH.value
_GOLDEN = (5**0.5 - 1) / 2

Choices = tuple[tuple[Resolution, ...], tuple[float, ...]]  # resolutions, cumulative chances


def hearing_uniform(resolution_u: float, hearings: int) -> float:
    """The uniform a case's hearing picks its resolution with: the lead's, turned by the golden
    ratio per hearing before it (a level hearing the case again picks afresh)."""
    return (resolution_u + hearings * _GOLDEN) % 1.0


class ResolutionPicker:
    """The resolution a deciding level picks: its weights over what the contest can take."""

    def __init__(self, scenario: Disputes) -> None:
        self.scenario = scenario
        self._choices: dict[tuple[int, Contest], Choices] = {}

    def chosen(self, level: int, contest: Contest, u: float) -> Resolution:
        key = (min(level, len(self.scenario.levels) - 1), contest)
        if key not in self._choices:
            weights = self.scenario.level(level).resolutions
            options = tuple(r for r in resolutions(contest) if weights.weight(r) > 0)
            total = sum(weights.weight(r) for r in options)
            running, acc = [], 0.0
            for r in options:
                acc += weights.weight(r) / total
                running.append(acc)
            self._choices[key] = options, tuple(running)
        options, cumulative = self._choices[key]
        for resolution, upto in zip(options, cumulative, strict=True):
            if u < upto:
                return resolution
        return options[-1]  # u within rounding of 1


class DisputeDesk:
    """Runs every dispute of one :class:`~simulation.model.ProgramModel`."""

    def __init__(self, model: ProgramModel) -> None:
        self.model = model
        self.scenario = model.scenario.disputes
        self.share = self.scenario.share
        self.path = dispute_path(model.rulebook)
        self.picker = ResolutionPicker(self.scenario)

    @staticmethod
    def _standing(ledger: Any, row: int) -> RegistrationStanding:
        """Where lead ``row``'s registration stands now, as the rules read it."""
        fate = ledger.fate[row]
        if fate == Fate.NOT_PROTECTED and ledger.final[row] == Final.PENDING:
            return RegistrationStanding.PENDING
        return _STANDING_OF_FATE.get(fate, RegistrationStanding.REJECTED)

    def refused(
        self, row: int, request: RegistrationRequest, decision: RegistrationDecision, by: DecidedBy
    ) -> None:
        """Lead ``row``'s registration was refused now; its partner may dispute the refusal."""
        m = self.model
        if m.channel.dispute_u[row] >= self.share:
            return  # most refusals: settled before anything is built
        codes = decision.codes
        if by == DecidedBy.PERSON and _FUZZY in codes:
            # A person's refusal of a possible duplicate is a judgement, recorded as a reason of
            # its own by the live registration too.
            codes = (*codes, judgement_code(same_account=True))
        now = m.at(m.env.now)
        if contest_refusal(m.rulebook, reason_codes=codes, decided_at=now, now=now) is not None:
            return
        contest = Contest(Side.PARTNER, respondent_of(codes))
        holder = _holder(decision) if contest.respondent is Side.PARTNER else None
        if contest.respondent is Side.PARTNER and holder is None:
            return  # no holder on record: the live client refuses to open it
        m.env.process(self._case(row, request, holder, contest))

    def _case(
        self, row: int, request: RegistrationRequest, holder: int | None, contest: Contest
    ) -> ProcessGen:
        m = self.model
        env, ch, ledger = m.env, m.channel, m.ledger
        opened = env.now
        ledger.dispute[row] = Dispute.OPEN
        ledger.dispute_opened_at[row] = opened
        due = m.seconds(party_deadline(m.rulebook, m.at(opened))) - opened
        yield env.timeout(min(self._statements_in(row), due))
        step, hearings = 0, 0
        while True:
            # A level hearing the case again (its award could not be made) has the same dice as
            # its first hearing, save the resolution it picks.
            slots = slot_sequence(step, DISPUTE_SLOTS - 1)
            z, u_levels = self._hearing_dice(row)
            ended = yield from m.approvers.walk(
                self.path,
                z,
                u_levels,
                slots,
                task=self._hearing(step),
                first_step=step,
            )
            by_default = ended.end is PathEnd.LAPSED
            if by_default:
                resolution = default_resolution(m.rulebook, contest)
            else:
                assert ended.end is PathEnd.APPROVED  # a hearing never rejects
                u = hearing_uniform(ch.resolution_u[row], hearings)
                resolution = self.picker.chosen(ended.step, contest, u)
            made = self._made(resolution, row, request, holder, contest)
            if not made and by_default:
                # A default cannot be sent back to anyone: the original decision stands.
                resolution, made = Resolution.UPHOLD, True
            if made:
                break
            step, hearings = ended.step, hearings + 1
        ledger.dispute[row] = Dispute[resolution.name]
        ledger.dispute_resolved_at[row] = env.now
        ledger.dispute_by_default[row] = by_default

    def _statements_in(self, row: int) -> float:
        """Seconds from the opening until both parties' statements are in (the fidelity replay
        feeds the live moment here)."""
        return self.scenario.statement_mean * float(self.model.channel.statement_e[row].max())

    def _hearing_dice(self, row: int) -> tuple[Any, Any]:
        """The levels' handling-time normals and decide uniforms of lead ``row`` (the fidelity
        replay tags them with the lead)."""
        ch = self.model.channel
        return ch.hearing_z[row], ch.hearing_u[row]

    def _hearing(self, first_level: int) -> Task:
        """Each level's task in turn from ``first_level``: its people let the response time
        pass, or work the case as any approver task (queue, calendar, handling time), deciding
        it if done in time."""
        m = self.model
        env, approvers, levels = m.env, m.approvers, self.scenario
        level = count(first_level)

        def hearing(role: str, sla: float, z: float, u: float) -> ProcessGen:
            if not levels.decides(next(level), u):
                yield env.timeout(sla)
                return None
            answer = yield from approvers.task(role, sla, z, u)
            return None if answer is None else True  # an answer in time decides: a case has no "reject"

        return hearing

    def _made(
        self,
        resolution: Resolution,
        row: int,
        request: RegistrationRequest,
        holder: int | None,
        contest: Contest,
    ) -> bool:
        """Move the registrations as ``resolution`` says, as the live registrations take a
        dispute's outcome; False, with nothing moved, when an award can no longer be made: the
        holder still holds the account but cannot be released (won, or still before its
        approvers). A holder that ended meanwhile (lost, expired, released) has nothing to end."""
        m = self.model
        ledger = m.ledger
        fx = effects(resolution, contest)
        if fx.release_holder and holder is not None:
            if not holder_releasable(self._standing(ledger, holder)):
                return False
            if ledger.fate[holder] == Fate.OPEN:
                ledger.fate[holder] = Fate.RELEASED
                released = m.channel.requests[holder]
                m.hold(released, RegistrationStanding.WITHDRAWN)  # as the store reads "released"
                if fx.record_direct:
                    # The released claim passes to direct sales: its account and product line.
                    since = m.at(m.env.now)
                    m.engage_direct(
                        DirectEngagement(
                            released.account_name, released.account_domain, released.product_line, since
                        )
                    )
        if fx.approve_claimant:
            m.deals.protect(row, request)
        if fx.end_direct:
            for engagement in self._engaged_on(row, request):
                m.end_direct(engagement)
        return True

    def _engaged_on(self, row: int, request: RegistrationRequest) -> list[DirectEngagement]:
        """Direct sales' engagements on the claimant's account and product line now, the account
        judged as the conflict rule judges it (the rules core's similarity at the match
        threshold), as the live store ends them."""
        m = self.model
        conflict = m.rulebook.registration.conflict
        key = AccountKey.of(request.account_name, request.account_domain)
        now = m.at(m.env.now)
        return [
            e
            for e in m.direct_engagements(row)
            if e.product_line in (None, request.product_line)
            and e.since <= now
            and similarity(
                key, AccountKey.of(e.account_name, e.account_domain), match_domains=conflict.match_domains
            ).score
            >= conflict.name_match_threshold
        ]


# How the ledger's record of a registration reads as the rules' standing (for ``holder_releasable``).
_STANDING_OF_FATE = {
    Fate.WON: RegistrationStanding.CLOSED_WON,
    Fate.LOST: RegistrationStanding.CLOSED_LOST,
    Fate.EXPIRED: RegistrationStanding.EXPIRED,
    Fate.RELEASED: RegistrationStanding.WITHDRAWN,
    Fate.RETURNED: RegistrationStanding.WITHDRAWN,  # a partner exit returned it to direct sales
    Fate.OPEN: RegistrationStanding.APPROVED,
}


def _holder(decision: RegistrationDecision) -> int | None:
    """The lead whose registration the refusal stood on, as the live client names it."""
    found = holder_registration(decision.reasons)
    return lead_row(found) if found is not None else None
