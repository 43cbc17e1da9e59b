from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.settings import get_settings
from tests.fixtures_temporal import TemporalServer, free_port
from web import create_app


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("PARLEY_DATABASE_URL", f"sqlite:///{tmp_path / 'parley.db'}")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_healthz_ok_when_database_and_temporal_answer(
    configure: pytest.MonkeyPatch, temporal_server: TemporalServer
) -> None:
    configure.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    response = create_app().test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "database": {"ok": True, "dialect": "sqlite"},
        "temporal": {"ok": True},
        "down": [],
    }


def test_healthz_503_names_temporal_when_it_is_down(configure: pytest.MonkeyPatch) -> None:
    configure.setenv("PARLEY_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    response = create_app().test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["down"] == ["temporal"]


def test_healthz_503_names_the_database_when_it_is_down(
    configure: pytest.MonkeyPatch, temporal_server: TemporalServer
) -> None:
    configure.setenv("PARLEY_TEMPORAL_ADDRESS", temporal_server.address)
    configure.setenv("PARLEY_DATABASE_URL", f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    response = create_app().test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["down"] == ["database"]
