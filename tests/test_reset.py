"""Password reset end to end: the request page, the real worker and SMTP server, the link."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import select

from hub.actions.accounts import do_set_user_flags
from hub.actions.context import act
from hub.i18n import gettext
from hub.models import AuthSession, MailMessage
from hub.plumbing.runtime import Runtime
from tests.conftest import PASSWORD, api_token, csrf_of, make_user, sign_in
from tests.mailserver import MailServer, link_in, run_worker, smtp_server, smtp_settings  # noqa: F401

EMAIL = "ana@example.org"
NEW_PASSWORD = "a brand new password"


@asynccontextmanager
async def browser(app: Any, ip: str = "198.51.100.40") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def request_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_of(client, "/reset")
    return await client.post("/reset", data={"email": email, "csrf_token": token})


async def set_password(client: httpx.AsyncClient, path: str, password: str) -> httpx.Response:
    token = await csrf_of(client, path)
    return await client.post(path, data={"password": password, "csrf_token": token})


async def works(app: Any, email: str, password: str) -> bool:
    async with browser(app, "198.51.100.41") as c:
        response = await c.post("/api/v1/auth/token", json={"email": email, "password": password})
    return response.status_code == 200


async def test_reset_by_mail_signs_in_and_ends_other_sessions(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    await make_user(runtime, EMAIL)
    async with browser(app, "198.51.100.42") as laptop, browser(app, "198.51.100.43") as phone:
        await sign_in(laptop, EMAIL)
        await sign_in(phone, EMAIL)
        assert (await phone.get("/api/v1/me")).status_code == 200
        script = await api_token(laptop, EMAIL)
        assert (await laptop.get("/api/v1/me", headers=script)).status_code == 200

        async with browser(app) as forgetful:
            response = await request_reset(forgetful, EMAIL)
            assert response.status_code == 200
            assert 'role="status"' in response.text
            await run_worker(runtime)
            [mail] = smtp.to(EMAIL)
            path = link_in(mail, "/reset/")

            page = await forgetful.get(path)
            assert page.status_code == 200 and EMAIL in page.text
            done = await set_password(forgetful, path, NEW_PASSWORD)
            assert done.status_code == 303
            assert done.headers["location"] == "/signin?changed=1"
            assert "hub_session=" not in done.headers.get("set-cookie", "")
            said = await forgetful.get(done.headers["location"])
            assert gettext("sr-Latn", "Your password is changed. Sign in with the new one.") in (
                said.text
            )
            await sign_in(forgetful, EMAIL, NEW_PASSWORD)
            me = await forgetful.get("/api/v1/me")
            assert me.status_code == 200 and me.json()["user"]["email"] == EMAIL

            # Every other session is over; the one signed in with the new password is left.
            assert (await laptop.get("/api/v1/me")).status_code == 401
            assert (await phone.get("/api/v1/me")).status_code == 401
            # ...and so is every API token.
            assert (await laptop.get("/api/v1/me", headers=script)).status_code == 401
            async with runtime.sessionmaker() as db:
                assert len((await db.exec(select(AuthSession))).all()) == 1

            # The link works once.
            assert (await forgetful.get(path)).status_code == 404
            token = await csrf_of(forgetful, "/reset")
            reuse = await forgetful.post(
                path, data={"password": "yet another password", "csrf_token": token}
            )
            assert reuse.status_code == 404
    assert await works(app, EMAIL, NEW_PASSWORD)
    assert not await works(app, EMAIL, PASSWORD)


async def test_unknown_address_gets_the_same_page_and_no_mail(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    await make_user(runtime, EMAIL)
    off_id = await make_user(runtime, "off@example.org")
    async with act(runtime, system=True) as ctx:
        await do_set_user_flags(ctx, off_id, is_active=False)
    async with browser(app) as client:
        known = await request_reset(client, EMAIL)
        unknown = await request_reset(client, "nobody@example.org")
        # A deactivated account is treated like an unknown one.
        off = await request_reset(client, "off@example.org")
    assert known.status_code == unknown.status_code == off.status_code == 200
    assert known.text == unknown.text == off.text
    await run_worker(runtime)
    assert [m["To"] for m in smtp.messages] == [EMAIL]
    async with runtime.sessionmaker() as db:
        assert [m.to_addr for m in (await db.exec(select(MailMessage))).all()] == [EMAIL]


async def test_a_malformed_address_is_a_field_error(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    async with browser(app) as client:
        response = await request_reset(client, "not an address")
    assert response.status_code == 422
    assert 'id="f-email-error"' in response.text


async def test_a_short_password_keeps_the_link(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    await make_user(runtime, EMAIL)
    async with browser(app) as client:
        await request_reset(client, EMAIL)
        await run_worker(runtime)
        path = link_in(smtp.to(EMAIL)[0], "/reset/")
        short = await set_password(client, path, "short")
        assert short.status_code == 422
        assert 'id="f-password-error"' in short.text
        assert (await set_password(client, path, NEW_PASSWORD)).status_code == 303
    assert await works(app, EMAIL, NEW_PASSWORD)


async def test_a_link_is_void_once_the_password_changes(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    await make_user(runtime, EMAIL)
    async with browser(app) as client:
        await request_reset(client, EMAIL)
        await run_worker(runtime)
        await request_reset(client, EMAIL)
        await run_worker(runtime)
        first, second = (link_in(m, "/reset/") for m in smtp.to(EMAIL))
        assert (await set_password(client, second, NEW_PASSWORD)).status_code == 303
        assert (await client.get(first)).status_code == 404


async def test_an_old_or_forged_link_is_refused(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    user_id = await make_user(runtime, EMAIL)
    async with browser(app) as client:
        await request_reset(client, EMAIL)
        await run_worker(runtime)
        token = link_in(smtp.to(EMAIL)[0], "/reset/").removeprefix("/reset/")

        class Earlier(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(time.time()) - runtime.settings.reset_hours * 3600 - 60

        # The same payload, signed with the right key but before the link's lifetime.
        payload = URLSafeTimedSerializer(runtime.settings.secret_key, salt="hub.links").loads(token)
        old = URLSafeTimedSerializer(
            runtime.settings.secret_key, salt="hub.links", signer=Earlier
        ).dumps(payload)
        assert (await client.get(f"/reset/{old}")).status_code == 404
        forged = URLSafeTimedSerializer("another key " * 4, salt="hub.links").dumps(payload)
        assert (await client.get(f"/reset/{forged}")).status_code == 404
        # An invitation-purpose link for the same id is not a reset link.
        other = URLSafeTimedSerializer(runtime.settings.secret_key, salt="hub.links").dumps(
            {**payload, "p": "invite", "i": user_id}
        )
        assert (await client.get(f"/reset/{other}")).status_code == 404
        assert (await client.get(f"/reset/{token}")).status_code == 200


async def test_reset_requests_are_rate_limited(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    async with browser(app) as client:
        statuses = [
            (await request_reset(client, f"u{n}@example.org")).status_code for n in range(11)
        ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


async def test_a_double_submitted_reset_works_once(
    app: Any, runtime: Runtime, smtp: MailServer
) -> None:
    await make_user(runtime, EMAIL)
    async with browser(app) as client:
        await request_reset(client, EMAIL)
        await run_worker(runtime)
        path = link_in(smtp.to(EMAIL)[0], "/reset/")
        token = await csrf_of(client, path)
        first, second = await asyncio.gather(
            client.post(path, data={"password": "first new password", "csrf_token": token}),
            client.post(path, data={"password": "second new password", "csrf_token": token}),
        )
    assert sorted([first.status_code, second.status_code]) == [303, 404]
    winner = "first new password" if first.status_code == 303 else "second new password"
    assert await works(app, EMAIL, winner)
    async with runtime.sessionmaker() as db:  # a reset signs no one in, the winner included
        assert (await db.exec(select(AuthSession))).all() == []
