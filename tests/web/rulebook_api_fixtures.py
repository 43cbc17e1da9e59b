"""One live stack for a module of rulebook roll-out tests through the API or the CLI (per database
backend), the people a roll-out needs, and drafts of the module's rulebook.

The rulebook in force (``testing-web``) gives a roll-out's approval and the partners'
acknowledgements minutes, so a test acts at its own pace; drafts take effect in 2097, so an
approved one is scheduled and never changes which version governs the module's other tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from store.crud import rulebooks as versions_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models import RulebookVersion
from tests.fixtures_db import _backends
from tests.fixtures_temporal import TemporalServer
from tests.web.exit_api_fixtures import PASSWORD, PartnerUser, partner_with_user
from tests.web.live import module_stack, web_rulebook
from tests.workflows.rollout_harness import completed_what_if

IN_FORCE = "testing-web"
FUTURE = "2097-06-01T00:00:00Z"


def _rulebooks(folder: Path) -> Path:
    rulebooks = web_rulebook(folder / "rulebooks")
    path = rulebooks / "web.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    document["rollout"].update(
        {"approval_sla": "600s", "acknowledgement_period": "600s", "acknowledgement_reminder": "60s"}
    )
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return rulebooks


@dataclass(frozen=True)
class RolloutLive:
    url: str
    rulebook: Path  # the version in force, as written


@pytest.fixture(scope="module", params=_backends())
def rollout_live(
    request: pytest.FixtureRequest, temporal_server: TemporalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RolloutLive]:
    """A worker and the app's settings on a database of the module's own."""
    folder = tmp_path_factory.mktemp("rulebook-api")
    rulebooks = _rulebooks(folder)
    with module_stack(request, temporal_server, folder, rulebooks) as url:
        yield RolloutLive(url, rulebooks / "web.yaml")


@dataclass(frozen=True)
class People:
    ops: str  # partner operations
    author: str  # partner operations and a VP: submits, and may never approve its own draft
    vp: str  # approves (the rollout section's approver_role)
    cam: str  # an approver of another role: reads every version, rolls nothing out
    admin: str
    first: PartnerUser
    second: PartnerUser


@pytest.fixture(scope="module")
def people(rollout_live: RolloutLive) -> People:
    with session_scope() as db:
        for name, roles in (
            ("opal", ["partner_ops"]),
            ("avery", ["partner_ops", "vp_channel"]),
            ("vp", ["vp_channel"]),
            ("cam", ["channel_account_manager"]),
            ("root", ["admin"]),
        ):
            users_crud.create_user(
                session=db,
                data={"username": name, "display_name": name.title(), "password": PASSWORD, "roles": roles},
            )
    return People(
        "opal",
        "avery",
        "vp",
        "cam",
        "root",
        partner_with_user("Northwind Systems"),
        partner_with_user("Contoso"),
    )


def new_version() -> str:
    return f"api-{uuid.uuid4().hex[:8]}"


def draft_text(live: RolloutLive, version: str, effective_from: str = FUTURE, **registration: Any) -> str:
    """The rulebook in force as a new version (``registration`` replaces its keys there), with a
    comment on top to show the text is kept as written."""
    document: dict[str, Any] = yaml.safe_load(live.rulebook.read_text())
    document["version"] = version
    document["effective_from"] = effective_from
    document["title"] = f"Draft {version}"
    document["registration"].update(registration)
    return f"# {version}: shorter protection\n" + yaml.safe_dump(document, sort_keys=False)


def what_if(live: RolloutLive, version: str) -> int:
    """A completed what-if of ``version`` against the version in force."""
    return completed_what_if(live.url, version, baseline=IN_FORCE)


def stored(version: str) -> RulebookVersion | None:
    with session_scope() as db:
        return versions_crud.get_rulebook_version(session=db, version=version)
