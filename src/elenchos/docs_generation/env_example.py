"""Render .env.example from the Settings class: every setting with its description and default.

Settings listed in ACTIVE_VALUES are set to values that suit a development
machine with Mailpit and a Vite dev server. Every other setting appears as a
commented-out line with its default, or with a value from EXAMPLE_VALUES.
"""

from __future__ import annotations

import enum
import textwrap
from typing import Any

from pydantic.fields import FieldInfo

from elenchos.config import Settings

ENV_PREFIX = "ELENCHOS_"
LINE_WIDTH = 88

HEADER = """\
# Settings for running Elenchos outside Docker. Copy this file to .env, which the
# service reads from its working directory. Real environment variables take precedence.
# docker-compose.yml sets the production values for its own stack.
#
# Every setting of elenchos.config.Settings is listed. Lines starting with "# ELENCHOS_"
# show the default or an example; remove the "# " to set one. `make docs` regenerates
# this file from the field descriptions in src/elenchos/config.py.
"""

ACTIVE_VALUES: dict[str, str] = {
    "env": "development",
    "data_dir": ".elenchos",
    "public_url": "http://127.0.0.1:8000",
    "mail_backend": "console",
    "mail_from": "Elenchos <no-reply@example.com>",
    "smtp_host": "127.0.0.1",
    "smtp_port": "1025",
    "smtp_security": "none",
    "cors_origins": "http://localhost:5173",
}

EXAMPLE_VALUES: dict[str, str] = {
    "database_url": "postgresql+asyncpg://elenchos:elenchos@127.0.0.1:5432/elenchos",
    "frontend_url": "http://localhost:5173",
    "jwt_private_key_file": ".secrets/jwt_private_key.pem",
    "jwt_keys_dir": ".secrets/keys",
    "jwt_issuer": "https://auth.example.com",
    "support_email": "support@example.com",
    "smtp_username": "elenchos",
    "redis_url": "redis://127.0.0.1:6379/0",
    "trusted_proxies": "10.0.0.0/8",
}

# Extra comment lines shown under a setting's description.
NOTES: dict[str, list[str]] = {
    "jwt_private_key_file": [
        "Create an Ed25519 key with:",
        "  openssl genpkey -algorithm ed25519 -out .secrets/jwt_private_key.pem",
    ],
    "smtp_port": ["1025 is Mailpit's SMTP port."],
}


def render_env_example() -> str:
    blocks = [HEADER]
    for name, field in Settings.model_fields.items():
        blocks.append(_setting_block(name, field))
    return "\n".join(blocks)


def _setting_block(name: str, field: FieldInfo) -> str:
    variable = ENV_PREFIX + name.upper()
    default = default_value(field)
    lines = textwrap.wrap(
        field.description or "", width=LINE_WIDTH, initial_indent="# ", subsequent_indent="# "
    )
    lines.extend(f"# {note}" for note in NOTES.get(name, []))
    if name in ACTIVE_VALUES:
        value = ACTIVE_VALUES[name]
        if value != default:
            lines.append(f"# Default: {default or 'unset'}.")
        lines.append(f"{variable}={value}")
    else:
        lines.append(f"# {variable}={EXAMPLE_VALUES.get(name, default)}")
    return "\n".join(lines) + "\n"


def default_value(field: FieldInfo) -> str:
    """Return the field's default as an environment variable would spell it, or '' if unset."""
    value: Any
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)
