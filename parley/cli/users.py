"""``parley user create|list`` and ``parley token create|list|revoke``: people and API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import click

from parley.cli.console import fail, friendly_errors
from parley.errors import ValidationFailed
from store.models.enums import Role
from store.models.users import Scope

ROLE_NAMES = [role.value for role in Role]
SCOPE_NAMES = [scope.value for scope in Scope]


@click.group("user")
def user_group() -> None:
    """Users who sign in to the inbox or call the API."""


@user_group.command("create")
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(ROLE_NAMES), help="Repeatable."
)
@click.option("--name", "display_name", help="Display name (default: the user name).")
@click.option("--email", default=None)
@click.option("--partner-id", type=int, default=None, help="Required for partner users.")
@click.password_option(help="Prompted for when not given (hidden, asked twice).")
@friendly_errors
def create_user(
    username: str,
    roles: tuple[str, ...],
    display_name: str | None,
    email: str | None,
    partner_id: int | None,
    password: str,
) -> None:
    """Create a user with one or more roles."""
    from store.crud import users as users_crud
    from store.engine import session_scope

    data = {
        "username": username,
        "display_name": display_name or username,
        "email": email,
        "partner_id": partner_id,
        "password": password,
        "roles": list(roles),
    }
    try:
        with session_scope() as db:
            user = users_crud.create_user(session=db, data=data)
    except ValidationFailed as exc:
        fail(str(exc))
        return
    click.echo(f"created user {user.username} ({', '.join(user.roles)})")


@user_group.command("list")
@friendly_errors
def list_users() -> None:
    """Every user with their roles."""
    from store.crud import users as users_crud
    from store.engine import session_scope

    with session_scope() as db:
        users = users_crud.list_users(session=db)
    for user in users:
        state = "" if user.active else "  (inactive)"
        click.echo(f"{user.username:<24} {', '.join(user.roles)}{state}")


@click.group("token")
def token_group() -> None:
    """Bearer tokens for the JSON API."""


def _duration(value: str) -> timedelta:
    """``90d``, ``12h`` or ``30m`` as a duration (for ``--expires-in``)."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dhm])\s*", value.lower())
    if match is None or int(match[1]) == 0:
        raise click.BadParameter(
            "give a positive number of days, hours or minutes: 90d, 12h, 30m", param_hint="'--expires-in'"
        )
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


@token_group.command("create")
@click.argument("username")
@click.option("--label", default="", help="What the token is for (e.g. 'crm sync').")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPE_NAMES),
    help="Repeatable; default: every scope the user's roles allow.",
)
@click.option("--expires-in", "expires_in", default=None, help="e.g. 90d, 12h, 30m; default: never.")
@friendly_errors
def create_token(username: str, label: str, scopes: tuple[str, ...], expires_in: str | None) -> None:
    """Issue a token for USERNAME; it is printed once and only its hash is kept."""
    from store.crud import users as users_crud
    from store.engine import session_scope
    from store.models.types import utcnow

    lasts = _duration(expires_in) if expires_in is not None else None
    try:
        with session_scope() as db:
            user = users_crud.get_user_by_username(session=db, username=username)
            if user is None or user.id is None:
                fail(f"user: no user named {username!r} (parley user list)")
                return
            token, plain = users_crud.create_api_token(
                session=db,
                user_id=user.id,
                label=label,
                scopes=list(scopes) or None,
                expires_at=utcnow() + lasts if lasts is not None else None,
            )
    except ValidationFailed as exc:
        fail(str(exc))
        return
    click.echo(f"token {token.id} for {username}: {plain}")
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "does not expire"
    click.echo(f"Scopes: {', '.join(token.scopes)}; {expiry}.", err=True)
    click.echo("Send it as 'Authorization: Bearer <token>'. It is not shown again.", err=True)


@token_group.command("list")
@click.argument("username")
@friendly_errors
def list_tokens(username: str) -> None:
    """USERNAME's tokens: scopes, expiry, last use, revocation."""
    from store.crud import users as users_crud
    from store.engine import session_scope

    with session_scope() as db:
        user = users_crud.get_user_by_username(session=db, username=username)
        if user is None or user.id is None:
            fail(f"user: no user named {username!r} (parley user list)")
            return
        tokens = users_crud.list_api_tokens(session=db, user_id=user.id)
    for token in tokens:
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        state = (
            f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at
            else f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "no expiry"
        )  # fmt: skip
        click.echo(f"{token.id:>5}  {','.join(token.scopes):<36} used {used:<16}  {state}  {token.label}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
@friendly_errors
def revoke_token(token_id: int) -> None:
    """Revoke a token by its number (shown when it was created)."""
    from store.crud import users as users_crud
    from store.engine import session_scope

    with session_scope() as db:
        users_crud.revoke_api_token(session=db, token_id=token_id)
    click.echo(f"token {token_id} revoked")


def register(group: click.Group) -> None:
    group.add_command(user_group)
    group.add_command(token_group)
