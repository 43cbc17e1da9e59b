"""docker-compose.yml must only run real ``parley`` commands and pass settings that exist."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from parley.cli import cli
from parley.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _parley_services() -> dict[str, dict]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    return {name: svc for name, svc in services.items() if svc.get("build")}


def _resolve(argv: list[str]) -> click.Command:
    assert argv[0] == "parley", argv
    command: click.Command = cli
    ctx = click.Context(cli)
    args = argv[1:]
    while isinstance(command, click.Group) and args:
        sub = command.get_command(ctx, args[0])
        assert sub is not None, f"not a parley command: {argv}"
        command, args = sub, args[1:]
    # Parsing the remaining options proves they exist and take the values given.
    command.make_context(command.name, list(args), parent=ctx, resilient_parsing=False)
    return command


def test_every_parley_service_runs_a_real_entry_point() -> None:
    services = _parley_services()
    assert {"migrate", "worker", "web"} <= set(services)
    for svc in services.values():
        _resolve(svc["command"])


def test_every_parley_setting_passed_exists() -> None:
    known = {f"PARLEY_{name.upper()}" for name in Settings.model_fields}
    for name, svc in _parley_services().items():
        passed = {key for key in svc["environment"] if key.startswith("PARLEY_")}
        assert passed, name
        assert passed <= known, f"{name}: unknown settings {passed - known}"


def test_compose_search_attributes_match_the_dev_server() -> None:
    from parley.constants import SEARCH_ATTRIBUTE_TYPES

    command = yaml.safe_load(COMPOSE.read_text())["services"]["temporal-search-attributes"]["command"][0]
    for name, kind in SEARCH_ATTRIBUTE_TYPES.items():
        assert f"--name {name.value} --type {kind}" in command


def test_the_database_is_the_only_state_parley_services_share() -> None:
    """Rulebook versions and what-if reports live in the database, so no Parley service mounts a
    volume (a folder one container writes is invisible to the others) and all of them name the
    same database, on the compose file's own PostgreSQL service."""
    compose = yaml.safe_load(COMPOSE.read_text())
    services = _parley_services()
    for name, svc in services.items():
        assert not svc.get("volumes"), f"{name} mounts {svc['volumes']}: state must live in the database"
    urls = {svc["environment"]["PARLEY_DATABASE_URL"] for svc in services.values()}
    assert len(urls) == 1, urls
    (url,) = urls
    assert url.startswith("postgresql") and "@postgres:" in url and "postgres" in compose["services"]
    # The data dir is each container's own scratch (never a volume, never read by another).
    data_dirs = {svc["environment"].get("PARLEY_DATA_DIR") for svc in services.values()}
    volumes = [m for svc in compose["services"].values() for m in svc.get("volumes", [])]
    mounted = {m.split(":")[1] for m in volumes if ":" in m}
    assert not data_dirs & mounted
