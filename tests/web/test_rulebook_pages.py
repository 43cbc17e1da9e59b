"""Rulebook pages on SQLite and PostgreSQL: reading (staff every version, partners the published
ones), diff, validation, and a draft's submission refused with every field named and nothing
stored. (A submission that starts a roll-out needs the workers: tests/browser/test_rollout_browser.py.)"""

from __future__ import annotations

import re

import pytest
import yaml
from flask.testing import FlaskClient

from store.crud import records as records_crud
from store.crud import rollouts as rollouts_crud
from store.crud import rulebooks as versions_crud
from store.engine import session_scope
from store.models import utcnow
from tests.web.conftest import World, csrf_token, sign_in
from tests.web.ops_fixtures import OpsDirs, ops_dirs, rulebook_yaml

__all__ = ["ops_dirs"]  # the fixture, imported for pytest

FUTURE = "2098-06-01T00:00:00Z"


def _submit(client: FlaskClient, text: str, comment: str = "Shorter protection, agreed at the QBR") -> str:
    token = csrf_token(client, "/rulebooks/validate")
    response = client.post(
        "/rulebooks/submit", data={"rulebook_yaml": text, "comment": comment, "csrf_token": token}
    )
    return f"{response.status_code} {response.get_data(as_text=True)}"


def test_every_approver_reads_versions_playbook_and_yaml(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "cam")
    listing = client.get("/rulebooks/").get_data(as_text=True)
    assert "2026.1" in listing and "2099.1" in listing
    assert re.search(r"2026\.1</a>.*?in force", listing, re.DOTALL)
    assert re.search(r"2099\.1</a>.*?scheduled", listing, re.DOTALL)
    page = client.get("/rulebooks/versions/2026.1").get_data(as_text=True)
    assert "Partner playbook" in page and "Reason codes you may see" in page
    assert "# Parley&#39;s shipped Rules of Engagement" in page  # the YAML as written, comments kept
    assert "Simulate this" not in page  # the sandbox link is for partner ops
    standalone = client.get("/rulebooks/versions/2026.1/playbook.html")
    assert standalone.status_code == 200 and standalone.get_data(as_text=True).startswith("<!doctype html>")
    assert client.get("/rulebooks/versions/nope").status_code == 404


def test_partners_read_published_versions_never_drafts(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "cam")  # the library is imported on first use
    client.get("/rulebooks/")
    with session_scope() as db:
        rollouts_crud.create_draft(
            session=db,
            data={
                "version": "2098.9-draft",
                "effective_from": "2098-01-01T00:00:00Z",
                "source": "draft by ops",
                "sha256": "0" * 64,
                "document": yaml.safe_load(rulebook_yaml("2098.9-draft", FUTURE)),
                "created_by": "ops",
            },
            comment="under review",
            now=utcnow(),
        )
    assert "2098.9-draft" in client.get("/rulebooks/").get_data(as_text=True)
    client = client.application.test_client()
    sign_in(client, "pat_partner")
    listing = client.get("/rulebooks/").get_data(as_text=True)
    assert "2026.1" in listing and "2099.1" in listing and "2098.9-draft" not in listing
    assert client.get("/rulebooks/versions/2098.9-draft").status_code == 404
    page = client.get("/rulebooks/versions/2099.1").get_data(as_text=True)
    assert "Partner playbook" in page and "What changes from 2026.1" in page
    assert "protection_period" in page  # what changes, in words
    assert "Attach a what-if" not in page and "Withdraw" not in page
    assert 'id="yaml-h"' not in page  # the YAML as written (its authors' comments) is staff's, as in the API
    assert client.get("/rulebooks/diff?a=version:2026.1&b=version:2099.1").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/rulebooks/").status_code == 302


