"""``parley user create`` and ``parley token create`` against the test database."""

from __future__ import annotations

from click.testing import CliRunner
from flask.testing import FlaskClient

from parley.cli import cli
from tests.web.conftest import World, js, sign_in


def test_user_create_then_sign_in(client: FlaskClient, world: World) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "user",
            "create",
            "vera",
            "--role",
            "vp_channel",
            "--name",
            "Vera Vice",
            "--password",
            "s3cret-pass",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "created user vera (vp_channel)" in result.output
    response = sign_in(client, "vera", "s3cret-pass")
    assert response.headers["Location"] == "/inbox/"


def test_user_create_names_the_bad_field(world: World) -> None:
    result = CliRunner().invoke(
        cli, ["user", "create", "cam", "--role", "finance", "--password", "long-enough"]
    )
    assert result.exit_code == 1
    assert "username: 'cam' is already taken" in result.output


def test_token_create_prints_a_token_the_api_accepts(client: FlaskClient, world: World) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "cam", "--label", "crm"])
    assert result.exit_code == 0, result.output
    token = result.stdout.split(": ", 1)[1].strip()
    assert js(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))["username"] == "cam"


def test_token_for_an_unknown_user_fails_cleanly(world: World) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "nobody"])
    assert result.exit_code == 1 and "no user named 'nobody'" in result.output
