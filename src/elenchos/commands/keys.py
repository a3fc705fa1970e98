"""`elenchos keys list|rotate|retire`: the signing keys kept in the keys directory.

The newest key file signs new access tokens and every file verifies. A
running server reads the directory at start-up, so restart the servers after
a rotation or retirement.

NOTE: during a rolling restart after `keys rotate`, a server still on the old
key set rejects tokens signed by the new key. Copy the new key file to every
server and restart them all together, or accept a few 401s in that window.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elenchos.adapters.jwt.keys import (
    SUPPORTED_ALGORITHMS,
    SigningKey,
    generate_key_file,
    key_files,
    load_pem,
)
from elenchos.bootstrap import keys_directory
from elenchos.config import ConfigurationError, Settings

# generate_key_file starts each name with this UTC timestamp.
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"


def register(commands: Any) -> None:
    keys = commands.add_parser(
        "keys", help="List, add and retire the keys that sign access tokens."
    )
    actions = keys.add_subparsers(dest="keys_command", required=True)

    listing = actions.add_parser("list", help="List the keys: kid, algorithm, creation time.")
    listing.set_defaults(handler=_list)

    rotate = actions.add_parser(
        "rotate", help="Generate a new key; after a restart it signs and the older keys verify."
    )
    rotate.add_argument(
        "--algorithm",
        choices=SUPPORTED_ALGORITHMS,
        help="Algorithm of the new key (default: ELENCHOS_JWT_ALGORITHM).",
    )
    rotate.set_defaults(handler=_rotate)

    retire = actions.add_parser(
        "retire",
        help="Delete a key once every token it signed has expired; its tokens then fail.",
    )
    retire.add_argument("kid", help="The kid of the key, as printed by 'elenchos keys list'.")
    retire.set_defaults(handler=_retire)


def _directory(settings: Settings) -> Path:
    if settings.jwt_private_key_file is not None:
        raise ConfigurationError(
            "ELENCHOS_JWT_PRIVATE_KEY_FILE is set, so the service uses that one key; "
            "unset it and set ELENCHOS_JWT_KEYS_DIR to manage keys with 'elenchos keys'."
        )
    return keys_directory(settings)


def _loaded(directory: Path) -> list[tuple[Path, SigningKey]]:
    return [(path, load_pem(path)) for path in key_files(directory)]


def _created(path: Path) -> datetime:
    stamp = path.name.split("-", 1)[0]
    try:
        return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        # A file placed by hand has no stamp, so its modification time is the best estimate.
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    keys = _loaded(_directory(settings))
    if not keys:
        print(
            f"elenchos: no keys in {keys_directory(settings)}; create one with "
            "'elenchos keys rotate'",
            file=sys.stderr,
        )
        return 1
    print(f"{'KID':<45} {'ALGORITHM':<9} {'CREATED':<25} ROLE")
    for position, (path, key) in enumerate(keys):
        role = "signs" if position == len(keys) - 1 else "verifies"
        created = _created(path).isoformat(timespec="seconds")
        print(f"{key.kid:<45} {key.algorithm:<9} {created:<25} {role}")
    return 0


def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    directory = _directory(settings)
    path = generate_key_file(directory, args.algorithm or settings.jwt_algorithm)
    key = load_pem(path)
    print(f"generated {key.algorithm} key {key.kid} in {path}")
    print("restart the servers: the new key then signs and the older keys keep verifying")
    return 0


def _retire(args: argparse.Namespace, settings: Settings) -> int:
    keys = _loaded(_directory(settings))
    matches = [(path, key) for path, key in keys if key.kid == args.kid]
    if not matches:
        print(
            f"elenchos: no key has kid {args.kid!r}; list the keys with 'elenchos keys list'",
            file=sys.stderr,
        )
        return 1
    path, key = matches[0]
    if key.kid == keys[-1][1].kid:
        print(
            f"elenchos: key {key.kid} is the signing key; run 'elenchos keys rotate' first, "
            "then retire it after its tokens have expired",
            file=sys.stderr,
        )
        return 1
    path.unlink()
    print(f"retired key {key.kid}: deleted {path}; restart the servers to stop accepting it")
    return 0
