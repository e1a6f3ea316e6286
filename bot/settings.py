"""Typed settings read from the environment (and a local .env file)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.paths import project_root

DEVELOPMENT_NLU_TOKEN = "saathi-development-token"  # noqa: S105 - refused in production


class SettingsError(ValueError):
    """A setting is missing or unsafe for the chosen mode."""


class Settings(BaseSettings):
    """Every setting Saathi reads; the README lists each with its default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    saathi_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///saathi.db"
    nlu_url: str = "http://127.0.0.1:5005"
    nlu_token: SecretStr = SecretStr(DEVELOPMENT_NLU_TOKEN)
    nlu_timeout_seconds: float = 3.0
    nlu_start_timeout_seconds: float = 180.0
    nlu_fallback_threshold: float = 0.1
    nlu_clarify_threshold: float = 0.3
    nlu_escalation_weight: float = 0.25
    nlu_project_dir: Path = Field(default_factory=lambda: project_root() / "nlu_data")
    rasa_bin: Path = Field(default_factory=lambda: project_root() / ".venv-nlu" / "bin" / "rasa")
    knowledge_base_dir: Path = Field(default_factory=lambda: project_root() / "knowledge_base")
    translations_dir: Path = Field(default_factory=lambda: project_root() / "translations")
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    case_encryption_key: SecretStr | None = None
    caseworker_groups: dict[str, int] = Field(default_factory=dict)
    default_caseworker_group: int | None = None
    partner_names: dict[str, str] = Field(default_factory=dict)
    caseworker_languages: dict[str, str] = Field(default_factory=dict)
    reannounce_minutes: float = 15.0
    database_retry_seconds: float = 300.0
    user_messages_per_minute: int = 20
    telegram_flood_limit: bool = True
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    ops_host: str = "127.0.0.1"
    ops_port: int = 9464
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        """Stop a start that uses development secrets in production, or an open webhook."""
        if self.webhook_url is not None and self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        if self.saathi_env != "production":
            return self
        if self.nlu_token.get_secret_value() == DEVELOPMENT_NLU_TOKEN:
            raise SettingsError("NLU_TOKEN must be set to a secret value in production")
        if self.case_encryption_key is None:
            raise SettingsError("CASE_ENCRYPTION_KEY is required in production")
        return self
