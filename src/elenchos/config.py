"""Settings, read from ELENCHOS_* environment variables and a .env file when present."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class MailBackend(enum.StrEnum):
    SMTP = "smtp"
    CONSOLE = "console"
    MEMORY = "memory"


class SmtpSecurity(enum.StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class ConfigurationError(Exception):
    """The settings cannot run the service; the message is one line saying why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ELENCHOS_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Environment = Field(
        Environment.DEVELOPMENT,
        description="development or production; production refuses unsafe defaults.",
    )
    data_dir: Path = Field(
        Path(".elenchos"),
        description="Directory for the embedded database, generated keys and console mail.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL, postgresql+asyncpg://... or sqlite+aiosqlite:///...; "
            "default: an SQLite file in the data directory."
        ),
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL at which clients reach this service."
    )
    frontend_url: str | None = Field(
        None,
        description="Base URL of the SPA that owns the email link pages; default: built-in pages.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser.",
    )
    max_request_bytes: int = Field(
        64 * 1024, ge=1024, description="Largest request body accepted, in bytes."
    )

    jwt_algorithm: str = Field("EdDSA", description="EdDSA (Ed25519) or RS256.")
    jwt_private_key_file: Path | None = Field(
        None,
        description=(
            "PEM file of the signing key; when unset outside production a key is "
            "generated once under the data directory."
        ),
    )
    jwt_issuer: str | None = Field(None, description="iss claim; default: the public URL.")
    jwt_audience: str = Field("elenchos", description="aud claim of access tokens.")
    access_token_ttl_seconds: int = Field(
        900, ge=30, le=86400, description="Access token lifetime in seconds."
    )

    argon2_time_cost: int | None = Field(
        None, ge=1, description="argon2id iterations; default: argon2-cffi's RFC 9106 profile."
    )
    argon2_memory_cost_kib: int | None = Field(
        None, ge=8, description="argon2id memory per hash in KiB; default: argon2-cffi's."
    )
    argon2_parallelism: int | None = Field(
        None, ge=1, description="argon2id lanes; default: argon2-cffi's."
    )
    hashing_concurrency: int | None = Field(
        None, ge=1, description="Password hashes computed at once; default: the CPU count."
    )

    require_verified_email: bool = Field(
        True, description="Reject sign-in until the address is verified."
    )
    verification_token_ttl_seconds: int = Field(
        86400, ge=60, description="Lifetime of an email verification link in seconds."
    )
    password_reset_token_ttl_seconds: int = Field(
        3600, ge=60, description="Lifetime of a password reset link in seconds."
    )
    invitation_ttl_seconds: int = Field(
        7 * 86400, ge=60, description="Lifetime of an organisation invitation in seconds."
    )

    mail_backend: MailBackend = Field(
        MailBackend.CONSOLE, description="smtp, console (logs and .eml files) or memory."
    )
    mail_from: str = Field("Elenchos <no-reply@localhost>", description="From header of mail.")
    product_name: str = Field("Elenchos", description="Product name shown in mail and pages.")
    support_email: str | None = Field(None, description="Support address shown in mail.")
    smtp_host: str = Field("127.0.0.1", description="SMTP server host.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    smtp_username: str | None = Field(None, description="SMTP user name, if the server needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_security: SmtpSecurity = Field(
        SmtpSecurity.STARTTLS, description="none, starttls or tls (implicit TLS)."
    )
    smtp_timeout_seconds: float = Field(10.0, gt=0, description="SMTP connect and command timeout.")
    outbox_max_attempts: int = Field(
        8, ge=1, description="Delivery attempts before an outbox message is marked failed."
    )
    outbox_poll_interval_seconds: float = Field(
        5.0,
        gt=0,
        description="Seconds between outbox polls when no commit wakes the dispatcher.",
    )
    outbox_retry_base_seconds: float = Field(
        30.0, gt=0, description="Delay before the first retry of a failed mail, in seconds."
    )
    outbox_retry_max_seconds: float = Field(
        3600.0, gt=0, description="Maximum delay between two attempts of one mail, in seconds."
    )
    mail_request_window_seconds: int = Field(
        3600,
        ge=1,
        description="Window of the limits on password reset and verification mail requests.",
    )
    mail_requests_per_address: int = Field(
        5, ge=1, description="Reset or verification mails one address can request per window."
    )
    mail_requests_per_ip: int = Field(
        30, ge=1, description="Reset or verification requests one IP address can make per window."
    )

    log_level: str = Field("INFO", description="Python logging level name.")
    log_format: str | None = Field(
        None,
        pattern="^(json|text)$",
        description="json or text log lines; default: json in production, text otherwise.",
    )
    metrics_enabled: bool = Field(False, description="Serve Prometheus metrics at /metrics.")
    metrics_bearer_token: SecretStr | None = Field(
        None, description="When set, /metrics requires 'Authorization: Bearer <token>'."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'elenchos.sqlite3').resolve()}"

    @property
    def resolved_issuer(self) -> str:
        return self.jwt_issuer or self.public_url

    @property
    def json_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.is_production

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    def check_production_ready(self) -> None:
        """Raise ConfigurationError when production would run on development defaults."""
        if not self.is_production:
            return
        if not self.database_url or self.database_url.startswith("sqlite"):
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_DATABASE_URL set to a PostgreSQL URL, "
                "not the embedded SQLite database."
            )
        if self.jwt_private_key_file is None:
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_JWT_PRIVATE_KEY_FILE; "
                "generated keys are for development only."
            )
        if self.public_url.startswith("http://127.0.0.1"):
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_PUBLIC_URL set to the service's public URL."
            )
        if self.mail_backend is not MailBackend.SMTP:
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_MAIL_BACKEND=smtp; "
                "console and memory mail never reach users."
            )
