"""URLs of the pages that mail links open."""

from __future__ import annotations

from urllib.parse import urlencode

# Paths under the built-in pages and under an SPA's base URL.
BUILT_IN_PAGES_PREFIX = "/ui"
VERIFY_EMAIL_PATH = "/verify-email"
RESET_PASSWORD_PATH = "/reset-password"
ACCEPT_INVITATION_PATH = "/accept-invitation"


class LinkBuilder:
    """Build mail links to the SPA when a frontend URL is set, else to the built-in pages.

    Tokens travel in the query string as ?token=... and the pages that open
    them send Referrer-Policy: no-referrer, so the token does not leak onwards.
    """

    def __init__(self, public_url: str, frontend_url: str | None = None) -> None:
        if frontend_url:
            self._base = frontend_url.rstrip("/")
        else:
            self._base = public_url.rstrip("/") + BUILT_IN_PAGES_PREFIX

    def verify_email(self, token: str) -> str:
        return self._with_token(VERIFY_EMAIL_PATH, token)

    def reset_password(self, token: str) -> str:
        return self._with_token(RESET_PASSWORD_PATH, token)

    def accept_invitation(self, token: str) -> str:
        return self._with_token(ACCEPT_INVITATION_PATH, token)

    def request_password_reset(self) -> str:
        """Return the page where a user asks for a reset link; it carries no token."""
        return self._base + RESET_PASSWORD_PATH

    def _with_token(self, path: str, token: str) -> str:
        return f"{self._base}{path}?{urlencode({'token': token})}"
