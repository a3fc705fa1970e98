"""Settings: defaults, parsing and the production safety checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from elenchos.config import ConfigurationError, Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def production(**values: object) -> Settings:
    defaults: dict[str, object] = {
        "env": "production",
        "database_url": "postgresql+asyncpg://elenchos@db/elenchos",
        "jwt_private_key_file": Path("/run/secrets/key.pem"),
        "public_url": "https://auth.example.com",
        "mail_backend": "smtp",
    }
    defaults.update(values)
    return settings(**defaults)


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    config = settings(data_dir=tmp_path)

    assert config.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'elenchos.sqlite3'}"


def test_cors_origins_accept_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELENCHOS_CORS_ORIGINS", "https://a.example, https://b.example")

    assert settings().cors_origins == ["https://a.example", "https://b.example"]


def test_issuer_defaults_to_public_url() -> None:
    assert settings(public_url="https://auth.example.com").resolved_issuer == "https://auth.example.com"


def test_complete_production_settings_pass() -> None:
    production().check_production_ready()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"database_url": None}, "ELENCHOS_DATABASE_URL"),
        ({"database_url": "sqlite+aiosqlite:///x.db"}, "ELENCHOS_DATABASE_URL"),
        ({"jwt_private_key_file": None}, "ELENCHOS_JWT_PRIVATE_KEY_FILE or ELENCHOS_JWT_KEYS_DIR"),
        ({"refresh_cookie": True}, "ELENCHOS_CORS_ORIGINS"),
        ({"public_url": "http://127.0.0.1:8000"}, "ELENCHOS_PUBLIC_URL"),
        ({"mail_backend": "console"}, "ELENCHOS_MAIL_BACKEND"),
    ],
)
def test_production_refuses_development_defaults(override: dict[str, object], message: str) -> None:
    config = production(**override)

    with pytest.raises(ConfigurationError, match=message) as raised:
        config.check_production_ready()

    assert "\n" not in str(raised.value)


def test_production_accepts_keys_directory() -> None:
    config = production(jwt_private_key_file=None, jwt_keys_dir=Path("/etc/elenchos/keys"))

    config.check_production_ready()


def test_production_cookie_mode_with_origins_passes() -> None:
    production(refresh_cookie=True, cors_origins=["https://app.example"]).check_production_ready()


def test_development_allows_defaults() -> None:
    settings().check_production_ready()
