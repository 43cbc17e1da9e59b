"""``parley partner ...``: partner records and direct-sales engagements, kept by partner ops.

Every command goes through the JSON API as the token's user (``parley.cli.api``): the API checks
each change against the rulebook in force and audits it; only partner_ops or an admin may change
records, and a partner's user reads only its own partner.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from parley.cli.api import call
from parley.cli.console import fail, friendly_errors

if TYPE_CHECKING:
    from parley.http import ParleyClient
    from parley.http.models import Engagement, Partner


def _expiry(values: tuple[str, ...]) -> dict[str, str] | None:
    """``CODE=YYYY-MM-DD`` options as a mapping (the service checks the dates)."""
    if not values:
        return None
    pairs = [value.partition("=") for value in values]
    bad = [value for value, (_, sep, _) in zip(values, pairs, strict=True) if not sep]
    if bad:
        fail(f"--expires: {bad[0]!r} is not CODE=YYYY-MM-DD")
    return {code.strip(): day.strip() for code, _, day in pairs}


def _utc(moment: datetime) -> datetime:
    """A moment given on the command line (naive: UTC), as the API takes it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _show(partner: Partner) -> None:
    expiry = partner.certification_expiry or {}
    certs = [f"{c} (until {expiry[c]})" if c in expiry else c for c in partner.certifications]
    click.echo(f"#{partner.id} {partner.name}")
    click.echo(f"  tier:           {partner.tier}")
    click.echo(f"  status:         {partner.status}")
    click.echo(f"  territories:    {', '.join(partner.territories) or '-'}")
    click.echo(f"  verticals:      {', '.join(partner.verticals) or '-'}")
    click.echo(f"  certifications: {', '.join(certs) or '-'}")


def _engagement(e: Engagement) -> str:
    until = f"{e.until:%Y-%m-%d}" if e.until else "open"
    line = e.product_line or "every line"
    return f"#{e.id:<5} account {e.account_id:<6} {line:<22} {e.owner:<16} {e.since:%Y-%m-%d} -> {until}"


def _lists(**values: tuple[str, ...]) -> dict[str, Any]:
    return {name: list(given) for name, given in values.items() if given}


@click.group("partner")
def partner_group() -> None:
    """Partner records: partners, contacts and direct-sales engagements."""


tier_opt = click.option("--tier")
status_opt = click.option("--status")
territory_opt = click.option("--territory", "territories", multiple=True, help="Repeatable.")
vertical_opt = click.option("--vertical", "verticals", multiple=True, help="Repeatable.")
cert_opt = click.option("--certification", "certifications", multiple=True, help="Repeatable.")
expires_opt = click.option("--expires", multiple=True, help="CODE=YYYY-MM-DD; repeatable.")


@partner_group.command("list")
@click.option("--status")
@click.option("--territory")
@click.option("--text", help="Part of the name.")
@friendly_errors
def list_partners(status: str | None, territory: str | None, text: str | None) -> None:
    """Partners by name."""
    page = call(lambda c: c.partners(status=status, territory=territory, text=text, per_page=200))
    for p in page.items:
        click.echo(f"#{p.id:<6} {p.name:<32} {p.tier:<10} {p.status:<10} {', '.join(p.territories)}")
    click.echo(f"{page.total} partner(s)")


@partner_group.command("show")
@click.argument("partner_id", type=int)
@friendly_errors
def show_partner(partner_id: int) -> None:
    """One partner with its contacts."""

    def read(client: ParleyClient) -> tuple[Partner, list[Any]]:
        return client.partner(partner_id), client.contacts(partner_id).items

    partner, contacts = call(read)
    _show(partner)
    for c in contacts:
        click.echo(
            f"  contact:        {c.name}" + "".join(f", {v}" for v in (c.title, c.email, c.phone) if v)
        )


