"""One settings object, read from the environment (prefix ``PARLEY_``).

The defaults run everything on one machine: a SQLite file and an embedded Temporal dev server
under ``var/``. Production sets the database URL, Temporal address and a real secret key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from parley.errors import ConfigurationError

DEFAULT_SECRET_KEY = "parley-development-only-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=Path("var"), description="Where local state lives.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "parley"
    web_host: str = "127.0.0.1"
    web_port: int = 5050
    secret_key: str = DEFAULT_SECRET_KEY
    rulebook_dir: Path = Field(default=Path("rulebooks"), description="Rulebook YAML files.")
    metrics_token: str = Field(
        default="",
        description="Bearer token Prometheus sends to GET /metrics; empty serves loopback clients only, "
        "and never in production (docs/metrics.md).",
    )
    public_url: str = Field(
        default="",
        description="The inbox's address as people reach it, for links in mails; empty: http://web_host:web_port.",
    )
    api_rate_limit: str = Field(
        default="600/minute",
        description="Requests each API token may make (unauthenticated: each address), e.g. '600/minute' "
        "or '20/second;600/minute'; over it the API answers 429 with Retry-After.",
    )
    rate_limit_storage_uri: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// counts per web process; several web "
        "processes need a shared store, e.g. redis://host:6379/0.",
    )

    # Notification delivery (docs/notifications.md). No SMTP host: no mail, webhooks still go.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "Parley <parley@localhost>"
    dev_mail_port: int = Field(
        default=8025, ge=1, le=65535, description="parley up's mail sink, used when no SMTP host is set."
    )
    notification_delivery: bool = Field(
        default=True,
        description="Whether this worker runs the delivery dispatcher (one per task queue suffices).",
    )
    delivery_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts before a delivery is dead-lettered."
    )
    delivery_first_retry_seconds: float = Field(default=5.0, gt=0, le=3600)
    delivery_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_allow_http: bool = Field(
        default=False, description="Accept plain http:// webhook URLs (loopback receivers in development)."
    )
    sla_warning_share: float = Field(
        default=0.2, gt=0, lt=1, description="Warn a task's assignees when this share of its SLA is left."
    )
    decision_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="How long starting a process waits for the rules' first decision; after it the API "
        "answers 202 with where the process stands.",
    )

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "PARLEY_SECRET_KEY: must be set to a real secret when PARLEY_ENVIRONMENT=production"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'parley.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    @property
    def temporal_db_file(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def temporal_host_port(self) -> tuple[str, int]:
        host, _, port = self.temporal_address.rpartition(":")
        return host or "127.0.0.1", int(port)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; a bad value becomes a ConfigurationError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "secret_key"
        value = first.get("input") if first["loc"] else "(default)"
        message = first["msg"].removeprefix("Value error, ")
        if message.startswith("PARLEY_"):
            message = message.split(": ", 1)[1]
        raise ConfigurationError(f"PARLEY_{field.upper()}", value, message) from exc
