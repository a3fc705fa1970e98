"""Settings of the abuse limits, the rate limit storage and trusted proxies."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from elenchos.adapters.memory import FixedClock
from elenchos.bootstrap_limits import RateLimiterFactory
from elenchos.config import Settings
from elenchos.observability.metrics import Metrics


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_sign_in_limit_defaults() -> None:
    config = settings()

    assert config.sign_in_failures_per_account == 10
    assert config.sign_in_failures_per_ip == 50
    assert config.sign_in_failure_window_seconds == 900
    assert config.invitations_per_organisation == 100
    assert config.trusted_proxies == []
    assert config.redis_url is None


def test_trusted_proxies_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELENCHOS_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10,2001:db8::/32")

    assert settings().trusted_proxies == ["10.0.0.0/8", "192.0.2.10", "2001:db8::/32"]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "10.0.0.1-10.0.0.9"])
def test_invalid_trusted_proxy_is_rejected(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or CIDR range"):
        settings(trusted_proxies=value)


def test_redis_url_is_kept_secret() -> None:
    config = settings(redis_url="redis://:hunter2@127.0.0.1:6379/0")

    assert "hunter2" not in repr(config)


def test_limits_stay_in_process_without_database(tmp_path: Path) -> None:
    factory = RateLimiterFactory(settings(data_dir=tmp_path), FixedClock(), Metrics(), None)

    assert factory.storage == "process"
