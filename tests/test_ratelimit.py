"""The sign-in rate limit: per client address and per account, on the page and the API (S6)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from hub.config import Settings
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.conftest import PASSWORD, csrf_of, make_user

EMAIL = "ana@example.org"


@asynccontextmanager
async def from_address(app: Any, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await csrf_of(client, "/reset")
    return await client.post(
        "/signin", data={"email": email, "password": password, "csrf_token": token}
    )


def assert_blocked(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= window
    assert "hub_session" not in response.headers.get("set-cookie", "")


async def test_failures_from_one_address_are_blocked(app: Any, runtime: Runtime) -> None:
    settings = runtime.settings
    await make_user(runtime, EMAIL)
    others = [f"user{i}@example.org" for i in range(settings.signin_max_failures)]
    async with from_address(app, "198.51.100.1") as client:
        # Failures on different accounts: only the address ties them together.
        for email in others:
            assert (await attempt(client, email, "wrong password")).status_code == 422
        assert_blocked(
            await attempt(client, EMAIL, "wrong password"), settings.signin_window_seconds
        )
        # The right password does not get through while the address is blocked.
        assert_blocked(await attempt(client, EMAIL, PASSWORD), settings.signin_window_seconds)
        api = await client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
        assert api.status_code == 429
        assert api.json()["error"]["code"] == "rate_limited"
        assert 0 < int(api.headers["retry-after"]) <= settings.signin_window_seconds
    # Another address is not affected (the account itself saw no failures).
    async with from_address(app, "198.51.100.2") as client:
        assert (await attempt(client, EMAIL, PASSWORD)).status_code == 303


async def test_the_limit_is_exactly_the_setting(app: Any, runtime: Runtime) -> None:
    limit = runtime.settings.signin_max_failures
    await make_user(runtime, EMAIL)
    async with from_address(app, "198.51.100.3") as client:
        for _ in range(limit - 1):
            assert (await attempt(client, EMAIL, "wrong password")).status_code == 422
        # One failure short of the limit, the right password still signs in...
        assert (await attempt(client, EMAIL, PASSWORD)).status_code == 303
    async with from_address(app, "198.51.100.4") as client:
        for _ in range(limit):
            assert (await attempt(client, "nobody@example.org", "x")).status_code == 422
        assert (await attempt(client, "nobody@example.org", "x")).status_code == 429


async def test_failures_spread_over_addresses_block_the_account(app: Any, runtime: Runtime) -> None:
    settings = runtime.settings
    await make_user(runtime, EMAIL)
    await make_user(runtime, "bojan@example.org")
    for n in range(settings.signin_max_failures):
        async with from_address(app, f"198.51.100.{10 + n}") as client:
            assert (await attempt(client, EMAIL, "wrong password")).status_code == 422
    async with from_address(app, "198.51.100.99") as client:
        # A fresh address, the right password, an e-mail written differently: still blocked.
        assert_blocked(await attempt(client, EMAIL, PASSWORD), settings.signin_window_seconds)
        assert_blocked(
            await attempt(client, " ANA@Example.org ", PASSWORD), settings.signin_window_seconds
        )
        # Other accounts from that address are not.
        assert (await attempt(client, "bojan@example.org", PASSWORD)).status_code == 303


async def test_the_api_counts_with_the_page(app: Any, runtime: Runtime) -> None:
    limit = runtime.settings.signin_max_failures
    await make_user(runtime, EMAIL)
    async with from_address(app, "198.51.100.5") as client:
        for _ in range(limit):
            response = await client.post(
                "/api/v1/auth/token", json={"email": EMAIL, "password": "wrong password"}
            )
            assert response.status_code == 422
        assert (await attempt(client, EMAIL, PASSWORD)).status_code == 429


async def test_a_forwarded_header_is_not_believed_from_strangers(
    app: Any, runtime: Runtime
) -> None:
    """Without configured proxies, X-Forwarded-For cannot buy an attacker fresh addresses."""
    limit = runtime.settings.signin_max_failures
    await make_user(runtime, EMAIL)
    async with from_address(app, "198.51.100.6") as client:
        for n in range(limit + 1):
            token = await csrf_of(client, "/reset")
            response = await client.post(
                "/signin",
                data={"email": f"u{n}@example.org", "password": "x", "csrf_token": token},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            )
        assert response.status_code == 429


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    settings: Settings, runtime: Runtime
) -> None:
    proxied = settings.with_(trusted_proxies=("10.0.0.0/8",))
    app = create_app(proxied, runtime=dataclasses.replace(runtime, settings=proxied))
    limit = settings.signin_max_failures
    await make_user(runtime, EMAIL)

    async def attempt_as(client: httpx.AsyncClient, forwarded: str, email: str, pw: str) -> int:
        token = await csrf_of(client, "/reset")
        response = await client.post(
            "/signin",
            data={"email": email, "password": pw, "csrf_token": token},
            headers={"X-Forwarded-For": forwarded},
        )
        return response.status_code

    async with from_address(app, "10.0.0.1") as proxy:
        for n in range(limit):
            # The client may prepend anything; the proxy appends the address it saw.
            seen = await attempt_as(proxy, f"203.0.113.{n}, 192.0.2.1", f"u{n}@example.org", "x")
            assert seen == 422
        assert await attempt_as(proxy, "192.0.2.1", EMAIL, PASSWORD) == 429
        # Another client behind the same proxy is not blocked by its neighbour.
        assert await attempt_as(proxy, "192.0.2.2", EMAIL, PASSWORD) == 303
