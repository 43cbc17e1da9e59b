"""``parley rulebook`` against the live app (a real HTTP server, the dev server and a worker): the
roll-out commands as each user through the API, and ``import``/``export`` as local operator
commands on the same database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from parley.cli import cli
from parley.http import ParleyClient
from parley.settings import get_settings
from tests.web.cli_api import CliApi, cli_api
from tests.web.conftest import api_token
from tests.web.http_server import Recording
from tests.web.rulebook_api_fixtures import (
    IN_FORCE,
    People,
    RolloutLive,
    draft_text,
    new_version,
    stored,
    what_if,
)
from tests.web.rulebook_api_fixtures import people as people  # re-exported: a fixture
from tests.web.rulebook_api_fixtures import rollout_live as rollout_live  # re-exported: a fixture

pytestmark = pytest.mark.temporal


@pytest.fixture
def api(people: People) -> Iterator[CliApi]:
    with cli_api() as running:
        yield running


def local(*args: str) -> tuple[int, str]:
    """``parley ARGS`` with no token: a local operator command."""
    result = CliRunner().invoke(cli, list(args), env={"PARLEY_TOKEN": None, "PARLEY_CONFIG": None})
    return result.exit_code, result.output


def test_a_draft_rolled_out_read_acknowledged_and_withdrawn_from_the_command_line(
    api: CliApi, rollout_live: RolloutLive, people: People, tmp_path: Path
) -> None:
    version = new_version()
    bad = tmp_path / "bad.yaml"
    bad.write_text(draft_text(rollout_live, version, protection_period="forever"))
    code, out = api.run(people.author, "rulebook", "submit", str(bad), "--comment", "Shorter protection")
    assert code == 1 and f"{bad}: refused" in out and "registration.protection_period:" in out, out
    assert stored(version) is None
    good = tmp_path / "good.yaml"
    good.write_text(draft_text(rollout_live, version, protection_period="1800s"))
    code, out = api.run(people.first.user, "rulebook", "submit", str(good), "--comment", "x")
    assert code == 1 and "role" in out and stored(version) is None, out

    code, out = api.run(people.author, "rulebook", "submit", str(good), "--comment", "Shorter protection")
    assert code == 0 and f"{version}: draft, waits for what-if" in out, out
    assert f"submitted by {people.author}: Shorter protection" in out
    code, out = api.run(
        people.ops, "rulebook", "what-if", version, "--run", str(what_if(rollout_live, version))
    )
    assert code == 0 and "waits for approval" in out and "rulebook.approval for vp_channel" in out, out
    task_id = int(out.split("open task ")[1].split(":")[0])

    code, out = api.run(people.first.user, "rulebook", "list")
    assert code == 0 and IN_FORCE in out and version not in out, out  # a draft is not the partner's
    code, out = api.run(people.cam, "rulebook", "list")
    assert code == 0 and version in out and "draft" in out, out

    code, out = api.run(people.vp, "rulebook", "decide", IN_FORCE, "approve", "--task", str(task_id))
    assert code == 1 and f"not the approval of rulebook {IN_FORCE}" in out, out
    code, out = api.run(people.author, "rulebook", "decide", version, "approve", "--task", str(task_id))
    assert code == 1 and "four-eyes" in out, out
    code, out = api.run(people.vp, "rulebook", "decide", version, "approve", "--task", str(task_id))
    assert code == 0 and "approved" in out, out
    code, out = api.run(people.ops, "rulebook", "show", version)
    assert code == 0 and f"approved by {people.vp}" in out, out
    assert f"partner {people.first.partner_id} {people.first.name}: not yet" in out

    code, out = api.run(people.first.user, "rulebook", "show", version)
    assert code == 0 and "What changes from testing-web:" in out and "protection_period" in out, out
    assert "partner playbook" in out and "your acknowledgement: due" in out
    assert people.author not in out  # no roll-out record for a partner
    code, out = api.run(people.first.user, "rulebook", "show", version, "--yaml")
    assert code == 1 and "role:" in out, out
    code, out = api.run(people.cam, "rulebook", "show", version, "--yaml")
    assert code == 0 and out == good.read_text(), out  # as written, comment line and all

    code, out = api.run(people.first.user, "rulebook", "acknowledge", version)
    assert code == 0 and f"{version}: acknowledged by {people.first.user}" in out, out
    code, out = api.run(people.first.user, "rulebook", "acknowledge", version)
    assert code == 1 and "already acknowledged" in out, out

    code, out = api.run(people.ops, "rulebook", "withdraw", version, "--reason", "More time")
    assert code == 0 and f"{version}: withdrawn" in out, out
    code, out = api.run(people.first.user, "rulebook", "show", version)
    assert code == 1 and "no such rulebook version" in out, out


def test_import_validates_every_file_first_and_export_writes_as_written(
    rollout_live: RolloutLive, people: People, tmp_path: Path
) -> None:
    code, out = local("rulebook", "export", "--all", "--out", str(tmp_path / "all"))
    assert code == 0 and f"{IN_FORCE}.yaml" in out, out
    assert (tmp_path / "all" / f"{IN_FORCE}.yaml").read_text() == rollout_live.rulebook.read_text()
    code, out = local("rulebook", "export", "--out", str(tmp_path / "x"))
    assert code == 1 and "version:" in out, out
    code, out = local("rulebook", "export", "no-such-version", "--out", str(tmp_path / "x"))
    assert code == 1 and "no rulebook version 'no-such-version'" in out, out

    folder = tmp_path / "import"
    folder.mkdir()
    first, second = new_version(), new_version()
    (folder / "a.yaml").write_text(draft_text(rollout_live, first))
    (folder / "b.yaml").write_text(draft_text(rollout_live, second, protection_period="soon"))
    code, out = local("rulebook", "import", str(folder))
    assert code == 1 and "b.yaml:registration.protection_period" in out, out
    assert stored(first) is None and stored(second) is None  # nothing, not even the valid file

    (folder / "b.yaml").write_text(draft_text(rollout_live, second))
    code, out = local("rulebook", "import", str(folder))
    assert code == 0 and f"imported {first}, {second}" in out, out
    assert stored(first).state == "scheduled"  # type: ignore[union-attr]
    code, out = local("rulebook", "import", str(folder))
    assert code == 0 and "nothing new" in out, out

    # A version id already recorded with other content: refused, and nothing else of the folder.
    third = new_version()
    (folder / "b.yaml").write_text(draft_text(rollout_live, second, protection_period="1700s"))
    (folder / "c.yaml").write_text(draft_text(rollout_live, third))
    code, out = local("rulebook", "import", str(folder))
    assert code == 1 and "already recorded with different content" in out, out
    assert stored(third) is None

    code, out = local("rulebook", "export", first, "--out", str(tmp_path / "one"))
    assert code == 0 and (tmp_path / "one" / f"{first}.yaml").read_text() == (folder / "a.yaml").read_text()


def test_a_submission_still_being_stored_is_read_from_its_rollout(
    api: CliApi, rollout_live: RolloutLive, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API waits 1 ms for the roll-out to store the draft, so it answers 202 pointing at the
    roll-out's own address; the client reads the roll-out there (waiting out its 404 while the
    row is not stored yet) and the caller gets the whole roll-out, not an error."""
    monkeypatch.setenv("PARLEY_DECISION_WAIT_SECONDS", "0.001")
    get_settings.cache_clear()
    recording = Recording()
    version = new_version()
    try:
        with ParleyClient(api.url, api_token(people.author), transport=recording) as author:
            view = author.submit_rulebook(text=draft_text(rollout_live, version), comment="Slow to store")
    finally:
        get_settings.cache_clear()
    seen = recording.seen
    assert seen[0] == ("POST", "/api/v1/rulebooks", 202), seen
    assert seen[-1] == ("GET", f"/api/v1/rulebooks/{version}/rollout", 200), seen
    assert view.version == version and view.state == "draft" and view.waits_for == "what_if"
    assert view.submitted_by == people.author
