"""Checks of the container files: docker-compose.yml, Dockerfile, the entry point and .env.example.

No Docker engine is needed. The files are parsed as YAML or text and compared
with the settings that elenchos.config.Settings reads.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from elenchos.config import Settings

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPOSITORY_ROOT / "docker-compose.yml"
DOCKERFILE = REPOSITORY_ROOT / "Dockerfile"
DOCKERIGNORE = REPOSITORY_ROOT / ".dockerignore"
ENTRYPOINT = REPOSITORY_ROOT / "docker" / "entrypoint.sh"
ENV_EXAMPLE = REPOSITORY_ROOT / ".env.example"

SETTING_NAMES = frozenset(f"ELENCHOS_{name.upper()}" for name in Settings.model_fields)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    services = compose.get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services mapping"
    return services


@pytest.fixture(scope="module")
def dockerfile_instructions() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def parse_dockerfile(source: str) -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, with continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in source.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def published_ports(service: dict[str, Any]) -> set[int]:
    """Return the host ports of a compose service, from short or long port syntax."""
    ports: set[int] = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            published = entry.get("published")
            if published is not None:
                ports.add(int(published))
            continue
        # "8000", "8000:8000", "127.0.0.1:8000:8000" or "8000:8000/tcp"
        parts = str(entry).split("/")[0].split(":")
        host_port = parts[-2] if len(parts) >= 2 else parts[-1]
        ports.add(int(host_port))
    return ports


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        pairs = (str(item).partition("=") for item in environment)
        return {key: value for key, _, value in pairs}
    return {str(key): str(value) for key, value in environment.items()}


def env_example_keys() -> list[str]:
    """Return ELENCHOS_ keys in .env.example, including commented-out examples."""
    pattern = re.compile(r"^\s*#?\s*(ELENCHOS_[A-Z0-9_]+)=")
    keys = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match:
            keys.append(match.group(1))
    return keys


# docker-compose.yml


def test_compose_services_exist(services: dict[str, Any]) -> None:
    assert "api" in services
    assert "postgres" in services
    assert "mailpit" in services


def test_compose_postgres_image(services: dict[str, Any]) -> None:
    image = services["postgres"].get("image", "")
    assert image.startswith("postgres:16"), image


def test_compose_postgres_healthcheck(services: dict[str, Any]) -> None:
    healthcheck = services["postgres"].get("healthcheck")
    assert healthcheck, "postgres has no healthcheck"
    assert "pg_isready" in str(healthcheck.get("test"))


def test_compose_postgres_named_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    declared = compose.get("volumes") or {}
    named_sources: list[str] = []
    for volume in services["postgres"].get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume":
                named_sources.append(str(volume.get("source")))
            continue
        source = str(volume).split(":")[0]
        if not source.startswith((".", "/", "~")):
            named_sources.append(source)

    assert named_sources, "postgres mounts no named volume"
    for name in named_sources:
        assert name in declared, f"volume {name!r} is not declared under top-level volumes"


def test_compose_api_waits_for_healthy_postgres(services: dict[str, Any]) -> None:
    depends_on = services["api"].get("depends_on")
    assert isinstance(depends_on, dict), "api depends_on needs the long syntax with a condition"
    assert "postgres" in depends_on
    assert depends_on["postgres"].get("condition") == "service_healthy"


def test_compose_api_builds_this_repository(services: dict[str, Any]) -> None:
    build = services["api"].get("build")
    context = build.get("context") if isinstance(build, dict) else build
    assert context in (".", "./")


def test_compose_published_ports(services: dict[str, Any]) -> None:
    assert 8000 in published_ports(services["api"])
    assert 1025 in published_ports(services["mailpit"])
    assert 8025 in published_ports(services["mailpit"])


def test_compose_api_environment_names_settings(services: dict[str, Any]) -> None:
    environment = environment_of(services["api"])

    assert environment, "api sets no environment"
    for key in environment:
        assert key.startswith("ELENCHOS_"), key
        assert key in SETTING_NAMES, f"{key} is not a field of elenchos.config.Settings"


def test_compose_api_production_settings(services: dict[str, Any]) -> None:
    environment = environment_of(services["api"])

    assert environment.get("ELENCHOS_ENV") == "production"
    assert environment.get("ELENCHOS_MAIL_BACKEND") == "smtp"
    assert environment.get("ELENCHOS_SMTP_HOST") == "mailpit"
    assert environment.get("ELENCHOS_DATABASE_URL", "").startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in environment.get("ELENCHOS_DATABASE_URL", "")


def test_compose_api_mounts_signing_key(services: dict[str, Any]) -> None:
    key_path = environment_of(services["api"]).get("ELENCHOS_JWT_PRIVATE_KEY_FILE")
    assert key_path, "api sets no ELENCHOS_JWT_PRIVATE_KEY_FILE"

    targets = []
    for volume in services["api"].get("volumes", []):
        if isinstance(volume, dict):
            targets.append((volume.get("target"), volume.get("read_only", False)))
        else:
            parts = str(volume).split(":")
            targets.append((parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    secrets = services["api"].get("secrets", [])

    mounted_read_only = (key_path, True) in targets
    mounted_as_secret = key_path.startswith("/run/secrets/") and bool(secrets)
    assert mounted_read_only or mounted_as_secret, f"{key_path} is not mounted read-only"


# Dockerfile


def test_dockerfile_multi_stage(dockerfile_instructions: list[tuple[str, str]]) -> None:
    stages = [arguments for keyword, arguments in dockerfile_instructions if keyword == "FROM"]
    assert len(stages) > 1, stages


def test_dockerfile_runs_as_non_root(dockerfile_instructions: list[tuple[str, str]]) -> None:
    users = [arguments for keyword, arguments in dockerfile_instructions if keyword == "USER"]
    assert users, "Dockerfile has no USER instruction"

    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]


def test_dockerfile_healthcheck(dockerfile_instructions: list[tuple[str, str]]) -> None:
    healthchecks = [args for keyword, args in dockerfile_instructions if keyword == "HEALTHCHECK"]
    assert healthchecks, "Dockerfile has no HEALTHCHECK"
    assert healthchecks[-1].upper() != "NONE"
    assert "/healthz" in healthchecks[-1]


def test_dockerfile_serves_port_8000(dockerfile_instructions: list[tuple[str, str]]) -> None:
    exposed = [args for keyword, args in dockerfile_instructions if keyword == "EXPOSE"]
    commands = [args for keyword, args in dockerfile_instructions if keyword == "CMD"]

    assert "8000" in " ".join(exposed).split()
    assert commands, "Dockerfile has no CMD"
    assert '"serve"' in commands[-1]
    assert '"8000"' in commands[-1]


def test_dockerfile_copies_existing_files(
    dockerfile_instructions: list[tuple[str, str]],
) -> None:
    for keyword, arguments in dockerfile_instructions:
        if keyword != "COPY" or "--from" in arguments:
            continue
        words = [word for word in arguments.split() if not word.startswith("--")]
        for source in words[:-1]:
            assert (REPOSITORY_ROOT / source).exists(), f"COPY source {source} does not exist"


def test_dockerignore_excludes_local_state() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }

    for required in (".git", ".venv", ".elenchos", ".env", ".secrets"):
        assert required in patterns, f".dockerignore does not exclude {required}"


# docker/entrypoint.sh


@pytest.fixture
def fake_elenchos(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Put an `elenchos` on PATH that appends its arguments to a calls file."""
    calls = tmp_path / "calls"
    program = tmp_path / "bin" / "elenchos"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\n')
    program.chmod(0o755)

    environment = dict(os.environ)
    environment["PATH"] = f"{program.parent}{os.pathsep}{environment['PATH']}"
    environment.pop("ELENCHOS_SKIP_MIGRATE", None)
    return environment, calls


