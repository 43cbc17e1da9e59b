"""The ``parley`` command: one click group; each area adds its commands from its own module."""

from __future__ import annotations

import click

from parley.cli import db, registrations, rulebook, services, simulate, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Parley: partner Rules of Engagement as durable, audited processes."""


db.register(cli)
registrations.register(cli)
rulebook.register(cli)
services.register(cli)
simulate.register(cli)
users.register(cli)


def main() -> None:
    cli()
