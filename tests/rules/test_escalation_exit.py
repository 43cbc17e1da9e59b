from datetime import timedelta

import pytest

from rules import (
    Channel,
    Disposition,
    ExitType,
    RegistrationStanding,
    dispute_deadlines,
    dispute_levels,
    dispute_path,
    exit_plan,
    load_rulebook,
)
from rules.enums import DefaultAction, PartnerStatus
from rules.exit import (
    FOR_CAUSE_APPROVAL,
    TransferCandidate,
    approval_path,
    exit_approval,
    registered_the_same,
    transfer_refusals,
    transferee,
)
from tests.rules.helpers import DEFAULT, FAST, T0, changed, existing, partner, request


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_dispute_path_is_the_written_one(rulebook):
    levels = dispute_levels(rulebook)
    assert [(lvl.role, lvl.response_sla_seconds, lvl.channel) for lvl in levels] == [
        ("channel_account_manager", 2 * 86400.0, Channel.EMAIL),
        ("regional_channel_director", 3 * 86400.0, Channel.MEETING),
        ("vp_channel", 5 * 86400.0, Channel.MEETING),
    ]
    assert dispute_deadlines(rulebook, T0) == (
        T0 + timedelta(days=2),
        T0 + timedelta(days=5),
        T0 + timedelta(days=10),
    )
    assert [step.sla_seconds for step in dispute_path(load_rulebook(FAST)).steps] == [2.0] * 3
    # A ladder whose lapse the dispute process resolves (its default resolution), not the path.
    path = dispute_path(rulebook)
    assert [s.roles[0] for s in path.steps] == [lvl.role for lvl in levels]
    assert path.default_action is None


def _open():
    return [
        existing("r-soon", "p", state=RegistrationStanding.APPROVED, expires=T0 + timedelta(days=150)),
        existing(
            "r-late",
            "p",
            state=RegistrationStanding.APPROVED,
            expires=T0 + timedelta(days=200),
            at=T0 - timedelta(days=1),
        ),
        existing("r-pend", "p", state=RegistrationStanding.PENDING, expires=None, at=T0 - timedelta(hours=1)),
        existing("r-won", "p", state=RegistrationStanding.CLOSED_WON),
    ]


def _dispositions(plan):
    return {
        d.registration_id: (d.disposition, d.effective_at, [r.code for r in d.reasons])
        for d in plan.dispositions
    }


def test_voluntary_exit_honours_what_expires_soon_enough(rulebook):
    plan = exit_plan(rulebook, ExitType.VOLUNTARY, _open(), T0)
    notice_end = T0 + timedelta(days=90)
    assert plan.notice_ends_at == notice_end
    assert plan.access_revoked_at == notice_end
    assert plan.commission_ends_at == notice_end + timedelta(days=180)
    assert plan.mdf_ends_at == notice_end + timedelta(days=30)
    assert _dispositions(plan) == {
        "r-soon": (Disposition.HONOUR_UNTIL_EXPIRY, T0 + timedelta(days=150), ["exit.honour_until_expiry"]),
        "r-late": (Disposition.TRANSFER, notice_end, ["exit.beyond_honour_limit", "exit.transfer"]),
        "r-pend": (Disposition.RETURN_TO_DIRECT, notice_end, ["exit.return_to_direct"]),
    }
    assert [d.registration_id for d in plan.dispositions] == ["r-soon", "r-late", "r-pend"]


def test_for_cause_exit_revokes_at_once_and_returns_everything(rulebook):
    plan = exit_plan(rulebook, ExitType.FOR_CAUSE, _open(), T0)
    assert plan.access_revoked_at == T0
    assert {d.disposition for d in plan.dispositions} == {Disposition.RETURN_TO_DIRECT}
    assert plan.rulebook_version == "2026.1"


def test_program_change_transfers_pending_and_honours_approved(rulebook):
    plan = exit_plan(rulebook, ExitType.PROGRAM_CHANGE, _open(), T0)
    got = {k: v[0] for k, v in _dispositions(plan).items()}
    assert got == {
        "r-soon": Disposition.HONOUR_UNTIL_EXPIRY,
        "r-late": Disposition.HONOUR_UNTIL_EXPIRY,
        "r-pend": Disposition.TRANSFER,
    }


def test_for_cause_always_needs_a_second_person_and_lapses_to_no_exit(rulebook):
    path = approval_path(rulebook, ExitType.FOR_CAUSE)
    assert path is not None and [(s.roles, s.sla_seconds) for s in path.steps] == [
        (("vp_channel",), 2 * 86400.0)
    ]
    assert path.default_action is DefaultAction.REJECT
    assert approval_path(rulebook, ExitType.VOLUNTARY) is None
    # A rulebook that names no approval for cause still gets the default one.
    unnamed = changed(rulebook, **{"exit.for_cause.approval": None})
    assert exit_approval(unnamed, ExitType.FOR_CAUSE) == FOR_CAUSE_APPROVAL
    named = changed(
        rulebook, **{"exit.voluntary.approval": {"role": "regional_channel_director", "sla": "1d"}}
    )
    voluntary = approval_path(named, ExitType.VOLUNTARY)
    assert voluntary is not None and voluntary.steps[0].roles == ("regional_channel_director",)
    with pytest.raises(ValueError, match=r"exit.voluntary.approval.role: unknown role 'ceo'"):
        changed(rulebook, **{"exit.voluntary.approval": {"role": "ceo", "sla": "1d"}})


def _candidate(reg_id, at, **partner_changes):
    return TransferCandidate(reg_id, at, partner(partner_changes.pop("partner_id"), **partner_changes))


def test_the_transferee_is_the_first_eligible_partner_that_registered_the_account(rulebook):
    deal = request(partner_id="p-leaving")
    candidates = [
        _candidate("r-late", T0 + timedelta(days=2), partner_id="p-late"),
        _candidate("r-own", T0 - timedelta(days=9), partner_id="p-leaving"),
        _candidate("r-first", T0, partner_id="p-first", status=PartnerStatus.EXITING),
        _candidate("r-second", T0 + timedelta(days=1), partner_id="p-second", verticals=("healthcare",)),
    ]
    choice = transferee(rulebook, deal, "p-leaving", candidates)
    assert choice.chosen is not None and choice.chosen.registration_id == "r-late"
    assert [r.code for r in choice.reasons] == [
        "exit.transferee_ineligible",  # exiting itself
        "exit.transferee_ineligible",  # not authorised for retail
        "exit.transfer",
    ]
    nobody = transferee(rulebook, deal, "p-leaving", candidates[1:])
    assert nobody.chosen is None and nobody.reasons[-1].code == "exit.no_transferee"
    assert transfer_refusals(rulebook, deal, partner("p-late")) == []
    assert [r.code for r in transfer_refusals(rulebook, deal, partner("p-x", territories=("canada",)))] == [
        "eligibility.territory_not_authorised"
    ]


def test_a_transfer_candidate_is_another_partner_on_the_same_claim_key():
    deal = request(partner_id="p-leaving", account="Globex Corporation", domain="globex.com")
    assert registered_the_same(deal, request(partner_id="p-other", account="GLOBEX", domain="www.globex.com"))
    assert not registered_the_same(deal, request(partner_id="p-leaving"))  # its own
    assert not registered_the_same(deal, request(partner_id="p-other", product_line="security"))
    assert not registered_the_same(deal, request(partner_id="p-other", domain="globex.io"))
