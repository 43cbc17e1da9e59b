"""Where the HTTP client finds the API and its token: arguments, else the environment, else a
config file.

The environment: ``PARLEY_URL`` (the web app's address; default ``http://127.0.0.1:5050``, where
``parley up`` serves it) and ``PARLEY_TOKEN`` (a bearer token from ``parley token create USER``).
The config file is ``$PARLEY_CONFIG`` if set, else ``~/.config/parley/config.toml``, in TOML::

    url = "https://parley.example.com"
    token = "..."

Each value is looked up on its own: a token from the environment and a URL from the file mix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from parley.errors import ConfigurationError

DEFAULT_URL = "http://127.0.0.1:5050"  # parley up / parley web
API_PREFIX = "/api/v1"


def config_path() -> Path:
    """The config file read: ``$PARLEY_CONFIG``, else ``~/.config/parley/config.toml``."""
    given = os.environ.get("PARLEY_CONFIG")
    return Path(given).expanduser() if given else Path.home() / ".config" / "parley" / "config.toml"


def _file_values(path: Path) -> dict[str, str]:
    if not path.is_file():
        if os.environ.get("PARLEY_CONFIG"):
            raise ConfigurationError("PARLEY_CONFIG", str(path), "no such file")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError("config file", str(path), f"cannot be read as TOML: {exc}") from exc
    unknown = sorted(set(data) - {"url", "token"})
    if unknown:
        raise ConfigurationError("config file", str(path), f"unknown keys {', '.join(unknown)} (url, token)")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigurationError(f"{path}: {key}", value, "must be a string")
    return dict(data)


@dataclass(frozen=True)
class ClientConfig:
    """The API's base URL (ending in ``/api/v1``) and the bearer token."""

    base_url: str
    token: str

    @classmethod
    def resolve(cls, url: str | None = None, token: str | None = None) -> ClientConfig:
        """Arguments first, then ``PARLEY_URL``/``PARLEY_TOKEN``, then the config file; the URL
        defaults to the local web app, a token must be found somewhere."""
        file: dict[str, str] | None = None

        def from_file(key: str) -> str | None:
            nonlocal file
            if file is None:
                file = _file_values(config_path())
            return file.get(key)

        url = url or os.environ.get("PARLEY_URL") or from_file("url") or DEFAULT_URL
        token = token or os.environ.get("PARLEY_TOKEN") or from_file("token")
        if not token or not token.strip():
            raise ConfigurationError(
                "PARLEY_TOKEN",
                "",
                "no API token: export PARLEY_TOKEN=<token from 'parley token create USER'>, "
                f'or put token = "..." in {config_path()}',
            )
        return cls(base_url=api_url(url), token=token.strip())


def api_url(url: str) -> str:
    """``url`` as the API's base: the web app's address with ``/api/v1`` added once."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigurationError("PARLEY_URL", url, "must start with http:// or https://")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX
