"""Secrets: password hashes, session and API tokens, signed links, CSRF tokens.

Nothing here touches the database; hub.actions.accounts stores what these functions make.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


def configure_hasher(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Change the argon2 cost (the test suite makes it cheap; production keeps the defaults)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash = None


# Verifying against this keeps "unknown e-mail" as slow as "wrong password".
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password, used to even out timing")
    return _dummy_hash


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hashed(password: str) -> str:
    """hash_password off the event loop. Argon2 spends tens of milliseconds of CPU by design and
    releases the GIL meanwhile: in a thread, the process's other requests and sockets go on."""
    return await asyncio.to_thread(hash_password, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """verify_password off the event loop (see `hashed`)."""
    return await asyncio.to_thread(verify_password, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a session or API token: a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, binding: str) -> str:
    """A token bound to the session (or, before sign-in, to the anonymous cookie)."""
    return hmac.new(secret_key.encode(), b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, binding: str, candidate: str | None) -> bool:
    if not candidate or not binding:
        return False
    return hmac.compare_digest(csrf_token(secret_key, binding), candidate)


class LinkSigner:
    """Signed, expiring links for invitations and password resets."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="hub.links")

    def sign(self, purpose: str, payload: dict[str, object]) -> str:
        return self._serializer.dumps({"p": purpose, **payload})

    def load(self, purpose: str, token: str, max_age_seconds: int) -> dict[str, object] | None:
        try:
            data = self._serializer.loads(token, max_age=max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict) or data.get("p") != purpose:
            return None
        return data