@partner_group.command("create")
@click.argument("name")
@click.option("--tier", required=True)
@status_opt
@territory_opt
@vertical_opt
@cert_opt
@expires_opt
@friendly_errors
def create_partner(
    name: str,
    tier: str,
    status: str | None,
    territories: tuple[str, ...],
    verticals: tuple[str, ...],
    certifications: tuple[str, ...],
    expires: tuple[str, ...],
) -> None:
    """Create a partner, checked against the rulebook in force."""
    data: dict[str, Any] = {"name": name, "tier": tier}
    data.update(_lists(territories=territories, verticals=verticals, certifications=certifications))
    if status:
        data["status"] = status
    if (expiry := _expiry(expires)) is not None:
        data["certification_expiry"] = expiry
    partner = call(lambda c: c.create_partner(data))
    click.echo(f"created partner #{partner.id} {partner.name}")


@partner_group.command("update")
@click.argument("partner_id", type=int)
@click.option("--name")
@tier_opt
@status_opt
@territory_opt
@vertical_opt
@cert_opt
@expires_opt
@friendly_errors
def update_partner(
    partner_id: int,
    name: str | None,
    tier: str | None,
    status: str | None,
    territories: tuple[str, ...],
    verticals: tuple[str, ...],
    certifications: tuple[str, ...],
    expires: tuple[str, ...],
) -> None:
    """Change what the options give (a repeated list option replaces the whole list)."""
    changes: dict[str, Any] = {k: v for k, v in {"name": name, "tier": tier, "status": status}.items() if v}
    changes.update(_lists(territories=territories, verticals=verticals, certifications=certifications))
    if (expiry := _expiry(expires)) is not None:
        changes["certification_expiry"] = expiry
    if not changes:
        fail("nothing to change: give --tier, --status, --territory ...")
    _show(call(lambda c: c.update_partner(partner_id, changes)))


@partner_group.command("contact-add")
@click.argument("partner_id", type=int)
@click.argument("name")
@click.option("--email")
@click.option("--title")
@click.option("--phone")
@friendly_errors
def add_contact(partner_id: int, name: str, email: str | None, title: str | None, phone: str | None) -> None:
    """Add a contact to a partner."""
    contact = call(lambda c: c.add_contact(partner_id, name=name, email=email, title=title, phone=phone))
    click.echo(f"added contact #{contact.id} {contact.name} to partner #{partner_id}")


@partner_group.command("engagement-add")
@click.option("--account-id", type=int, help="An existing account; or give --account and the rest.")
@click.option("--account", "account_name")
@click.option("--domain", "account_domain")
@click.option("--territory")
@click.option("--vertical")
@click.option("--product-line", help="Default: every product line.")
@click.option("--owner", required=True, help="Who in direct sales owns it.")
@click.option("--since", type=click.DateTime(), required=True, help="UTC.")
@friendly_errors
def add_engagement(since: datetime, **given: Any) -> None:
    """Record that direct sales is engaged on an account."""
    engagement = call(lambda c: c.add_engagement(since=_utc(since), **given))
    click.echo(f"added engagement {_engagement(engagement)}")


@partner_group.command("engagement-list")
@click.option("--account-id", type=int)
@friendly_errors
def list_engagements(account_id: int | None) -> None:
    """Direct-sales engagements, newest first."""
    engagements = call(lambda c: c.engagements(account_id=account_id)).items
    for e in engagements:
        click.echo(_engagement(e))
    click.echo(f"{len(engagements)} engagement(s)")


@partner_group.command("engagement-end")
@click.argument("engagement_id", type=int)
@click.option("--until", type=click.DateTime(), help="UTC; default now.")
@friendly_errors
def end_engagement(engagement_id: int, until: datetime | None) -> None:
    """End a direct-sales engagement."""
    engagement = call(lambda c: c.end_engagement(engagement_id, _utc(until) if until else None))
    click.echo(f"ended engagement {_engagement(engagement)}")


def register(group: click.Group) -> None:
    group.add_command(partner_group)
