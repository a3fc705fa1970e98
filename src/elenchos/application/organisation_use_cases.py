"""The organisation use cases as one group, built from ports by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from elenchos.application.audit import ListAuditLog
from elenchos.application.invitation_acceptance import (
    AcceptInvitation,
    ListMyInvitations,
    PreviewInvitation,
    SignUpWithInvitation,
)
from elenchos.application.invitations import (
    InvitationMail,
    InviteMember,
    ListInvitations,
    ResendInvitation,
    RevokeInvitation,
)
from elenchos.application.memberships import (
    ChangeMemberRole,
    LeaveOrganisation,
    ListMembers,
    RemoveMember,
    TransferOwnership,
)
from elenchos.application.organisation_tokens import SwitchOrganisation
from elenchos.application.organisations import (
    CreateOrganisation,
    DeleteOrganisation,
    GetOrganisation,
    ListMyOrganisations,
    UpdateOrganisation,
)
from elenchos.application.ports import Clock, PasswordHasher, TokenIssuer, UnitOfWorkFactory
from elenchos.application.rate_limits import RateLimiter
from elenchos.application.statistics import (
    GetMyStatistics,
    GetOrganisationRoles,
    GetOrganisationStatistics,
)


@dataclass
class OrganisationUseCases:
    create_organisation: CreateOrganisation
    get_organisation: GetOrganisation
    update_organisation: UpdateOrganisation
    delete_organisation: DeleteOrganisation
    list_my_organisations: ListMyOrganisations
    list_members: ListMembers
    change_member_role: ChangeMemberRole
    remove_member: RemoveMember
    leave_organisation: LeaveOrganisation
    transfer_ownership: TransferOwnership
    invite_member: InviteMember
    list_invitations: ListInvitations
    resend_invitation: ResendInvitation
    revoke_invitation: RevokeInvitation
    preview_invitation: PreviewInvitation
    accept_invitation: AcceptInvitation
    sign_up_with_invitation: SignUpWithInvitation
    list_my_invitations: ListMyInvitations
    get_organisation_statistics: GetOrganisationStatistics
    get_organisation_roles: GetOrganisationRoles
    get_my_statistics: GetMyStatistics
    switch_organisation: SwitchOrganisation
    list_audit_log: ListAuditLog


def build_organisation_use_cases(
    uow: UnitOfWorkFactory,
    hasher: PasswordHasher,
    clock: Clock,
    tokens: TokenIssuer,
    invitation_ttl: timedelta,
    invitation_limiter: RateLimiter | None = None,
) -> OrganisationUseCases:
    """Wire the organisation use cases; invitation_limiter limits invitations per organisation."""
    mail = InvitationMail()
    return OrganisationUseCases(
        create_organisation=CreateOrganisation(uow, clock),
        get_organisation=GetOrganisation(uow),
        update_organisation=UpdateOrganisation(uow, clock),
        delete_organisation=DeleteOrganisation(uow, clock),
        list_my_organisations=ListMyOrganisations(uow),
        list_members=ListMembers(uow),
        change_member_role=ChangeMemberRole(uow, clock),
        remove_member=RemoveMember(uow, clock),
        leave_organisation=LeaveOrganisation(uow, clock),
        transfer_ownership=TransferOwnership(uow, clock),
        invite_member=InviteMember(uow, clock, mail, invitation_ttl, invitation_limiter),
        list_invitations=ListInvitations(uow, clock),
        resend_invitation=ResendInvitation(
            uow, clock, mail, invitation_ttl, invitation_limiter
        ),
        revoke_invitation=RevokeInvitation(uow, clock),
        preview_invitation=PreviewInvitation(uow, clock),
        accept_invitation=AcceptInvitation(uow, clock),
        sign_up_with_invitation=SignUpWithInvitation(uow, hasher, clock),
        list_my_invitations=ListMyInvitations(uow, clock),
        get_organisation_statistics=GetOrganisationStatistics(uow, clock),
        get_organisation_roles=GetOrganisationRoles(uow),
        get_my_statistics=GetMyStatistics(uow),
        switch_organisation=SwitchOrganisation(uow, tokens),
        list_audit_log=ListAuditLog(uow),
    )
