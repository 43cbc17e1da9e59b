from __future__ import annotations

from pathlib import Path

import pytest

from parley.errors import ConfigurationError
from parley.settings import DEFAULT_SECRET_KEY, Settings, get_settings


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_run_on_one_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARLEY_DATABASE_URL", "PARLEY_DATA_DIR", "PARLEY_TEMPORAL_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    assert settings.resolved_database_url == f"sqlite:///{(Path('var') / 'parley.db').resolve()}"
    assert settings.temporal_host_port == ("127.0.0.1", 7233)
    assert settings.temporal_db_file == Path("var") / "temporal.db"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", "postgresql+psycopg://x@db/parley")
    monkeypatch.setenv("PARLEY_TEMPORAL_ADDRESS", "temporal.internal:7000")
    monkeypatch.setenv("PARLEY_TASK_QUEUE", "roe")
    settings = get_settings()
    assert settings.resolved_database_url == "postgresql+psycopg://x@db/parley"
    assert settings.temporal_host_port == ("temporal.internal", 7000)
    assert settings.task_queue == "roe"


def test_default_secret_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_ENVIRONMENT", "production")
    monkeypatch.delenv("PARLEY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    assert caught.value.setting == "PARLEY_SECRET_KEY"


def test_real_secret_accepted_in_production() -> None:
    settings = Settings(environment="production", secret_key="a-long-random-value")
    assert settings.secret_key != DEFAULT_SECRET_KEY


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_WEB_PORT", "eighty")
    with pytest.raises(ConfigurationError) as caught:
        get_settings()
    assert caught.value.setting == "PARLEY_WEB_PORT"
    assert caught.value.value == "eighty"
