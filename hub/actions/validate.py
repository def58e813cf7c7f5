"""check_* helpers shared by the actions: each raises Invalid naming the field."""

from __future__ import annotations

import re

from hub.actions.errors import N_, Invalid
from hub.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hub.config import LANGUAGES

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

NAME_MAX = 120
TITLE_MAX = 200
DESCRIPTION_MAX = 2000


def check_email(value: str | None, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        raise Invalid(N_("Enter an e-mail address."), field=field)
    if len(email) > 254 or not _EMAIL.match(email):
        raise Invalid(N_("This is not a valid e-mail address."), field=field)
    return email


def check_name(value: str | None, field: str = "name", max_length: int = NAME_MAX) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise Invalid(N_("This field is required."), field=field)
    if len(name) > max_length:
        raise Invalid(N_("At most %(max)d characters, please."), field=field, max=max_length)
    return name


def check_text(value: str | None, field: str, max_length: int = DESCRIPTION_MAX) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise Invalid(N_("At most %(max)d characters, please."), field=field, max=max_length)
    return text


def check_password(value: str | None, field: str = "password") -> str:
    password = value or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            N_("The password must have at least %(min)d characters."),
            field=field,
            min=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            N_("The password may have at most %(max)d characters."),
            field=field,
            max=MAX_PASSWORD_LENGTH,
        )
    return password


def check_language(value: str | None, field: str = "language") -> str:
    if value not in LANGUAGES:
        raise Invalid(N_("Choose one of the offered languages."), field=field)
    return value


def check_choice(value: str | None, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise Invalid(N_("Choose one of: %(choices)s."), field=field, choices=", ".join(choices))
    return value


def check_slug(value: str | None, field: str = "slug") -> str:
    slug = (value or "").strip()
    if not _SLUG.match(slug) or len(slug) > 80:
        raise Invalid(N_("Use lower-case letters, digits and hyphens only."), field=field)
    return slug
