"""Render mail from the Jinja2 templates under templates/email."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from elenchos.application.links import LinkBuilder
from elenchos.application.mail import EmailMessage, MailRenderingFailed

# Every character that some mail software treats as a line break.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def single_line(text: str) -> str:
    """Return text with line breaks replaced by spaces, so it cannot start a new header."""
    return " ".join(_LINE_BREAKS.sub(" ", text).split())


def mail_environment(directory: Path) -> jinja2.Environment:
    """Return the environment of the mail templates: HTML autoescaped, undefined names fatal."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # For values users choose, such as display names and user agents, so a
    # line break in one cannot reshape the text part.
    environment.filters["single_line"] = single_line
    return environment


class JinjaMailRenderer:
    """Render `<name>.txt` and `<name>.html`; the subject is the text template's subject block."""

    def __init__(
        self,
        directory: Path,
        links: LinkBuilder,
        product_name: str,
        public_url: str,
        support_email: str | None = None,
    ) -> None:
        self._environment = mail_environment(directory)
        self._globals = {
            "links": links,
            "product_name": product_name,
            "public_url": public_url,
            "support_email": support_email,
        }

    def render(self, template: str, recipient: str, context: dict[str, Any]) -> EmailMessage:
        values = {**context, **self._globals, "recipient": recipient}
        try:
            text_template = self._environment.get_template(f"{template}.txt")
            html_template = self._environment.get_template(f"{template}.html")
            subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
            text = text_template.render(values)
            html = html_template.render(values)
        except (jinja2.TemplateError, KeyError) as exc:
            # The error names the template and the failure but not the values,
            # which may include a link token.
            raise MailRenderingFailed(
                f"the mail template {template!r} failed to render: {type(exc).__name__}"
            ) from exc
        return EmailMessage(
            to=recipient,
            subject=single_line(subject),
            text=text,
            html=html,
            headers={"Auto-Submitted": "auto-generated"},
        )
