"""Fixtures for the registration workflow tests: a worker on SQLite shared by a module, or a
worker of the test's own on each database (``database_url``) where the database matters."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import Stack, World, fast_rulebook_dir, seed_world, start_stack


@pytest.fixture(scope="module")
def sqlite_stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One worker process on one SQLite database for a whole test module."""
    folder = tmp_path_factory.mktemp("stack")
    database = folder / "parley.db"
    shutil.copyfile(sqlite_template, database)
    stack = start_stack(
        temporal_server,
        f"sqlite:///{database}",
        f"parley-test-{uuid.uuid4().hex[:12]}",
        fast_rulebook_dir(folder / "rulebooks"),
        folder,
    )
    yield stack
    stack.worker.stop()


@pytest.fixture
def db_stack(
    temporal_server: TemporalServer, database_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Stack]:
    """A worker of this test's own on the test's database (SQLite, and PostgreSQL when set up)."""
    stack = start_stack(
        temporal_server, database_url, task_queue, fast_rulebook_dir(tmp_path / "rulebooks"), tmp_path
    )
    yield stack
    stack.worker.stop()


@pytest.fixture
def world(sqlite_stack: Stack) -> World:
    return seed_world(sqlite_stack.database_url)