def run_entrypoint(environment: dict[str, str], *command: str) -> None:
    subprocess.run(
        [str(ENTRYPOINT), *command],
        env=environment,
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_entrypoint_is_executable() -> None:
    assert os.access(ENTRYPOINT, os.X_OK)


def test_entrypoint_migrates_before_serve(fake_elenchos: tuple[dict[str, str], Path]) -> None:
    environment, calls = fake_elenchos

    run_entrypoint(environment, "elenchos", "serve", "--port", "8000")

    assert calls.read_text().splitlines() == ["migrate", "serve --port 8000"]


def test_entrypoint_skip_migrate(fake_elenchos: tuple[dict[str, str], Path]) -> None:
    environment, calls = fake_elenchos
    environment["ELENCHOS_SKIP_MIGRATE"] = "1"

    run_entrypoint(environment, "elenchos", "serve")

    assert calls.read_text().splitlines() == ["serve"]


def test_entrypoint_other_commands_skip_migrate(
    fake_elenchos: tuple[dict[str, str], Path],
) -> None:
    environment, calls = fake_elenchos

    run_entrypoint(environment, "elenchos", "migrate", "--sql")

    assert calls.read_text().splitlines() == ["migrate --sql"]


# .env.example


def test_env_example_names_settings() -> None:
    keys = env_example_keys()

    assert keys, ".env.example lists no ELENCHOS_ settings"
    assert len(keys) == len(set(keys)), f"duplicate keys in .env.example: {keys}"
    for key in keys:
        assert key in SETTING_NAMES, f"{key} is not a field of elenchos.config.Settings"


def test_env_example_covers_compose_settings(services: dict[str, Any]) -> None:
    documented = set(env_example_keys())

    for key in environment_of(services["api"]):
        assert key in documented, f"{key} is set in docker-compose.yml but not in .env.example"
