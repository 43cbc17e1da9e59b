import yaml
from click.testing import CliRunner

from parley.cli import cli
from tests.rules.helpers import DATA, DEFAULT, FAST
from tests.rules.test_loader import EXPECTED_BROKEN


def run(*args):
    return CliRunner().invoke(cli, ["rulebook", *map(str, args)])


def test_validate_valid_files_exits_zero():
    result = run("validate", DEFAULT, FAST)
    assert result.exit_code == 0, result.output
    assert "default.yaml: valid (version 2026.1" in result.output
    assert "fast.yaml: valid (version testing-fast" in result.output


def test_validate_broken_file_lists_every_error_and_exits_one():
    result = run("validate", DATA / "broken.yaml")
    assert result.exit_code == 1
    assert "invalid, 11 problem(s)" in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert [line.split(": ", 1)[0] for line in lines] == [path for path, _ in EXPECTED_BROKEN]
    for line, (_, fragment) in zip(lines, EXPECTED_BROKEN, strict=True):
        assert fragment in line


def test_validate_one_bad_among_good_still_fails(tmp_path):
    result = run("validate", DEFAULT, tmp_path / "missing.yaml")
    assert result.exit_code == 1
    assert "default.yaml: valid" in result.stdout
    assert "missing.yaml: invalid" in result.stderr


def test_diff_reports_changes_in_words(tmp_path):
    data = yaml.safe_load(DEFAULT.read_text())
    data["version"] = "2026.2"
    data["registration"]["protection_period"] = "60d"
    data["registration"]["extensions"]["max_count"] = 2
    data["program"]["territories"].append("emea")
    data["discount"]["matrix"][1]["steps"][0]["sla"] = "12h"
    newer = tmp_path / "newer.yaml"
    newer.write_text(yaml.safe_dump(data))
    result = run("diff", DEFAULT, newer)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "version: 2026.1 → 2026.2",
        "program.territories: added emea",
        "registration.protection_period: 90 days → 60 days",
        "registration.extensions.max_count: 1 → 2",
        "discount.matrix[1].steps[0].sla: 1 day → 12 hours",
        "5 change(s)",
    ]


def test_diff_of_identical_files_says_so():
    result = run("diff", DEFAULT, DEFAULT)
    assert result.exit_code == 0
    assert result.stdout == "no rule changes\n"


def test_diff_with_an_invalid_file_fails_with_the_problems():
    result = run("diff", DEFAULT, DATA / "broken.yaml")
    assert result.exit_code == 1
    assert "registration.protection_period: required" in result.stderr


def test_explain_markdown_and_html(tmp_path):
    markdown = run("explain", DEFAULT)
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("# Parley partner Rules of Engagement — partner playbook")
    assert "**If** direct sales was engaged" in markdown.stdout
    assert "| `conflict.first_to_register` |" in markdown.stdout
    html = run("explain", FAST, "--format", "html", "-o", tmp_path / "playbook.html")
    assert html.exit_code == 0
    page = (tmp_path / "playbook.html").read_text()
    assert page.startswith("<!doctype html>")
    assert "<strong>If</strong> another partner registered" in page
    assert "2 seconds" in page


def test_explain_refuses_unknown_format():
    result = run("explain", DEFAULT, "--format", "pdf")
    assert result.exit_code == 2
