"""Invitation rules and edge cases, through the use cases on in-memory adapters."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from elenchos.domain.errors import (
    AlreadyMember,
    InvitationAlreadyUsed,
    InvitationEmailMismatch,
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    OrganisationNotFound,
    PermissionDenied,
    RoleAboveOwn,
)
from elenchos.domain.invitations import InvitationState, hash_invitation_token
from elenchos.domain.roles import Role
from elenchos.domain.users import User, UserStatus
from tests.support.organisations import INVITATION_TTL, OrganisationWorld

PASSWORD = "correct horse battery staple"


@pytest.fixture
def world() -> OrganisationWorld:
    return OrganisationWorld()


async def founded(world: OrganisationWorld) -> tuple[User, uuid.UUID]:
    ada = await world.user("ada@example.com", "Ada Lovelace")
    return ada, await world.organisation(ada, "Analytical Engines")


async def test_invitation_queues_mail_with_context(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)

    invitation = await world.use.invite_member(
        ada.id, organisation_id, "Bob@Example.com", Role.ADMIN
    )

    [mail] = world.mails()
    assert mail.recipient == "Bob@Example.com"
    assert mail.context["organisation_name"] == "Analytical Engines"
    assert mail.context["inviter_name"] == "Ada Lovelace"
    assert mail.context["role"] == "admin"
    assert mail.context["expires_at"] == (world.clock.now() + INVITATION_TTL).isoformat()
    assert invitation.email_normalized == "bob@example.com"
    assert invitation.token_hash == hash_invitation_token(mail.context["token"])
    assert len(mail.context["token"]) >= 43


async def test_token_is_stored_only_as_hash(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)

    invitation = await world.use.invite_member(
        ada.id, organisation_id, "bob@example.com", Role.MEMBER
    )

    token = world.last_token("bob@example.com")
    assert token not in repr(invitation)
    assert invitation.token_hash != token


async def test_member_cannot_invite(world: OrganisationWorld) -> None:
    _, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.join(organisation_id, bob, Role.MEMBER)

    with pytest.raises(PermissionDenied):
        await world.use.invite_member(bob.id, organisation_id, "carl@example.com", Role.MEMBER)
    assert world.mails() == []


async def test_admin_cannot_invite_owner(world: OrganisationWorld) -> None:
    _, organisation_id = await founded(world)
    alan = await world.user("alan@example.com")
    await world.join(organisation_id, alan, Role.ADMIN)

    with pytest.raises(RoleAboveOwn):
        await world.use.invite_member(alan.id, organisation_id, "carl@example.com", Role.OWNER)
    await world.use.invite_member(alan.id, organisation_id, "carl@example.com", Role.ADMIN)

    assert len(world.mails()) == 1


async def test_non_member_cannot_invite(world: OrganisationWorld) -> None:
    _, organisation_id = await founded(world)
    eve = await world.user("eve@example.com")

    with pytest.raises(OrganisationNotFound):
        await world.use.invite_member(eve.id, organisation_id, "carl@example.com", Role.MEMBER)


async def test_inviting_a_member_conflicts(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.join(organisation_id, bob, Role.MEMBER)

    with pytest.raises(AlreadyMember):
        await world.use.invite_member(ada.id, organisation_id, "BOB@example.com", Role.MEMBER)


async def test_accept_creates_membership(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    invitation = await world.use.invite_member(
        ada.id, organisation_id, "bob@example.com", Role.ADMIN
    )

    joined = await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))

    assert joined.role is Role.ADMIN
    assert joined.organisation.id == organisation_id
    async with world.uow() as uow:
        membership = await uow.memberships.get(organisation_id, bob.id)
        stored = await uow.invitations.get(organisation_id, invitation.id)
    assert membership is not None and membership.invited_by == ada.id
    assert stored is not None and stored.state(world.clock.now()) is InvitationState.ACCEPTED
    assert stored.accepted_by == bob.id


async def test_address_differing_in_case_accepts(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "  BOB@Example.COM ", Role.MEMBER)

    joined = await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))

    assert joined.role is Role.MEMBER


async def test_wrong_address_is_rejected(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    eve = await world.user("eve@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)

    with pytest.raises(InvitationEmailMismatch):
        await world.use.accept_invitation(eve.id, world.last_token("bob@example.com"))
    assert await world.role_of(organisation_id, eve) is None


async def test_expired_invitation_is_rejected(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    token = world.last_token("bob@example.com")

    world.clock.advance(INVITATION_TTL + timedelta(seconds=1))

    with pytest.raises(InvitationExpired):
        await world.use.accept_invitation(bob.id, token)
    with pytest.raises(InvitationExpired):
        await world.use.preview_invitation(token)


async def test_revoked_invitation_is_rejected(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    invitation = await world.use.invite_member(
        ada.id, organisation_id, "bob@example.com", Role.MEMBER
    )
    token = world.last_token("bob@example.com")

    await world.use.revoke_invitation(ada.id, organisation_id, invitation.id)

    with pytest.raises(InvitationRevoked):
        await world.use.accept_invitation(bob.id, token)


async def test_reused_invitation_is_rejected(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    token = world.last_token("bob@example.com")
    await world.use.accept_invitation(bob.id, token)

    with pytest.raises(InvitationAlreadyUsed):
        await world.use.accept_invitation(bob.id, token)


async def test_unknown_token_is_not_found(world: OrganisationWorld) -> None:
    bob = await world.user("bob@example.com")

    with pytest.raises(InvitationNotFound):
        await world.use.accept_invitation(bob.id, "no-such-token")
    with pytest.raises(InvitationNotFound):
        await world.use.preview_invitation("x" * 10_000)


async def test_inviting_again_renews_and_kills_old_link(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    first = await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    old_token = world.last_token("bob@example.com")
    world.clock.advance(timedelta(days=3))

    second = await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.ADMIN)
    new_token = world.last_token("bob@example.com")

    assert second.id == first.id
    assert second.expires_at == world.clock.now() + INVITATION_TTL
    assert len(world.mails()) == 2
    with pytest.raises(InvitationNotFound):
        await world.use.accept_invitation(bob.id, old_token)
    joined = await world.use.accept_invitation(bob.id, new_token)
    assert joined.role is Role.ADMIN


async def test_resend_renews_an_expired_invitation(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    invitation = await world.use.invite_member(
        ada.id, organisation_id, "bob@example.com", Role.MEMBER
    )
    world.clock.advance(INVITATION_TTL * 2)

    await world.use.resend_invitation(ada.id, organisation_id, invitation.id)

    joined = await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))
    assert joined.role is Role.MEMBER


async def test_resend_of_revoked_or_used_fails(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    revoked = await world.use.invite_member(
        ada.id, organisation_id, "carl@example.com", Role.MEMBER
    )
    await world.use.revoke_invitation(ada.id, organisation_id, revoked.id)
    used = await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))

    with pytest.raises(InvitationRevoked):
        await world.use.resend_invitation(ada.id, organisation_id, revoked.id)
    with pytest.raises(InvitationAlreadyUsed):
        await world.use.resend_invitation(ada.id, organisation_id, used.id)
    with pytest.raises(InvitationAlreadyUsed):
        await world.use.revoke_invitation(ada.id, organisation_id, used.id)


async def test_admin_cannot_resend_or_revoke_owner_invitation(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    alan = await world.user("alan@example.com")
    await world.join(organisation_id, alan, Role.ADMIN)
    invitation = await world.use.invite_member(
        ada.id, organisation_id, "carl@example.com", Role.OWNER
    )

    with pytest.raises(PermissionDenied):
        await world.use.resend_invitation(alan.id, organisation_id, invitation.id)
    with pytest.raises(PermissionDenied):
        await world.use.revoke_invitation(alan.id, organisation_id, invitation.id)


async def test_invitation_of_other_organisation_is_not_found(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    eve = await world.user("eve@example.com")
    other_id = await world.organisation(eve, "Eve Corp")
    invitation = await world.use.invite_member(
        ada.id, organisation_id, "bob@example.com", Role.MEMBER
    )

    with pytest.raises(InvitationNotFound):
        await world.use.revoke_invitation(eve.id, other_id, invitation.id)
    with pytest.raises(InvitationNotFound):
        await world.use.resend_invitation(eve.id, other_id, invitation.id)


async def test_inviter_removed_before_acceptance(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    alan = await world.user("alan@example.com", "Alan")
    bob = await world.user("bob@example.com")
    await world.join(organisation_id, alan, Role.ADMIN)
    await world.use.invite_member(alan.id, organisation_id, "bob@example.com", Role.MEMBER)
    await world.use.remove_member(ada.id, organisation_id, alan.id)

    preview = await world.use.preview_invitation(world.last_token("bob@example.com"))
    joined = await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))

    assert preview.inviter_name == "Alan"
    assert joined.role is Role.MEMBER
    async with world.uow() as uow:
        membership = await uow.memberships.get(organisation_id, bob.id)
    assert membership is not None and membership.invited_by == alan.id


async def test_list_invitations_by_state(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))
    revoked = await world.use.invite_member(
        ada.id, organisation_id, "carl@example.com", Role.MEMBER
    )
    await world.use.revoke_invitation(ada.id, organisation_id, revoked.id)
    await world.use.invite_member(ada.id, organisation_id, "dora@example.com", Role.ADMIN)

    everything = await world.use.list_invitations(ada.id, organisation_id)
    pending = await world.use.list_invitations(ada.id, organisation_id, InvitationState.PENDING)
    accepted = await world.use.list_invitations(ada.id, organisation_id, InvitationState.ACCEPTED)
    world.clock.advance(INVITATION_TTL)
    expired = await world.use.list_invitations(ada.id, organisation_id, InvitationState.EXPIRED)

    assert len(everything.items) == 3
    assert [i.email for i in pending.items] == ["dora@example.com"]
    assert [i.email for i in accepted.items] == ["bob@example.com"]
    assert [i.email for i in expired.items] == ["dora@example.com"]


async def test_preview_tells_whether_account_exists(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.ADMIN)
    await world.use.invite_member(ada.id, organisation_id, "new@example.com", Role.MEMBER)

    existing = await world.use.preview_invitation(world.last_token("bob@example.com"))
    newcomer = await world.use.preview_invitation(world.last_token("new@example.com"))

    assert existing.account_exists is True
    assert existing.organisation_name == "Analytical Engines"
    assert existing.inviter_name == "Ada Lovelace"
    assert existing.role is Role.ADMIN
    assert newcomer.account_exists is False


async def test_sign_up_with_invitation_is_active_member(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    await world.use.invite_member(ada.id, organisation_id, "new@example.com", Role.ADMIN)

    joined = await world.use.sign_up_with_invitation(
        "New@Example.com", PASSWORD, world.last_token("new@example.com"), {"display_name": "N"}
    )

    assert joined is True
    async with world.uow() as uow:
        user = await uow.users.get_by_email("new@example.com")
        assert user is not None
        membership = await uow.memberships.get(organisation_id, user.id)
    assert user.status is UserStatus.ACTIVE
    assert user.is_verified
    assert membership is not None and membership.role is Role.ADMIN


async def test_sign_up_with_invitation_for_existing_account(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)
    token = world.last_token("bob@example.com")

    joined = await world.use.sign_up_with_invitation("bob@example.com", PASSWORD, token)

    assert joined is False
    assert await world.role_of(organisation_id, bob) is None
    assert (await world.use.preview_invitation(token)).account_exists is True


async def test_sign_up_with_invitation_for_other_address(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)

    with pytest.raises(InvitationEmailMismatch):
        await world.use.sign_up_with_invitation(
            "eve@example.com", PASSWORD, world.last_token("bob@example.com")
        )
    async with world.uow() as uow:
        assert await uow.users.get_by_email("eve@example.com") is None


async def test_accept_verifies_unverified_account(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com", verified=False)
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.MEMBER)

    await world.use.accept_invitation(bob.id, world.last_token("bob@example.com"))

    async with world.uow() as uow:
        stored = await uow.users.get(bob.id)
    assert stored is not None and stored.is_verified


async def test_my_invitations_need_verified_address(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    bob = await world.user("bob@example.com")
    squatter = await world.user("carl@example.com", verified=False)
    await world.use.invite_member(ada.id, organisation_id, "bob@example.com", Role.ADMIN)
    await world.use.invite_member(ada.id, organisation_id, "carl@example.com", Role.MEMBER)

    mine = await world.use.list_my_invitations(bob.id)
    unverified = await world.use.list_my_invitations(squatter.id)

    assert [(r.organisation_name, r.invitation.role) for r in mine] == [
        ("Analytical Engines", Role.ADMIN)
    ]
    assert mine[0].inviter_name == "Ada Lovelace"
    assert unverified == []


async def test_switch_organisation_adds_claims(world: OrganisationWorld) -> None:
    ada, organisation_id = await founded(world)
    eve = await world.user("eve@example.com")

    issued = await world.use.switch_organisation(ada.id, organisation_id)

    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert claims["org"] == str(organisation_id)
    assert claims["org_role"] == "owner"
    with pytest.raises(OrganisationNotFound):
        await world.use.switch_organisation(eve.id, organisation_id)
