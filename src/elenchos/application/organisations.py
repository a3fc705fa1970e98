"""Organisation use cases: create, read, update and delete an organisation, list mine."""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from typing import Any

from elenchos.application.access import authorize
from elenchos.application.accounts import MAX_DOCUMENT_BYTES, ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.application.read_models import MyOrganisation
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import OrganisationNotFound, UserNotFound, ValidationFailed
from elenchos.domain.organisations import (
    GENERATED_SLUG_MAX_LENGTH,
    Membership,
    Organisation,
    check_slug,
    slugify,
)
from elenchos.domain.roles import Permission, Role

logger = logging.getLogger(__name__)


class CreateOrganisation:
    """Create an organisation whose creator becomes its owner, in one transaction.

    Without a slug, one is derived from the name. Raises SlugTaken for a slug
    in use, ValidationFailed (InvalidSlug included) for bad input and
    UserNotFound when the account is gone.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        name: str,
        slug: str | None = None,
        settings: dict[str, Any] | None = None,
        client: ClientInfo | None = None,
    ) -> MyOrganisation:
        check_document_size("settings", settings)
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise UserNotFound("The account no longer exists.")
            chosen_slug = check_slug(slug) if slug is not None else await _free_slug(uow, name)
            organisation = Organisation.create(name, chosen_slug, now, settings)
            owner = Membership.start(organisation.id, user_id, Role.OWNER, now)
            await uow.organisations.add(organisation)
            await uow.memberships.add(owner)
            await record_event(
                uow,
                SecurityEventType.ORGANISATION_CREATED,
                now,
                client,
                actor_user_id=user_id,
                organisation_id=organisation.id,
                details={"name": organisation.name, "slug": organisation.slug},
            )
            await uow.commit()
        logger.info("organisation created: organisation_id=%s user_id=%s", organisation.id, user_id)
        return MyOrganisation(organisation=organisation, role=owner.role, joined_at=owner.joined_at)


class GetOrganisation:
    """Read an organisation with the caller's role; raises OrganisationNotFound for non-members."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID, organisation_id: uuid.UUID) -> MyOrganisation:
        async with self._uow() as uow:
            membership = await authorize(
                uow, organisation_id, user_id, Permission.READ_ORGANISATION
            )
            organisation = await _existing(uow, organisation_id)
        return MyOrganisation(organisation, membership.role, membership.joined_at)


class UpdateOrganisation:
    """Rename an organisation, change its slug or merge keys into its settings.

    Raises OrganisationNotFound, PermissionDenied, SlugTaken or ValidationFailed.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        name: str | None = None,
        slug: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> MyOrganisation:
        now = self._clock.now()
        async with self._uow() as uow:
            membership = await authorize(
                uow, organisation_id, user_id, Permission.UPDATE_ORGANISATION
            )
            organisation = await _existing(uow, organisation_id)
            if name is not None:
                organisation.rename(name, now)
            if slug is not None and slug != organisation.slug:
                organisation.change_slug(slug, now)
            if settings is not None:
                organisation.update_settings(settings, now)
                check_document_size("settings", organisation.settings)
            await uow.organisations.update(organisation)
            await uow.commit()
        logger.info("organisation updated: organisation_id=%s user_id=%s", organisation_id, user_id)
        return MyOrganisation(organisation, membership.role, membership.joined_at)


class DeleteOrganisation:
    """Delete an organisation with its memberships and invitations; owners only.

    Its audit log stays, ending with the deletion event. Raises
    OrganisationNotFound or PermissionDenied.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID, client: ClientInfo | None = None
    ) -> None:
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.DELETE_ORGANISATION)
            await uow.organisations.delete(organisation_id)
            await record_event(
                uow,
                SecurityEventType.ORGANISATION_DELETED,
                self._clock.now(),
                client,
                actor_user_id=user_id,
                organisation_id=organisation_id,
            )
            await uow.commit()
        logger.info("organisation deleted: organisation_id=%s user_id=%s", organisation_id, user_id)


class ListMyOrganisations:
    """List the organisations the user belongs to, each with the user's role."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID) -> list[MyOrganisation]:
        async with self._uow() as uow:
            return await uow.memberships.list_for_user(user_id)


def check_document_size(name: str, document: dict[str, Any] | None) -> None:
    """Raise ValidationFailed when a JSON document is larger than MAX_DOCUMENT_BYTES."""
    if document is None:
        return
    size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"The {name} is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}.")


async def _existing(uow: UnitOfWork, organisation_id: uuid.UUID) -> Organisation:
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None:
        # A membership row cannot outlive its organisation (the foreign key
        # cascades), so this only happens when a delete commits in between.
        raise OrganisationNotFound("No organisation with this id exists among yours.")
    return organisation


async def _free_slug(uow: UnitOfWork, name: str) -> str:
    """Derive a slug from the name, with a random suffix when the plain one is taken."""
    slug = slugify(name)
    if await uow.organisations.get_by_slug(slug) is None:
        return slug
    return f"{slug[:GENERATED_SLUG_MAX_LENGTH]}-{secrets.token_hex(3)}"
