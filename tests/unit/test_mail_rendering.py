"""Mail templates, links and MIME encoding: every message renders, and user values stay inert."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from elenchos.adapters.jinja.mail import JinjaMailRenderer, single_line
from elenchos.adapters.smtp.mime import build_mime
from elenchos.application.links import LinkBuilder
from elenchos.application.mail import EmailMessage, MailRenderingFailed, MailTemplate
from elenchos.resources import resource_dir

HOSTILE_NAME = 'Eve <script>alert("x")</script>\r\nBcc: victim@example.com'
CONTEXTS: dict[MailTemplate, dict[str, Any]] = {
    MailTemplate.VERIFY_EMAIL: {"token": "tok-verify", "expires_in_hours": 24},
    MailTemplate.PASSWORD_RESET: {
        "token": "tok-reset",
        "display_name": HOSTILE_NAME,
        "expires_in_minutes": 60,
    },
    MailTemplate.PASSWORD_CHANGED: {"display_name": HOSTILE_NAME, "changed_at": "2026-01-01"},
    MailTemplate.SIGN_IN_NOTICE: {
        "display_name": HOSTILE_NAME,
        "signed_in_at": "2026-01-01 00:00:00 UTC",
        "ip_address": "192.0.2.1",
        "user_agent": "<b>Agent</b>\nX-Injected: yes",
    },
    MailTemplate.SIGN_UP_ATTEMPT: {"display_name": None, "attempted_at": "2026-01-01"},
}


def renderer(frontend_url: str | None = None) -> JinjaMailRenderer:
    return JinjaMailRenderer(
        resource_dir("templates") / "email",
        LinkBuilder("https://auth.example.com", frontend_url),
        product_name="Acme <Auth>",
        public_url="https://auth.example.com",
        support_email="help@example.com",
    )


@pytest.mark.parametrize("template", list(CONTEXTS))
def test_every_template_renders_both_parts(template: MailTemplate) -> None:
    message = renderer().render(template.value, "ada@example.com", CONTEXTS[template])

    assert message.subject
    assert "\n" not in message.subject
    assert "Acme <Auth>" in message.text
    assert "Acme &lt;Auth&gt;" in message.html
    assert "help@example.com" in message.text


@pytest.mark.parametrize("template", list(CONTEXTS))
def test_user_values_cannot_inject_markup(template: MailTemplate) -> None:
    message = renderer().render(template.value, "ada@example.com", CONTEXTS[template])

    assert "<script>" not in message.html
    assert "<b>Agent</b>" not in message.html
    assert "\nBcc:" not in message.text
    assert "\nX-Injected" not in message.text


def test_hostile_name_is_escaped_in_html() -> None:
    context = CONTEXTS[MailTemplate.SIGN_IN_NOTICE]

    message = renderer().render("sign_in_notice", "ada@example.com", context)

    assert "Eve &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Bcc: victim@example.com" in (
        message.html
    )
    assert 'Eve <script>alert("x")</script> Bcc: victim@example.com' in message.text


def test_mime_has_only_our_headers() -> None:
    rendered = renderer().render(
        "sign_in_notice", "ada@example.com", CONTEXTS[MailTemplate.SIGN_IN_NOTICE]
    )

    raw = build_mime(rendered, "Acme <no-reply@example.com>").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert sorted(parsed.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )
    assert parsed["To"] == "ada@example.com"
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert parsed["Message-ID"].endswith("@example.com>")


@pytest.mark.parametrize("field", ["subject", "to"])
def test_mime_rejects_line_breaks_in_headers(field: str) -> None:
    values = {"to": "ada@example.com", "subject": "Hello", "text": "t", "html": "<p>h</p>"}
    values[field] += "\r\nBcc: victim@example.com"

    with pytest.raises(MailRenderingFailed):
        build_mime(EmailMessage(**values), "no-reply@example.com")


@pytest.mark.parametrize(
    "text", ["a\r\nb", "a\nb", "a\rb", "a\u2028b", "a\x0bb", "a\x85b", "  a \n\n b  "]
)
def test_single_line_removes_line_breaks(text: str) -> None:
    assert single_line(text) == "a b"


def test_links_go_to_frontend_when_set() -> None:
    message = renderer("https://app.example.com/").render(
        "verify_email", "ada@example.com", CONTEXTS[MailTemplate.VERIFY_EMAIL]
    )

    assert "https://app.example.com/verify-email?token=tok-verify" in message.text
    assert "/ui/" not in message.text


def test_links_go_to_built_in_pages_by_default() -> None:
    links = LinkBuilder("https://auth.example.com/")

    assert links.verify_email("a b+c") == "https://auth.example.com/ui/verify-email?token=a+b%2Bc"
    assert links.reset_password("t") == "https://auth.example.com/ui/reset-password?token=t"
    assert links.request_password_reset() == "https://auth.example.com/ui/reset-password"


def test_missing_context_value_fails_rendering() -> None:
    with pytest.raises(MailRenderingFailed) as raised:
        renderer().render("verify_email", "ada@example.com", {"expires_in_hours": 24})

    assert "verify_email" in str(raised.value)


def test_unknown_template_fails_rendering() -> None:
    with pytest.raises(MailRenderingFailed):
        renderer().render("nope", "ada@example.com", {})
