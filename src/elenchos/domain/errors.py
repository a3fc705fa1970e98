"""Domain errors: one class per failure, all under DomainError.

The HTTP layer maps these classes to status codes and problem codes in one
table, and nothing here depends on HTTP.
"""


class DomainError(Exception):
    """Base class of every business-rule failure."""


class ValidationFailed(DomainError):
    """Input breaks a domain rule that the schema could not express."""


class InvalidEmail(ValidationFailed):
    """The email address is not usable."""


class InvalidPassword(ValidationFailed):
    """The password breaks the password policy."""


class EmailAlreadyRegistered(DomainError):
    """Another account already uses this normalized email address."""


class AuthenticationFailed(DomainError):
    """Base class of failures that leave the caller unauthenticated."""


class InvalidCredentials(AuthenticationFailed):
    """Unknown email or wrong password; responses never distinguish the two."""


class AccountDisabled(AuthenticationFailed):
    """The account exists but was disabled by an operator."""


class EmailNotVerified(AuthenticationFailed):
    """The account has not verified its email address yet."""


class InvalidToken(AuthenticationFailed):
    """An access token is malformed, forged, expired or not for us."""


class CurrentPasswordIncorrect(DomainError):
    """A signed-in user gave the wrong current password when changing it."""


class LinkTokenInvalid(DomainError):
    """A mail link token is unknown, malformed or meant for another flow."""


class LinkTokenUsed(LinkTokenInvalid):
    """A mail link token was already used; each one works once."""


class LinkTokenExpired(LinkTokenInvalid):
    """A mail link token is past its expiry time."""


class RateLimited(DomainError):
    """Too many requests from one client; retry_after_seconds is the wait before trying again."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class NotFound(DomainError):
    """The requested object does not exist or is not visible to the caller."""


class UserNotFound(NotFound):
    """No user with that id."""


class OrganisationNotFound(NotFound):
    """No such organisation, or the caller is not a member of it; the two look alike."""


class MemberNotFound(NotFound):
    """The user is not a member of the organisation."""


class InvitationNotFound(NotFound):
    """No invitation with that id in the organisation, or no invitation with that token."""


class PermissionDenied(DomainError):
    """The caller is a member but their role does not allow the action."""


class RoleAboveOwn(PermissionDenied):
    """The caller tried to grant a role that ranks above their own."""


class OwnRoleChange(PermissionDenied):
    """The caller tried to change their own role."""


class InvitationEmailMismatch(PermissionDenied):
    """The invitation is addressed to another email address than the caller's."""


class Conflict(DomainError):
    """The action conflicts with the current state of the data."""


class LastOwnerError(Conflict):
    """The action would leave an organisation without an owner."""


class AlreadyMember(Conflict):
    """The user is already a member of the organisation."""


class SlugTaken(Conflict):
    """Another organisation already uses this slug."""


class InvitationPending(Conflict):
    """Another pending invitation for this address was created at the same moment."""


class InvitationUnusable(DomainError):
    """Base class of invitations that can no longer be accepted."""


class InvitationExpired(InvitationUnusable):
    """The invitation's expiry time has passed."""


class InvitationRevoked(InvitationUnusable):
    """An admin or owner revoked the invitation."""


class InvitationAlreadyUsed(InvitationUnusable):
    """The invitation was already accepted."""


class InvalidSlug(ValidationFailed):
    """The slug is not lowercase letters, digits and single hyphens."""


class InvalidCursor(ValidationFailed):
    """A pagination cursor is malformed or belongs to another ordering."""


class RefreshTokenInvalid(AuthenticationFailed):
    """A refresh token is unknown or malformed, or its session has ended."""


class RefreshTokenReused(AuthenticationFailed):
    """A retired refresh token was presented after its grace period; its session is revoked."""


class SessionEnded(AuthenticationFailed):
    """The session of an access token was signed out, revoked or has expired."""


class SessionNotFound(NotFound):
    """No active session with that id belongs to the caller."""


class OriginNotAllowed(DomainError):
    """A cookie-authenticated request came without an Origin header or from an unlisted one."""
