"""Commands that run Parley's services: server, worker, web, up, doctor."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from parley.cli.console import friendly_errors
from parley.settings import get_settings


@click.command()
@click.option("--headless", is_flag=True, help="Run without the Temporal Web UI.")
@friendly_errors
def server(headless: bool) -> None:
    """Run the embedded Temporal dev server (persistent, search attributes registered)."""
    from parley.temporal_server import require_free_port, start_dev_command

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    host, port = settings.temporal_host_port
    require_free_port("PARLEY_TEMPORAL_ADDRESS", host, port)
    if not headless:
        require_free_port("PARLEY_TEMPORAL_UI_PORT", host, settings.temporal_ui_port)
    command = start_dev_command(settings, ui=not headless)
    os.execv(command[0], command)


@click.command()
@friendly_errors
def worker() -> None:
    """Run a worker with every workflow and activity registered."""
    from parley.worker import run_worker

    asyncio.run(run_worker())


@click.command()
@click.option(
    "--server",
    "server_kind",
    type=click.Choice(["flask", "gunicorn"]),
    default="flask",
    show_default=True,
    help="flask: one threaded process (development); gunicorn: several processes (production).",
)
@click.option("--workers", default=4, show_default=True, help="gunicorn worker processes.")
@friendly_errors
def web(server_kind: str, workers: int) -> None:
    """Run the web app (inbox, API)."""
    from parley.temporal_server import require_free_port

    settings = get_settings()
    require_free_port("PARLEY_WEB_PORT", settings.web_host, settings.web_port)
    bind = f"{settings.web_host}:{settings.web_port}"
    if server_kind == "gunicorn":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        os.execv(gunicorn, [gunicorn, "--workers", str(workers), "--bind", bind, "web.wsgi:app"])
    from werkzeug.serving import make_server

    from web import create_app

    http_server = make_server(settings.web_host, settings.web_port, create_app(), threaded=True)
    # Announced only once the socket listens, so `parley up` never sends users to a closed port.
    click.echo(f"web ready on http://{bind}/")
    http_server.serve_forever()


@click.command()
@friendly_errors
def up() -> None:
    """Start Temporal, a worker and the web app together, with demo data on first start."""
    from parley.supervisor import run_all

    raise SystemExit(run_all(get_settings()))


@click.command()
@friendly_errors
def doctor() -> None:
    """Check the whole chain: client -> Temporal -> worker -> database."""
    from parley.diagnostics import round_trip

    result = asyncio.run(round_trip(get_settings()))
    click.echo(
        f"ok: worker {result.worker_host} reached the {result.database_dialect} database"
        if result.database_ok
        else f"worker {result.worker_host} could NOT reach the {result.database_dialect} database"
    )
    raise SystemExit(0 if result.database_ok else 1)


def register(group: click.Group) -> None:
    for command in (server, worker, web, up, doctor):
        group.add_command(command)
