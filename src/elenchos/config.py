"""Settings, read from ELENCHOS_* environment variables and a .env file when present."""

from __future__ import annotations

import enum
import ipaddress
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
        description="development or production; production rejects unsafe defaults at start.",
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
    database_pool_size: int = Field(
        10,
        ge=1,
        le=1000,
        description=(
            "PostgreSQL connections kept open per process; up to twice as many "
            "more are opened under load."
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
    jwt_keys_dir: Path | None = Field(
        None,
        description=(
            "Directory of PEM signing keys managed with 'elenchos keys'; the newest signs "
            "and all verify. Used when ELENCHOS_JWT_PRIVATE_KEY_FILE is unset; default: "
            "keys under the data directory, generated when empty outside production."
        ),
    )
    jwt_issuer: str | None = Field(None, description="iss claim; default: the public URL.")
    jwt_audience: str = Field("elenchos", description="aud claim of access tokens.")
    access_token_ttl_seconds: int = Field(
        900, ge=30, le=86400, description="Access token lifetime in seconds."
    )
    session_idle_ttl_seconds: int = Field(
        30 * 86400,
        ge=60,
        description="Seconds a session survives without a refresh; each refresh restarts it.",
    )
    session_absolute_ttl_seconds: int = Field(
        90 * 86400,
        ge=60,
        description="Maximum age of a session in seconds, however often it is refreshed.",
    )
    refresh_token_grace_seconds: int = Field(
        10,
        ge=0,
        le=300,
        description=(
            "Seconds after a rotation in which the retired refresh token returns the same "
            "successor, for a client's network retry; later it counts as reuse."
        ),
    )
    session_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description=(
            "Seconds a replica trusts a cached session state, and the cached user that "
            "GET /v1/me returns; other replicas see a revocation or a profile change "
            "within this bound. 0 disables both caches."
        ),
    )
    session_cache_size: int = Field(
        10_000, ge=1, description="Sessions whose state one process caches at most."
    )
    refresh_cookie: bool = Field(
        False,
        description=(
            "Send the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped "
            "to /v1/auth instead of the response body, for browser apps."
        ),
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
        None,
        ge=1,
        description="Password hashes computed at once per process; default: its usable cores.",
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
    sign_in_failure_window_seconds: int = Field(
        900, ge=1, description="Window of the limits on failed sign-ins, in seconds."
    )
    sign_in_failures_per_account: int = Field(
        10, ge=1, description="Failed sign-ins one email address can have per window."
    )
    sign_in_failures_per_ip: int = Field(
        50, ge=1, description="Failed sign-ins one client IP address can have per window."
    )
    invitations_per_organisation: int = Field(
        100, ge=1, description="Invitations one organisation can send or resend per hour."
    )
    redis_url: SecretStr | None = Field(
        None,
        description=(
            "redis:// URL of a Redis server that keeps the rate limit counts; default: the "
            "database. Needs the redis extra: pip install 'elenchos[redis]'."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Comma-separated IP addresses or CIDR ranges of reverse proxies whose "
            "X-Forwarded-For header is believed; default: none, the peer address is used."
        ),
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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [proxy.strip() for proxy in value.split(",") if proxy.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"{proxy!r} is not an IP address or CIDR range, such as 10.0.0.0/8."
                ) from exc
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
        if self.jwt_private_key_file is None and self.jwt_keys_dir is None:
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_JWT_PRIVATE_KEY_FILE or "
                "ELENCHOS_JWT_KEYS_DIR (keys made with 'elenchos keys rotate'); "
                "keys generated at start-up are for development only."
            )
        if self.public_url.startswith("http://127.0.0.1"):
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_PUBLIC_URL set to the service's public URL."
            )
        if self.refresh_cookie and not self.cors_origins:
            raise ConfigurationError(
                "ELENCHOS_REFRESH_COOKIE=true needs ELENCHOS_CORS_ORIGINS: refresh requests "
                "are accepted only from the listed origins."
            )
        if self.mail_backend is not MailBackend.SMTP:
            raise ConfigurationError(
                "ELENCHOS_ENV=production needs ELENCHOS_MAIL_BACKEND=smtp; "
                "console and memory mail never reach users."
            )
