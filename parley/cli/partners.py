"""``parley partner ...``: partner records and direct-sales engagements, kept by partner ops.

Every change goes through ``parley.clients.partners`` (checked against the rulebook in force,
audited) as the user ``--as`` names, who must be partner ops or an admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from parley.cli.console import fail, friendly_errors
from store.models.enums import Role

if TYPE_CHECKING:  # the service (rulebook, store) loads only when a command runs
    from parley.clients.partners import PartnerRecords
    from store.models import DirectEngagement, Partner

WRITERS = frozenset({Role.PARTNER_OPS.value, Role.ADMIN.value})


def _records(actor: str, *, write: bool) -> PartnerRecords:
    """The records as ``actor`` keeps them; an unknown user, or a writer without the role, fails."""
    from parley.clients.partners import PartnerRecords
    from store.crud import users as users_crud
    from store.engine import session_scope

    with session_scope() as db:
        user = users_crud.get_user_by_username(session=db, username=actor)
    if user is None:
        fail(f"--as: no user {actor!r}")
        raise AssertionError("unreachable")
    if write and not WRITERS & set(user.roles):
        fail(f"--as: {actor} is not partner_ops or admin, who alone change partner records")
    return PartnerRecords(actor)


def _expiry(values: tuple[str, ...]) -> dict[str, str] | None:
    """``CODE=YYYY-MM-DD`` options as a mapping (the service checks the dates)."""
    if not values:
        return None
    pairs = [value.partition("=") for value in values]
    bad = [value for value, (_, sep, _) in zip(values, pairs, strict=True) if not sep]
    if bad:
        fail(f"--expires: {bad[0]!r} is not CODE=YYYY-MM-DD")
    return {code.strip(): day.strip() for code, _, day in pairs}


def _show(partner: Partner) -> None:
    expiry = partner.certification_expiry or {}
    certs = [f"{c} (until {expiry[c]})" if c in expiry else c for c in partner.certifications]
    click.echo(f"#{partner.id} {partner.name}")
    click.echo(f"  tier:           {partner.tier}")
    click.echo(f"  status:         {partner.status}")
    click.echo(f"  territories:    {', '.join(partner.territories) or '-'}")
    click.echo(f"  verticals:      {', '.join(partner.verticals) or '-'}")
    click.echo(f"  certifications: {', '.join(certs) or '-'}")


def _engagement(e: DirectEngagement) -> str:
    until = f"{e.until:%Y-%m-%d}" if e.until else "open"
    line = e.product_line or "every line"
    return f"#{e.id:<5} account {e.account_id:<6} {line:<22} {e.owner:<16} {e.since:%Y-%m-%d} -> {until}"


def _lists(**values: tuple[str, ...]) -> dict[str, Any]:
    return {name: list(given) for name, given in values.items() if given}


@click.group("partner")
def partner_group() -> None:
    """Partner records: partners, contacts and direct-sales engagements."""


acting = click.option(
    "--as", "actor", required=True, help="The user acting (partner_ops or admin to change)."
)
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
@acting
@friendly_errors
def list_partners(status: str | None, territory: str | None, text: str | None, actor: str) -> None:
    """Partners by name."""
    page = _records(actor, write=False).list_partners(
        status=status, territory=territory, text=text, per_page=200
    )
    for p in page.items:
        click.echo(f"#{p.id:<6} {p.name:<32} {p.tier:<10} {p.status:<10} {', '.join(p.territories)}")
    click.echo(f"{page.total} partner(s)")


@partner_group.command("show")
@click.argument("partner_id", type=int)
@acting
@friendly_errors
def show_partner(partner_id: int, actor: str) -> None:
    """One partner with its contacts."""
    records = _records(actor, write=False)
    _show(records.get_partner(partner_id))
    for c in records.list_contacts(partner_id):
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
@acting
@friendly_errors
def create_partner(
    name: str,
    tier: str,
    status: str | None,
    territories: tuple[str, ...],
    verticals: tuple[str, ...],
    certifications: tuple[str, ...],
    expires: tuple[str, ...],
    actor: str,
) -> None:
    """Create a partner, checked against the rulebook in force."""
    data: dict[str, Any] = {"name": name, "tier": tier}
    data.update(_lists(territories=territories, verticals=verticals, certifications=certifications))
    if status:
        data["status"] = status
    if (expiry := _expiry(expires)) is not None:
        data["certification_expiry"] = expiry
    partner = _records(actor, write=True).create_partner(data)
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
@acting
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
    actor: str,
) -> None:
    """Change what the options give (a repeated list option replaces the whole list)."""
    changes: dict[str, Any] = {k: v for k, v in {"name": name, "tier": tier, "status": status}.items() if v}
    changes.update(_lists(territories=territories, verticals=verticals, certifications=certifications))
    if (expiry := _expiry(expires)) is not None:
        changes["certification_expiry"] = expiry
    if not changes:
        fail("nothing to change: give --tier, --status, --territory ...")
    _show(_records(actor, write=True).update_partner(partner_id, changes))


@partner_group.command("contact-add")
@click.argument("partner_id", type=int)
@click.argument("name")
@click.option("--email")
@click.option("--title")
@click.option("--phone")
@acting
@friendly_errors
def add_contact(
    partner_id: int, name: str, email: str | None, title: str | None, phone: str | None, actor: str
) -> None:
    """Add a contact to a partner."""
    data = {k: v for k, v in {"name": name, "email": email, "title": title, "phone": phone}.items() if v}
    contact = _records(actor, write=True).add_contact(partner_id, data)
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
@acting
@friendly_errors
def add_engagement(actor: str, since: datetime, **given: Any) -> None:
    """Record that direct sales is engaged on an account."""
    data = {k: v for k, v in given.items() if v is not None}
    engagement = _records(actor, write=True).add_engagement({**data, "since": since})
    click.echo(f"added engagement {_engagement(engagement)}")


@partner_group.command("engagement-list")
@click.option("--account-id", type=int)
@acting
@friendly_errors
def list_engagements(account_id: int | None, actor: str) -> None:
    """Direct-sales engagements, newest first."""
    engagements = _records(actor, write=False).list_engagements(account_id=account_id)
    for e in engagements:
        click.echo(_engagement(e))
    click.echo(f"{len(engagements)} engagement(s)")


@partner_group.command("engagement-end")
@click.argument("engagement_id", type=int)
@click.option("--until", type=click.DateTime(), help="UTC; default now.")
@acting
@friendly_errors
def end_engagement(engagement_id: int, until: datetime | None, actor: str) -> None:
    """End a direct-sales engagement."""
    engagement = _records(actor, write=True).end_engagement(engagement_id, until)
    click.echo(f"ended engagement {_engagement(engagement)}")


def register(group: click.Group) -> None:
    group.add_command(partner_group)
