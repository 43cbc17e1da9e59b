"""A worker that delivers: the dispatcher on, a real SMTP server and webhook receiver beside it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env
from tests.notify.servers import SmtpServer, WebhookReceiver, smtp_server, webhook_receiver
from tests.workflows.harness import Stack, fast_rulebook_dir

# A second-scale delivery policy: attempts 0.4 s apart, doubling; a call longer than 1 s fails.
DELIVERY_ENV: dict[str, str] = {
    "PARLEY_NOTIFICATION_DELIVERY": "true",
    "PARLEY_SMTP_HOST": "127.0.0.1",
    "PARLEY_SMTP_SECURITY": "none",
    "PARLEY_SMTP_SENDER": "Parley <parley@example.test>",
    "PARLEY_DELIVERY_POLL_SECONDS": "0.3",
    "PARLEY_DELIVERY_FIRST_RETRY_SECONDS": "0.4",
    "PARLEY_DELIVERY_ATTEMPTS": "3",
    "PARLEY_WEBHOOK_TIMEOUT_SECONDS": "1",
    "PARLEY_SLA_WARNING_SHARE": "0.5",
    "PARLEY_PUBLIC_URL": "https://parley.example.test",
}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    yield from smtp_server()


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    yield from webhook_receiver()


def delivering_stack(server: TemporalServer, database_url: str, folder: Path, smtp: SmtpServer) -> Stack:
    task_queue = f"parley-test-{uuid.uuid4().hex[:12]}"
    rulebooks = fast_rulebook_dir(folder / "rulebooks")
    env = worker_env(
        server,
        database_url,
        task_queue,
        PARLEY_RULEBOOK_DIR=str(rulebooks),
        PARLEY_SMTP_PORT=str(smtp.port),
        **DELIVERY_ENV,
    )
    worker = WorkerProcess(env, task_queue, folder / f"worker-{task_queue}.log")
    worker.start()
    return Stack(server, database_url, task_queue, rulebooks, worker)


@pytest.fixture(scope="module")
def delivery_stack(
    temporal_server: TemporalServer,
    sqlite_template: Path,
    smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("delivery")
    database = folder / "parley.db"
    shutil.copyfile(sqlite_template, database)
    stack = delivering_stack(temporal_server, f"sqlite:///{database}", folder, smtp)
    yield stack
    stack.worker.stop()
