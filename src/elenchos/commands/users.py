"""`elenchos users create|disable|enable|set-password`: account support from the shell."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from elenchos.bootstrap import Administration, build, build_administration
from elenchos.config import Settings
from elenchos.domain.errors import DomainError
from elenchos.domain.users import UserStatus


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="Create accounts and help their owners.")
    actions = users.add_subparsers(dest="users_command", required=True)

    create = actions.add_parser("create", help="Create an active, verified account.")
    create.add_argument("email", help="Email address of the account.")
    create.add_argument("--display-name", help="Display name stored in the profile.")
    _add_password_options(create)
    create.set_defaults(handler=_create)

    for name, help_text in (
        ("disable", "Disable an account: it can no longer sign in."),
        ("enable", "Re-enable a disabled account."),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("email", help="Email address of the account.")
        action.set_defaults(handler=_disable if name == "disable" else _enable)

    set_password = actions.add_parser("set-password", help="Replace an account's password.")
    set_password.add_argument("email", help="Email address of the account.")
    _add_password_options(set_password)
    set_password.set_defaults(handler=_set_password)


def _add_password_options(parser: argparse.ArgumentParser) -> None:
    # No --password VALUE option: an argument would show in `ps` and in the
    # shell history.
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="Read the password from the first line of standard input instead of prompting.",
    )


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("elenchos: no terminal to prompt on; pass --password-stdin")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise SystemExit("elenchos: the two passwords differ; nothing was changed")
    return first


def _run(settings: Settings, action: Callable[[Administration], Awaitable[str]]) -> int:
    async def main() -> int:
        container = await build(settings)
        try:
            print(await action(build_administration(container)))
            return 0
        except DomainError as exc:
            print(f"elenchos: {exc}", file=sys.stderr)
            return 1
        finally:
            await container.close()

    return asyncio.run(main())


def _create(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)

    async def action(admin: Administration) -> str:
        user = await admin.create_user(args.email, password, args.display_name)
        return f"created user {user.id} <{user.email}>"

    return _run(settings, action)


def _disable(args: argparse.Namespace, settings: Settings) -> int:
    async def action(admin: Administration) -> str:
        user = await admin.set_user_status(args.email, UserStatus.DISABLED)
        return f"disabled user {user.id}"

    return _run(settings, action)


def _enable(args: argparse.Namespace, settings: Settings) -> int:
    async def action(admin: Administration) -> str:
        user = await admin.set_user_status(args.email, UserStatus.ACTIVE)
        return f"enabled user {user.id} (status {user.status.value})"

    return _run(settings, action)


def _set_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)

    async def action(admin: Administration) -> str:
        user_id = await admin.set_password(args.email, password)
        return f"password replaced for user {user_id}"

    return _run(settings, action)