def test_diff_in_words(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    sign_in(client, "director")
    page = client.get("/rulebooks/diff?a=version:2026.1&b=version:2099.1").get_data(as_text=True)
    assert "registration.protection_period" in page
    assert "90 days" in page and "60 days" in page
    same = client.get("/rulebooks/diff?a=version:2026.1&b=version:2026.1").get_data(as_text=True)
    assert "The two rulebooks state the same rules." in same
    draft = client.get("/rulebooks/diff?b=proposal:tighter-sla.yaml").get_data(as_text=True)
    assert "approval_route" in draft  # "a" defaults to the governing version
    assert client.get("/rulebooks/diff?a=version:2026.1&b=proposal:../../etc/passwd").status_code == 404


def test_validation_lists_every_field_problem(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    sign_in(client, "cam")
    document = yaml.safe_load(rulebook_yaml("bad-1", FUTURE))
    document["registration"]["protection_period"] = "ninety days"
    document["discount"]["matrxi"] = []
    del document["exit"]
    token = csrf_token(client, "/rulebooks/validate")
    response = client.post(
        "/rulebooks/validate", data={"rulebook_yaml": yaml.safe_dump(document), "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>registration.protection_period</code>" in page
    assert "<code>discount.matrxi</code> unknown key; did you mean &#39;matrix&#39;?" in page
    assert "<code>exit</code> required section is missing" in page
    good = client.post(
        "/rulebooks/validate", data={"rulebook_yaml": rulebook_yaml("good-1", FUTURE), "csrf_token": token}
    ).get_data(as_text=True)
    assert "Valid: good-1" in good
    assert "Submit good-1 as a draft" not in good  # a channel account manager may validate, not submit


def test_validation_offers_partner_ops_the_submission_and_the_what_if(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "ops")
    text = rulebook_yaml("2098.1", FUTURE, protection_period="75d")
    page = client.post(
        "/rulebooks/validate",
        data={"rulebook_yaml": text, "csrf_token": csrf_token(client, "/rulebooks/validate")},
    ).get_data(as_text=True)
    assert "Submit 2098.1 as a draft" in page and "Simulate this against the current rulebook first" in page
    assert '<code>registration.protection_period</code>: <span class="diff-old">90 days' in page


def test_submission_refuses_used_ids_past_dates_and_no_comment(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    sign_in(client, "ops")
    duplicate = _submit(client, rulebook_yaml("2099.1", FUTURE))
    assert duplicate.startswith("422")
    assert "<code>version</code> &#39;2099.1&#39; is already used (scheduled)" in duplicate
    past = _submit(client, rulebook_yaml("2020.9", "2020-01-01T00:00:00Z"))
    assert (
        past.startswith("422")
        and "<code>effective_from</code> 2020-01-01 00:00:00 UTC is not in the future" in past
    )
    silent = _submit(client, rulebook_yaml("2098.2", FUTURE), comment="   ")
    assert silent.startswith("422") and "<code>comment</code> required" in silent
    broken = _submit(client, "version: x\nprogram: 3\n")
    assert broken.startswith("422") and "<code>registration</code> required section is missing" in broken
    with session_scope() as db:
        versions = [v.version for v in versions_crud.list_rulebook_versions(session=db)]
        assert versions == ["2026.1", "2099.1"]  # the library imported on first use, nothing else
        assert records_crud.list_audit_events(session=db, actor="ops").items == []


@pytest.mark.parametrize("username", ["cam", "director", "finance", "pat_partner"])
def test_only_partner_ops_submit(client: FlaskClient, world: World, ops_dirs: OpsDirs, username: str) -> None:
    sign_in(client, username)
    token = csrf_token(client, "/registrations/")
    response = client.post(
        "/rulebooks/submit",
        data={"rulebook_yaml": rulebook_yaml("2098.5", FUTURE), "comment": "why not", "csrf_token": token},
    )
    assert response.status_code == 403
    with session_scope() as db:
        assert versions_crud.get_rulebook_version(session=db, version="2098.5") is None


def test_submit_without_csrf_token_is_refused(client: FlaskClient, world: World, ops_dirs: OpsDirs) -> None:
    sign_in(client, "ops")
    response = client.post(
        "/rulebooks/submit", data={"rulebook_yaml": rulebook_yaml("2098.6", FUTURE), "comment": "x"}
    )
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    with session_scope() as db:
        assert versions_crud.get_rulebook_version(session=db, version="2098.6") is None


def test_a_broken_folder_on_first_start_is_reported_with_file_and_field(
    client: FlaskClient, world: World, ops_dirs: OpsDirs
) -> None:
    (ops_dirs.rulebooks / "broken.yaml").write_text(
        rulebook_yaml("2097.1", FUTURE, protection_period="soon"), encoding="utf-8"
    )
    sign_in(client, "ops")
    for path in ("/rulebooks/", "/rulebooks/versions/2026.1", "/sandbox/new"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert "<code>broken.yaml:registration.protection_period</code>" in page, path
