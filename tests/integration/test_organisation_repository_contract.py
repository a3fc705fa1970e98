"""One contract for the organisation, membership and invitation repositories.

Memory, SQLite and PostgreSQL must agree on uniqueness, cascades, filters,
keyset pages and every count.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from elenchos.application.ports import UnitOfWorkFactory
from elenchos.application.read_models import (
    InvitationPosition,
    InvitationQuery,
    MemberOrder,
    MemberPosition,
    MemberQuery,
)
from elenchos.domain.errors import AlreadyMember, InvitationPending, SlugTaken
from elenchos.domain.invitations import Invitation, InvitationState
from elenchos.domain.organisations import Membership, Organisation
from elenchos.domain.roles import Role
from elenchos.domain.users import User

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(days=7)


async def add_user(uow_factory: UnitOfWorkFactory, email: str, name: str | None = None) -> User:
    profile = {"display_name": name} if name else None
    user = User.register(email, "hash$1", NOW, profile, verified=True)
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def add_organisation(
    uow_factory: UnitOfWorkFactory, slug: str = "acme", name: str = "Acme"
) -> Organisation:
    organisation = Organisation.create(name, slug, NOW, {"plan": "free"})
    async with uow_factory() as uow:
        await uow.organisations.add(organisation)
        await uow.commit()
    return organisation


async def add_member(
    uow_factory: UnitOfWorkFactory,
    organisation: Organisation,
    user: User,
    role: Role = Role.MEMBER,
    joined_at: datetime = NOW,
) -> Membership:
    membership = Membership.start(organisation.id, user.id, role, joined_at)
    async with uow_factory() as uow:
        await uow.memberships.add(membership)
        await uow.commit()
    return membership


async def add_invitation(
    uow_factory: UnitOfWorkFactory,
    organisation: Organisation,
    inviter: User,
    email: str,
    role: Role = Role.MEMBER,
    created_at: datetime = NOW,
) -> Invitation:
    invitation = Invitation.issue(
        organisation.id, email, role, inviter.id, uuid.uuid4().hex * 2, created_at, TTL
    )
    async with uow_factory() as uow:
        await uow.invitations.add(invitation)
        await uow.commit()
    return invitation


async def test_organisation_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)

    async with uow_factory() as uow:
        by_id = await uow.organisations.get(organisation.id)
        by_slug = await uow.organisations.get_by_slug("acme")
        await uow.organisations.lock(organisation.id)

    assert by_id == organisation
    assert by_slug == organisation


async def test_slug_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await add_organisation(uow_factory, "acme")

    with pytest.raises(SlugTaken):
        await add_organisation(uow_factory, "acme", "Other")


async def test_membership_is_unique_per_user(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    await add_member(uow_factory, organisation, ada)

    with pytest.raises(AlreadyMember):
        await add_member(uow_factory, organisation, ada, Role.ADMIN)


async def test_one_pending_invitation_per_address(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    first = await add_invitation(uow_factory, organisation, ada, "bob@example.com")

    with pytest.raises(InvitationPending):
        await add_invitation(uow_factory, organisation, ada, "BOB@example.com")

    first.revoke(NOW)
    async with uow_factory() as uow:
        await uow.invitations.update(first)
        await uow.commit()
    second = await add_invitation(uow_factory, organisation, ada, "bob@example.com")
    async with uow_factory() as uow:
        pending = await uow.invitations.get_pending(organisation.id, "bob@example.com")
    assert pending == second


async def test_invitation_round_trips_and_is_scoped(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    other = await add_organisation(uow_factory, "other")
    ada = await add_user(uow_factory, "ada@example.com")
    invitation = await add_invitation(uow_factory, organisation, ada, "bob@example.com", Role.ADMIN)

    async with uow_factory() as uow:
        by_id = await uow.invitations.get(organisation.id, invitation.id)
        by_hash = await uow.invitations.get_by_token_hash(invitation.token_hash)
        elsewhere = await uow.invitations.get(other.id, invitation.id)

    assert by_id == invitation
    assert by_hash == invitation
    assert elsewhere is None


async def test_deleting_organisation_cascades(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    await add_member(uow_factory, organisation, ada, Role.OWNER)
    invitation = await add_invitation(uow_factory, organisation, ada, "bob@example.com")

    async with uow_factory() as uow:
        await uow.organisations.delete(organisation.id)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.organisations.get(organisation.id) is None
        assert await uow.memberships.get(organisation.id, ada.id) is None
        assert await uow.invitations.get_by_token_hash(invitation.token_hash) is None
        assert await uow.users.get(ada.id) is not None


async def test_role_counts_and_recent_joins(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    other = await add_organisation(uow_factory, "other")
    days = [0, 3, 10, 40, 40]
    roles = [Role.OWNER, Role.ADMIN, Role.MEMBER, Role.MEMBER, Role.MEMBER]
    for number, (age, role) in enumerate(zip(days, roles, strict=True)):
        user = await add_user(uow_factory, f"user{number}@example.com")
        await add_member(uow_factory, organisation, user, role, NOW - timedelta(days=age))
        await add_member(uow_factory, other, user, Role.OWNER, NOW)

    async with uow_factory() as uow:
        counts = await uow.memberships.count_by_role(organisation.id)
        recent = await uow.memberships.count_joined_since(
            organisation.id, [NOW - timedelta(days=7), NOW - timedelta(days=30)]
        )

    assert counts == {Role.OWNER: 1, Role.ADMIN: 1, Role.MEMBER: 3}
    assert recent == [2, 3]


async def test_pending_invitation_counts_skip_expired(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    await add_invitation(uow_factory, organisation, ada, "a@example.com", Role.ADMIN)
    await add_invitation(uow_factory, organisation, ada, "b@example.com", Role.MEMBER)
    await add_invitation(
        uow_factory, organisation, ada, "c@example.com", Role.MEMBER, NOW - timedelta(days=8)
    )
    revoked = await add_invitation(uow_factory, organisation, ada, "d@example.com", Role.MEMBER)
    revoked.revoke(NOW)
    async with uow_factory() as uow:
        await uow.invitations.update(revoked)
        await uow.commit()

    async with uow_factory() as uow:
        counts = await uow.invitations.count_pending_by_role(organisation.id, NOW)
        mine = await uow.invitations.list_pending_for_email("a@example.com", NOW)
        expired_mine = await uow.invitations.list_pending_for_email("c@example.com", NOW)

    assert counts == {Role.ADMIN: 1, Role.MEMBER: 1}
    assert [invitation.email for invitation in mine] == ["a@example.com"]
    assert expired_mine == []


async def test_invitation_pages_filter_by_state(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    created = []
    for number in range(5):
        at = NOW - timedelta(days=number * 2)
        created.append(
            await add_invitation(uow_factory, organisation, ada, f"{number}@x.org", created_at=at)
        )

    async with uow_factory() as uow:
        first = await uow.invitations.list_page(InvitationQuery(organisation.id, NOW, limit=2))
        last = first[-1]
        rest = await uow.invitations.list_page(
            InvitationQuery(
                organisation.id, NOW, limit=10, after=InvitationPosition(last.created_at, last.id)
            )
        )
        expired = await uow.invitations.list_page(
            InvitationQuery(organisation.id, NOW, limit=10, state=InvitationState.EXPIRED)
        )

    assert [i.email for i in first] == ["0@x.org", "1@x.org"]
    assert [i.email for i in rest] == ["2@x.org", "3@x.org", "4@x.org"]
    assert [i.email for i in expired] == ["4@x.org"]


async def test_member_pages_by_join_time(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    emails = [f"m{number}@example.com" for number in range(5)]
    for number, email in enumerate(emails):
        user = await add_user(uow_factory, email, f"Name {number}")
        # Two members share each join time, so the user id breaks the tie.
        await add_member(
            uow_factory, organisation, user, joined_at=NOW + timedelta(minutes=number // 2)
        )

    pages = []
    after = None
    async with uow_factory() as uow:
        while True:
            query = MemberQuery(organisation.id, limit=2, after=after)
            page = await uow.memberships.list_members(query)
            if not page:
                break
            pages.append(page)
            last = page[-1]
            after = MemberPosition(last.joined_at, last.email_normalized, last.user_id)

    rows = [member for page in pages for member in page]
    assert sorted(member.email for member in rows) == emails
    keys = [(member.joined_at, member.user_id) for member in rows]
    assert keys == sorted(keys)
    assert {member.display_name for member in rows} == {f"Name {n}" for n in range(5)}
    assert rows[0].joined_at.tzinfo is not None


async def test_member_pages_by_email_with_role(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    for email, role in [
        ("dora@example.com", Role.ADMIN),
        ("alan@example.com", Role.ADMIN),
        ("carl@example.com", Role.MEMBER),
        ("bob@example.com", Role.ADMIN),
    ]:
        await add_member(uow_factory, organisation, await add_user(uow_factory, email), role)

    async with uow_factory() as uow:
        first = await uow.memberships.list_members(
            MemberQuery(organisation.id, limit=2, order=MemberOrder.EMAIL, role=Role.ADMIN)
        )
        last = first[-1]
        second = await uow.memberships.list_members(
            MemberQuery(
                organisation.id,
                limit=2,
                order=MemberOrder.EMAIL,
                role=Role.ADMIN,
                after=MemberPosition(None, last.email_normalized, last.user_id),
            )
        )

    assert [m.email for m in first] == ["alan@example.com", "bob@example.com"]
    assert [m.email for m in second] == ["dora@example.com"]


async def test_member_search_by_prefix(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    for email, name in [
        ("ada@example.com", "Lovelace"),
        ("adam@example.com", "Smith"),
        ("bob@example.com", "Adams"),
        ("carl@example.com", None),
    ]:
        await add_member(uow_factory, organisation, await add_user(uow_factory, email, name))

    async with uow_factory() as uow:
        found = await uow.memberships.list_members(
            MemberQuery(organisation.id, limit=10, order=MemberOrder.EMAIL, search="ada")
        )
        by_name = await uow.memberships.list_members(
            MemberQuery(organisation.id, limit=10, order=MemberOrder.EMAIL, search="love")
        )

    assert [m.email for m in found] == ["ada@example.com", "adam@example.com", "bob@example.com"]
    assert [m.email for m in by_name] == ["ada@example.com"]


@pytest.mark.parametrize("search", ["%", "_", "a%", "\\", "a_a"])
async def test_member_search_escapes_wildcards(uow_factory: UnitOfWorkFactory, search: str) -> None:
    organisation = await add_organisation(uow_factory)
    await add_member(
        uow_factory, organisation, await add_user(uow_factory, "abba@example.com", "Abba")
    )
    await add_member(
        uow_factory, organisation, await add_user(uow_factory, "a_a@example.com", "A_a")
    )

    async with uow_factory() as uow:
        found = await uow.memberships.list_members(
            MemberQuery(organisation.id, limit=10, search=search)
        )

    expected = ["a_a@example.com"] if search == "a_a" else []
    assert [m.email for m in found] == expected


async def test_my_organisations_and_counts(uow_factory: UnitOfWorkFactory) -> None:
    ada = await add_user(uow_factory, "ada@example.com")
    beta = await add_organisation(uow_factory, "beta", "Beta")
    alpha = await add_organisation(uow_factory, "alpha", "Alpha")
    gamma = await add_organisation(uow_factory, "gamma", "Gamma")
    await add_member(uow_factory, beta, ada, Role.OWNER)
    await add_member(uow_factory, alpha, ada, Role.MEMBER)
    await add_member(uow_factory, gamma, ada, Role.MEMBER)

    async with uow_factory() as uow:
        mine = await uow.memberships.list_for_user(ada.id)
        counts = await uow.memberships.count_by_role_for_user(ada.id)

    assert [(entry.organisation.name, entry.role) for entry in mine] == [
        ("Alpha", Role.MEMBER),
        ("Beta", Role.OWNER),
        ("Gamma", Role.MEMBER),
    ]
    assert counts == {Role.OWNER: 1, Role.MEMBER: 2}


async def test_membership_update_and_delete(uow_factory: UnitOfWorkFactory) -> None:
    organisation = await add_organisation(uow_factory)
    ada = await add_user(uow_factory, "ada@example.com")
    membership = await add_member(uow_factory, organisation, ada)

    membership.role = Role.ADMIN
    async with uow_factory() as uow:
        await uow.memberships.update(membership)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.memberships.get(organisation.id, ada.id)
        assert stored is not None
        await uow.memberships.delete(stored)
        await uow.commit()

    assert stored.role is Role.ADMIN
    async with uow_factory() as uow:
        assert await uow.memberships.get(organisation.id, ada.id) is None
