"""Built-in pages that complete the mail-link flows with plain HTML forms.

Links carry the token as ?token=...; the GET pages only show a form, and
the state changes on its POST, because mail scanners open links on their own.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Form, Query, Response
from fastapi.responses import HTMLResponse

from elenchos.application.account_mail import format_time
from elenchos.application.accounts import ClientInfo
from elenchos.application.invitation_acceptance import (
    TOKEN_MAX_LENGTH as INVITATION_TOKEN_MAX_LENGTH,
)
from elenchos.domain.errors import (
    AccountDisabled,
    InvalidPassword,
    InvitationNotFound,
    InvitationUnusable,
    LinkTokenExpired,
    LinkTokenInvalid,
    LinkTokenUsed,
    RateLimited,
)
from elenchos.domain.tokens import TOKEN_MAX_LENGTH
from elenchos.http.dependencies import ClientDep, ContainerDep
from elenchos.http.email_flow_schemas import PASSWORD_FIELD_MAX_LENGTH
from elenchos.resources import resource_dir

router = APIRouter(prefix="/ui", include_in_schema=False)

SECURITY_HEADERS = {
    # The page URL contains a link token, so no Referer may carry it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
STYLESHEET_MAX_AGE_SECONDS = 3600

TokenQuery = Annotated[str, Query(max_length=TOKEN_MAX_LENGTH)]
TokenForm = Annotated[str, Form(max_length=TOKEN_MAX_LENGTH)]
PasswordForm = Annotated[str, Form(max_length=PASSWORD_FIELD_MAX_LENGTH)]
EmailForm = Annotated[str, Form(max_length=320)]

# Names of the two flows whose link a visitor can request again. The
# request_link.html template words its form after them.
VERIFICATION_FLOW = "verify-email"
RESET_FLOW = "reset-password"


@functools.cache
def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _page(
    container: ContainerDep, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    environment = _environment(resource_dir("templates") / "pages")
    html = environment.get_template(template).render(
        product_name=container.settings.product_name, pages=router.prefix, **context
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def _message(
    container: ContainerDep,
    title: str,
    text: str,
    status_code: int = 200,
    new_link_page: str | None = None,
) -> HTMLResponse:
    return _page(
        container,
        "message.html",
        status_code,
        title=title,
        text=text,
        new_link_page=new_link_page,
    )


def _link_error(
    container: ContainerDep, error: LinkTokenInvalid, new_link_page: str
) -> HTMLResponse:
    if isinstance(error, LinkTokenExpired):
        title, status_code = "This link has expired", 410
    elif isinstance(error, LinkTokenUsed):
        title, status_code = "This link was already used", 410
    else:
        title, status_code = "This link is not valid", 400
    return _message(container, title, str(error), status_code, new_link_page)


def _request_form(
    container: ContainerDep, flow: str, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    return _page(container, "request_link.html", status_code, flow=flow, error=error)


async def _request_link(
    container: ContainerDep, flow: str, email: str, client: ClientInfo
) -> HTMLResponse:
    request = (
        container.use_cases.request_password_reset
        if flow == RESET_FLOW
        else container.use_cases.resend_verification
    )
    try:
        await request(email, client)
    except RateLimited as error:
        response = _request_form(container, flow, 429, str(error))
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    container.nudge_outbox()
    return _message(
        container,
        "Check your mail",
        "If the address has an account that needs this link, the mail is on its way.",
    )


@router.get("/style.css")
async def stylesheet() -> Response:
    css = (resource_dir("templates") / "pages" / "style.css").read_text(encoding="utf-8")
    return Response(
        css,
        media_type="text/css",
        headers={"Cache-Control": f"public, max-age={STYLESHEET_MAX_AGE_SECONDS}"},
    )


@router.get("/verify-email")
async def verify_email_page(container: ContainerDep, token: TokenQuery = "") -> HTMLResponse:
    if not token:
        return _request_form(container, VERIFICATION_FLOW)
    return _page(container, "verify_email.html", token=token)


@router.post("/verify-email")
async def verify_email_form(
    container: ContainerDep, client: ClientDep, token: TokenForm
) -> HTMLResponse:
    try:
        await container.use_cases.verify_email(token, client)
    except LinkTokenInvalid as error:
        return _link_error(container, error, new_link_page=f"{router.prefix}/verify-email")
    return _message(container, "Email address verified", "You can now sign in.")


@router.post("/verify-email/request")
async def request_verification_form(
    container: ContainerDep, client: ClientDep, email: EmailForm
) -> HTMLResponse:
    return await _request_link(container, VERIFICATION_FLOW, email, client)


@router.get("/reset-password")
async def reset_password_page(container: ContainerDep, token: TokenQuery = "") -> HTMLResponse:
    if not token:
        return _request_form(container, RESET_FLOW)
    return _page(container, "reset_password.html", token=token, error=None)


@router.post("/reset-password")
async def reset_password_form(
    container: ContainerDep,
    client: ClientDep,
    token: TokenForm,
    new_password: PasswordForm,
    new_password_repeat: PasswordForm,
) -> HTMLResponse:
    if new_password != new_password_repeat:
        return _page(
            container,
            "reset_password.html",
            422,
            token=token,
            error="The two passwords differ. Enter the same password twice.",
        )
    try:
        await container.use_cases.confirm_password_reset(token, new_password, client)
    except InvalidPassword as error:
        return _page(container, "reset_password.html", 422, token=token, error=str(error))
    except LinkTokenInvalid as error:
        return _link_error(container, error, new_link_page=f"{router.prefix}/reset-password")
    except AccountDisabled as error:
        return _message(container, "This account is disabled", str(error), 403)
    container.nudge_outbox()
    return _message(
        container, "Password changed", "Your new password is set. You can now sign in with it."
    )


@router.post("/reset-password/request")
async def request_reset_form(
    container: ContainerDep, client: ClientDep, email: EmailForm
) -> HTMLResponse:
    return await _request_link(container, RESET_FLOW, email, client)


@router.get("/accept-invitation")
async def accept_invitation_page(
    container: ContainerDep,
    token: Annotated[str, Query(max_length=INVITATION_TOKEN_MAX_LENGTH)] = "",
) -> HTMLResponse:
    """Show the invitation behind a link and the next step.

    Accepting needs a signed-in user or a sign-up, which this page leaves to
    the application or the API, so the page itself changes nothing.
    """
    try:
        preview = await container.use_cases.organisations.preview_invitation(token)
    except InvitationNotFound as error:
        return _message(container, "This invitation was not found", str(error), 404)
    except InvitationUnusable as error:
        return _message(container, "This invitation can no longer be used", str(error), 410)
    return _page(
        container,
        "accept-invitation.html",
        preview=preview,
        expires_at=format_time(preview.expires_at),
        docs_url=container.settings.public_url.rstrip("/") + "/docs",
    )
