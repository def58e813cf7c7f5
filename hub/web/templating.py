"""Jinja2 with gettext in the reader's language; one `render` for pages and partials."""

from __future__ import annotations

import contextvars
import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hub import channels, i18n
from hub.i18n.script import for_script, html_for_script
from hub.models.engagement import REACTION_EMOJI, ReactionKind
from hub.web.visitor import visitor

ROOT = Path(__file__).resolve().parent.parent  # the hub package: templates and static ship in it
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

# Fragments kept across requests (hub.web.fragments) carry this in place of the reader's CSRF
# token; `render` puts the token in. Random per process, so no one can write it into a post.
CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)

current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_language", default="sr-Latn"
)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render in `code` (for instance a live partial in the recipient's language)."""
    token = current_language.set(code)
    try:
        yield
    finally:
        current_language.reset(token)


def _gettext(message: str, **params: Any) -> str:
    text = i18n.translations(current_language.get()).gettext(message)
    return text % params if params else text


# Translations without variables as templates show them, by (language, message): the catalogs
# are loaded once per process (hub.i18n.translations), so the answer never changes.
_SHOWN: dict[tuple[str, str], Markup] = {}


@pass_context
def _template_gettext(context: Context, message: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: what jinja2.ext's newstyle gettext does (the
    translation escaped when autoescaping, and always %-formatted, so "%%" reads "%"), with a
    translation without variables made once per language instead of at every call."""
    if variables or not context.eval_ctx.autoescape:
        text = _gettext(message)
        # Translations are the catalogs' markup, as in jinja2.ext; the variables are escaped.
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704
    key = (current_language.get(), message)
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = Markup(_gettext(message)) % {}  # noqa: S704
    return shown


def _ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = i18n.translations(current_language.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def _date(value: dt.datetime | dt.date | None, form: str = "long") -> str:
    return "" if value is None else i18n.format_date(value, current_language.get(), form)


def _datetime(value: dt.datetime | None) -> str:
    return "" if value is None else i18n.format_datetime(value, current_language.get())


def _date_in_text(value: dt.datetime | dt.date | None) -> str:
    return "" if value is None else i18n.format_date_in_text(value, current_language.get())


def _datetime_in_text(value: dt.datetime | None) -> str:
    return "" if value is None else i18n.format_datetime_in_text(value, current_language.get())


def _number(value: float) -> str:
    return i18n.format_number(value, current_language.get())


def _script(text: str | None) -> str:
    """User-written or seeded text in the reader's script (Serbian readers only)."""
    return for_script(text or "", current_language.get())


def _script_html(html: str | None) -> Markup:
    """Sanitised post HTML in the reader's script; tags, code blocks and links stay as stored."""
    return Markup(html_for_script(html or "", current_language.get()))  # noqa: S704


def _filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{_number(round(size / 1024))} KB"
    return f"{_number(round(size / (1024 * 1024), 1))} MB"


def _localized_name(obj: Any) -> str:
    if current_language.get() == "en" and getattr(obj, "name_en", None):
        return str(obj.name_en)
    return _script(obj.name)


def _isoformat(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


# The language switch names each choice briefly, in its own script (its label says what it is).
SHORT_LANGUAGES = {"sr-Latn": "Latinica", "sr-Cyrl": "Ћирилица", "en": "English"}
_NO_RETURN = ("/signin", "/signout", "/reset", "/invite")


def signin_href(request: Request) -> str:
    """The sign-in link of a page: back to this page afterwards (a relative path only)."""
    path = request.url.path
    if request.method != "GET" or path == "/" or path.startswith(_NO_RETURN):
        return "/signin"
    here = path + ("?" + request.url.query if request.url.query else "")
    return "/signin?" + urlencode({"next": here})


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    # One call instead of three (the `_` alias, then jinja2.ext's wrapper, then _gettext).
    env.globals.update(_=_template_gettext, gettext=_template_gettext)
    env.filters.update(
        date=_date,
        datetime=_datetime,
        date_in_text=_date_in_text,  # inside a sentence: "do 5. decembra 2026."
        datetime_in_text=_datetime_in_text,
        number=_number,
        script=_script,
        script_html=_script_html,
        filesize=_filesize,
        lname=_localized_name,
        iso=_isoformat,
    )
    env.globals.update(
        REACTIONS=[(kind.value, REACTION_EMOJI[kind]) for kind in ReactionKind],
        LANGUAGES=i18n.LANGUAGE_NAMES,
        SHORT_LANGUAGES=SHORT_LANGUAGES,
        signin_href=signin_href,
        current_language=current_language.get,
        # Pages name the channels they subscribe to with the functions that name them for the
        # events ({{ channels.thread(thread.id) }}), so a page and its events cannot disagree.
        channels=channels,
    )
    return env


ENV = make_environment()


def render_string(template: str, **context: Any) -> Markup:
    """Render a template (a partial) to HTML in the current language."""
    return Markup(ENV.get_template(template).render(**context))  # noqa: S704


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    found = visitor(request)
    settings = request.app.state.runtime.settings
    full = {
        "request": request,
        "visitor": found,
        "csrf_token": found.csrf(settings.secret_key),
        "lang": found.language,
        **(context or {}),
    }
    with language(found.language):
        html = ENV.get_template(template).render(**full)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, full["csrf_token"])
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
