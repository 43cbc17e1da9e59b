import pytest

from rules import Rulebook, diff_rulebooks, explain_rulebook, load_rulebook
from rules.reasons import MEANINGS, ReasonCode
from tests.rules.helpers import DEFAULT, FAST, changed


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_no_changes_between_equal_rulebooks(rulebook):
    assert diff_rulebooks(rulebook, load_rulebook(DEFAULT)) == []


def test_named_items_are_matched_by_name(rulebook):
    data = rulebook.model_dump(mode="json")
    data["program"]["tiers"].insert(0, {"name": "community", "standard_discount": 0.0})
    data["program"]["tiers"][-1]["standard_discount"] = 0.22
    data["program"]["product_lines"].pop()
    newer = Rulebook.model_validate(data)
    assert [c.text for c in diff_rulebooks(rulebook, newer)] == [
        "program.tiers[platinum].standard_discount: 20% → 22%",
        "program.tiers[community]: added (name community, standard_discount 0%)",
        "program.product_lines[services]: removed "
        "(id services, name Professional Services, required_certifications [])",
    ]


def test_reordering_tiers_is_a_change(rulebook):
    data = rulebook.model_dump(mode="json")
    data["program"]["tiers"][0], data["program"]["tiers"][1] = (
        data["program"]["tiers"][1],
        data["program"]["tiers"][0],
    )
    (change,) = diff_rulebooks(rulebook, Rulebook.model_validate(data))
    assert change.text == (
        "program.tiers: order registered, silver, gold, platinum → order silver, registered, gold, platinum"
    )


def test_positional_items_and_optional_values(rulebook):
    data = rulebook.model_dump(mode="json")
    data["escalation"]["levels"].pop()
    data["exit"]["voluntary"]["honour_limit"] = None
    data["registration"]["conflict"]["direct_engagement"] = "route"
    newer = Rulebook.model_validate(data)
    assert [c.text for c in diff_rulebooks(rulebook, newer)] == [
        "registration.conflict.direct_engagement: preclude → route",
        "escalation.levels[2]: removed (role vp_channel, response_sla 5 days, channel meeting)",
        "exit.voluntary.honour_limit: 90 days → none",
    ]


def test_fast_rulebook_differs_only_in_durations_version_and_title(rulebook):
    changes = diff_rulebooks(rulebook, load_rulebook(FAST))
    fields = {c.path.rsplit(".", 1)[-1].split("[")[0] for c in changes}
    assert fields <= {
        "version",
        "effective_from",
        "title",
        "sla",
        "protection_period",
        "reminder_lead_time",
        "appeal_window",
        "party_response",
        "length",
        "request_window",
        "quote_validity",
        "response_sla",
        "notice",
        "honour_limit",
        "commission_wind_down",
        "mdf_wind_down",
        "approval_sla",
        "acknowledgement_period",
        "acknowledgement_reminder",
    }


def test_every_reason_code_has_a_meaning():
    assert set(MEANINGS) == set(ReasonCode)


def test_playbook_follows_the_rulebook(rulebook):
    routed = changed(rulebook, **{"registration.conflict.direct_engagement": "route", "title": "A <b> & C"})
    text = explain_rulebook(routed)
    assert "goes to **a person** who decides with direct sales" in text
    assert "Channel account manager (2 days) → Regional channel director (1 day) → VP channel (1 day)" in text
    assert "the registration is rejected." in text
    page = explain_rulebook(routed, "html")
    assert "<title>A &lt;b&gt; &amp; C — partner playbook</title>" in page
    with pytest.raises(ValueError, match="unknown format"):
        explain_rulebook(routed, "pdf")


def test_docs_list_every_reason_code():
    text = (DEFAULT.parents[1] / "docs" / "rulebook.md").read_text()
    missing = [code.value for code in ReasonCode if f"`{code.value}`" not in text]
    assert missing == []
