"""``parley user create|list`` and ``parley token create|revoke``: people and API tokens."""

from __future__ import annotations

import click

from parley.cli.console import fail, friendly_errors
from parley.errors import ValidationFailed
from store.models.enums import Role

ROLE_NAMES = [role.value for role in Role]


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


@token_group.command("create")
@click.argument("username")
@click.option("--label", default="", help="What the token is for (e.g. 'crm sync').")
@friendly_errors
def create_token(username: str, label: str) -> None:
    """Issue a token for USERNAME; it is printed once and only its hash is kept."""
    from store.crud import users as users_crud
    from store.engine import session_scope

    try:
        with session_scope() as db:
            user = users_crud.get_user_by_username(session=db, username=username)
            if user is None or user.id is None:
                fail(f"user: no user named {username!r} (parley user list)")
                return
            token, plain = users_crud.create_api_token(session=db, user_id=user.id, label=label)
    except ValidationFailed as exc:
        fail(str(exc))
        return
    click.echo(f"token {token.id} for {username}: {plain}")
    click.echo("Send it as 'Authorization: Bearer <token>'. It is not shown again.", err=True)


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
