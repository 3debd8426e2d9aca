"""The environment the bot runs in: one settings object, built by the CLI and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A missing or invalid setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///./incidentbot.db"
    incidentbot_config: Path | None = None
    alert_webhook_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    # How long a replica's claim on an outbox item lasts without being renewed: when a
    # replica dies, the others deliver what it had claimed after at most this long.
    outbox_lease_seconds: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        """Caught here, as one line, instead of as a traceback from the first connection."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (e.g. sqlite:///./incidentbot.db or "
                             "postgresql+psycopg://user:password@host/incidentbot)") from None
        try:
            url.get_dialect().import_dbapi()
        except (NoSuchModuleError, ImportError):
            hint = " (pip install 'incidentbot[postgres]')" if url.get_backend_name() \
                == "postgresql" else ""
            raise ValueError(f"no database driver for {url.drivername!r} is installed"
                             f"{hint}") from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            folder = Path(url.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise ValueError(f"the folder {folder} for the SQLite database does not exist")
        return value

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token",
                     "alert_webhook_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def catalog_path(self) -> Path | None:
        """The catalog file: INCIDENTBOT_CONFIG, else ./incidentbot.yml when it exists."""
        if self.incidentbot_config is not None:
            return self.incidentbot_config
        default = Path("incidentbot.yml")
        return default if default.exists() else None

    def require_slack(self) -> None:
        """What `serve` cannot start without."""
        if self.slack_bot_token is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is required: set it to the app's bot token (xoxb-…)"
            )
        if not self.socket_mode and self.slack_signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is required in HTTP mode "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )
        if self.socket_mode and not self.slack_app_token.get_secret_value().startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")

    def require_catalog_exists(self) -> None:
        if self.incidentbot_config is not None and not self.incidentbot_config.exists():
            raise SettingsError(f"INCIDENTBOT_CONFIG: no such file: {self.incidentbot_config}")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env; a bad value becomes one line naming it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
