from datetime import UTC, datetime

import pytest
import yaml

from parley.errors import ValidationFailed
from rules import Rulebook, RulebookInvalid, load_library, load_rulebook, parse_rulebook
from tests.rules.helpers import DATA, DEFAULT, FAST

EXPECTED_BROKEN = [
    ("owner", "unknown key"),
    ("effective_from", "must include a time zone"),
    ("registration.approval_route[0].sla", "must be greater than zero"),
    ("registration.protection_period", "required"),
    ("registration.protection_periode", "did you mean 'protection_period'?"),
    ("exit.voluntary.notice", "'three months' is not a duration"),
    ("program.territories[2]", "'us-west' is listed twice"),
    ("discount.matrix[1].steps[0].roles[0]", "unknown role 'regional_director'"),
    ("discount.matrix[2].max_discount", "must be greater than the previous band (0.20)"),
    ("discount.matrix[2].steps", "at least the approvers of the previous band"),
    ("escalation.levels[2].role", "must be more senior than the level before it"),
]


def test_shipped_rulebooks_validate():
    default = load_rulebook(DEFAULT)
    fast = load_rulebook(FAST)
    assert default.registration.protection_period.days == 90
    assert default.registration.extensions.max_count == 1
    assert default.registration.extensions.length.days == 30
    assert default.registration.approval_route[0].sla.total_seconds() == 48 * 3600
    assert fast.registration.approval_route[0].sla.total_seconds() == 2
    assert fast.registration.protection_period.total_seconds() == 6


@pytest.mark.parametrize("path", [DEFAULT, FAST])
def test_rulebook_round_trips_through_json(path):
    rulebook = load_rulebook(path)
    assert Rulebook.model_validate(rulebook.model_dump(mode="json")) == rulebook
    assert parse_rulebook(rulebook.model_dump(mode="json")) == rulebook


def test_broken_file_lists_every_problem_with_its_path():
    with pytest.raises(RulebookInvalid) as caught:
        load_rulebook(DATA / "broken.yaml")
    problems = caught.value.problems
    assert len(problems) == len(EXPECTED_BROKEN)
    for (path, fragment), problem in zip(EXPECTED_BROKEN, problems, strict=True):
        assert problem.path == path
        assert fragment in problem.message
    assert isinstance(caught.value, ValidationFailed)
    assert str(caught.value).startswith(f"{DATA / 'broken.yaml'}: 11 problem(s)")


def _default_data() -> dict:
    return yaml.safe_load(DEFAULT.read_text())


@pytest.mark.parametrize(
    ("edit", "path", "fragment"),
    [
        (
            lambda d: d["registration"].update(reminder_lead_time="120d"),
            "registration.reminder_lead_time",
            "shorter than protection_period",
        ),
        (
            lambda d: d["registration"]["conflict"].update(name_review_threshold=0.95),
            "registration.conflict.name_review_threshold",
            "not be greater than",
        ),
        (
            lambda d: d["registration"]["auto_approve"].update(min_tier="diamond"),
            "registration.auto_approve.min_tier",
            "unknown tier 'diamond'",
        ),
        (
            lambda d: d["registration"].update(
                approval_route=d["registration"]["approval_route"][::2]
                + d["registration"]["approval_route"][1:2]
            ),
            "registration.approval_route[2].role",
            "more senior",
        ),
        (
            lambda d: d["discount"]["deal_size_bumps"][1].update(min_deal_value=400000),
            "discount.deal_size_bumps[1].min_deal_value",
            "greater than the previous bump",
        ),
        (
            lambda d: d["discount"]["escalation"].update(escalate_to="ceo"),
            "discount.escalation.escalate_to",
            "unknown role 'ceo'",
        ),
        (
            lambda d: d["exit"]["for_cause"].update(pending="honour_until_expiry"),
            "exit.for_cause.pending",
            "no expiry to honour",
        ),
        (
            lambda d: d["exit"]["for_cause"].update(honour_limit="10d"),
            "exit.for_cause.honour_limit",
            "only applies",
        ),
        (
            lambda d: d["program"]["volume_discounts"][1].update(discount=0.01),
            "program.volume_discounts[1].discount",
            "not be less than",
        ),
        (
            lambda d: d["program"]["tiers"][0].update(standard_discount=1.5),
            "program.tiers[0].standard_discount",
            "less than or equal to 1",
        ),
        (lambda d: d["program"].update(territories="us-west"), "program.territories", "valid list"),
        (lambda d: d.pop("exit"), "exit", "required section is missing"),
        (
            lambda d: d["registration"]["extensions"].update(max_count=-1),
            "registration.extensions.max_count",
            "greater than or equal to 0",
        ),
    ],
)
def test_each_cross_field_rule_names_its_path(edit, path, fragment):
    data = _default_data()
    edit(data)
    with pytest.raises(RulebookInvalid) as caught:
        parse_rulebook(data, source="edited")
    assert [(p.path, fragment in p.message) for p in caught.value.problems] == [(path, True)]


def test_percentages_are_accepted_for_rates():
    data = _default_data()
    data["discount"]["justification_required_above"] = "25%"
    assert parse_rulebook(data).discount.justification_required_above == pytest.approx(0.25)


def test_yaml_errors_and_duplicate_keys_are_problems_not_tracebacks():
    with pytest.raises(RulebookInvalid, match=r"not valid YAML: line 2"):
        parse_rulebook("version: x\n  bad: [\n")
    with pytest.raises(RulebookInvalid, match=r"key 'version' appears twice"):
        parse_rulebook("version: a\nversion: b\n")
    with pytest.raises(RulebookInvalid, match=r"must be a mapping"):
        parse_rulebook("- just\n- a list\n")


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(RulebookInvalid, match=r"<file>"):
        load_rulebook(tmp_path / "nope.yaml")


def test_effective_from_is_normalised_to_utc():
    data = _default_data()
    data["effective_from"] = "2026-01-01T02:00:00+02:00"
    assert parse_rulebook(data).effective_from == datetime(2026, 1, 1, tzinfo=UTC)


def test_load_library_reads_only_the_top_folder_and_refuses_duplicate_versions(tmp_path):
    text = DEFAULT.read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "c.yaml").write_text("not: a rulebook\n")
    assert load_library(tmp_path).versions == ("2026.1",)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(RulebookInvalid, match=r"b.yaml:version: version '2026.1' is already"):
        load_library(tmp_path)


def test_shipped_library_excludes_the_test_rulebook():
    assert load_library(DEFAULT.parent).versions == ("2026.1",)
