"""The ``parley`` command: one click group; each area adds its commands from its own module."""

from __future__ import annotations

import os
import sys

import click

from parley.cli import (
    db,
    devtools,
    discounts,
    disputes,
    exits,
    fidelity,
    notifications,
    partners,
    registrations,
    rulebook,
    services,
    simulate,
    users,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Parley: partner Rules of Engagement as durable, audited processes."""


db.register(cli)
devtools.register(cli)
discounts.register(cli)
disputes.register(cli)
exits.register(cli)
fidelity.register(cli)
notifications.register(cli)
partners.register(cli)
registrations.register(cli)
rulebook.register(cli)
services.register(cli)
simulate.register(cli)
users.register(cli)


def main() -> None:
    try:
        cli()
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    if "temporalio.bridge.temporal_sdk_bridge" in sys.modules:
        # The Temporal client's Rust threads can outlive the event loop and abort the interpreter
        # while it finalizes (temporalio/sdk-python#300: "PyGILState_Release ... must be current").
        # Every command has finished its work and closed its files here, so skip the teardown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1 if code else 0)
    sys.exit(code)
