"""Development helpers: a mail sink and a webhook receiver, to see what Parley sends."""

from __future__ import annotations

import click

from parley.cli.console import friendly_errors
from parley.settings import get_settings


@click.command("mail-sink")
@friendly_errors
def mail_sink() -> None:
    """Keep every mail Parley sends as a file under data_dir/mail (parley up runs this)."""
    from parley.notify.mail_sink import run_mail_sink

    settings = get_settings()
    run_mail_sink(settings.data_dir / "mail", "127.0.0.1", settings.dev_mail_port)


@click.command("webhook-receiver")
@click.option("--port", default=8099, show_default=True, help="Loopback port to listen on.")
@click.option("--secret", required=True, envvar="PARLEY_WEBHOOK_SECRET", help="The subscription's secret.")
@friendly_errors
def webhook_receiver(port: int, secret: str) -> None:
    """Receive webhook calls on http://127.0.0.1:PORT/, check their signatures, print the events."""
    from parley.notify.receiver import receiver_server

    server = receiver_server("127.0.0.1", port, secret, click.echo)
    click.echo(f"webhook receiver on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


def register(group: click.Group) -> None:
    for command in (mail_sink, webhook_receiver):
        group.add_command(command)
