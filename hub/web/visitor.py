"""Who is asking: resolved once per request from the session cookie or a bearer token."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from hub.actions.context import KnownActor
from hub.auth import csrf_token, token_hash
from hub.config import Settings

SESSION_COOKIE = "hub_session"
ANON_COOKIE = "hub_anon"
LANG_COOKIE = "hub_lang"


@dataclass
class Visitor:
    user_id: int | None = None
    name: str = ""
    is_admin: bool = False
    language: str = "sr-Latn"
    via: str = ""  # "session", "token" or "" for anonymous
    session_token: str | None = None
    anon_id: str | None = None
    set_anon_cookie: bool = False
    unread: int = 0  # the bell: unread notifications (pages of signed-in browsers only)
    # The user and principal the credential check loaded: taken by the request's first action.
    known: KnownActor | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def csrf_binding(self) -> str:
        if self.session_token:
            return "s:" + token_hash(self.session_token)
        return "a:" + (self.anon_id or "")

    def csrf(self, secret_key: str) -> str:
        return csrf_token(secret_key, self.csrf_binding())


def visitor(conn: HTTPConnection) -> Visitor:
    found: Visitor = conn.scope["state"]["visitor"]
    return found


def client_ip(conn: HTTPConnection, settings: Settings) -> str:
    """The client's address; X-Forwarded-For is believed only from a configured proxy (S6)."""
    peer = conn.client.host if conn.client else ""
    if not settings.trusted_proxies or not _trusted(peer, settings.trusted_proxies):
        return peer
    hops = [h.strip() for h in conn.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, settings.trusted_proxies):
            return hop
    return peer


def _trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for proxy in proxies:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False
