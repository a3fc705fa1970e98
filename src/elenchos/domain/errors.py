"""Domain errors: one class per failure, all under DomainError.

The HTTP layer maps these classes to status codes and problem codes in one
table; nothing here knows about HTTP.
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
    """Unknown email or wrong password; the two are never told apart."""


class AccountDisabled(AuthenticationFailed):
    """The account exists but was disabled by an operator."""


class EmailNotVerified(AuthenticationFailed):
    """The account has not verified its email address yet."""


class InvalidToken(AuthenticationFailed):
    """An access token is malformed, forged, expired or not for us."""


class NotFound(DomainError):
    """The requested object does not exist or is not visible to the caller."""


class UserNotFound(NotFound):
    """No user with that id."""
