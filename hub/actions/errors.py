"""Errors actions raise; the web layer maps each to one HTTP status, the CLI to exit status 2."""

from __future__ import annotations


class ActionError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        # `message` is an untranslated msgid (marked with N_); the caller's layer translates it
        # into the reader's language and fills in `params`.
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class NotSignedIn(ActionError):
    status = 401
    code = "not_signed_in"


class Forbidden(ActionError):
    status = 403
    code = "forbidden"


class NotFound(ActionError):
    status = 404
    code = "not_found"


class Conflict(ActionError):
    status = 409
    code = "conflict"


class Invalid(ActionError):
    status = 422
    code = "invalid"


class RateLimited(ActionError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **params: object) -> None:
        super().__init__(message, field=None, **params)
        self.retry_after = retry_after
