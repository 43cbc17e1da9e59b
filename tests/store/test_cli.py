"""``parley db ...`` as a user runs it: a real subprocess, real databases, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.schema import current_revision, head_revision


def _parley(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(cwd / "var")}
    return subprocess.run(
        [sys.executable, "-m", "parley", "db", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "bad_url",
    [
        "definitely not a url",
        "postgresql+psycopg://parley:hunter2@127.0.0.1:1/parley",
        "sqlite:////nonexistent-dir/parley.db",
    ],
)
def test_upgrade_with_a_bad_url_prints_one_line(bad_url: str, tmp_path: Path) -> None:
    result = _parley("upgrade", database_url=bad_url, cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "PARLEY_DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_upgrade_current_and_seed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    before = _parley("current", database_url=url, cwd=tmp_path)
    assert before.returncode == 0 and "none" in before.stdout
    upgraded = _parley("upgrade", database_url=url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert current_revision(url) == head_revision()
    assert "up to date" in _parley("current", database_url=url, cwd=tmp_path).stdout
    seeded = _parley("seed-demo", database_url=url, cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "cam / demo-cam / channel_account_manager" in seeded.stdout


def test_upgrade_on_the_test_database(database_url: str, tmp_path: Path) -> None:
    result = _parley("upgrade", database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"at revision {head_revision()}" in result.stdout
