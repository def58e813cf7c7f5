"""Invitations end to end: API, page, the real arq worker, a real SMTP server, the link."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import message_from_bytes, policy
from typing import Any

import httpx
from markupsafe import escape
from sqlalchemy import update
from sqlmodel import select

from hub.db import utcnow
from hub.i18n import gettext
from hub.models import Invitation, MailMessage, NetworkMembership, User
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, csrf_of, make_user, sign_in
from tests.mailserver import MailServer, link_in, run_worker, smtp_server, smtp_settings  # noqa: F401

NEW = "nova.osoba@example.org"
NEW_PASSWORD = "a new long password"
NOT_VALID = "This invitation link is not valid any more. Ask for a new one."


@asynccontextmanager
async def stranger(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The invitee's own browser: no cookies yet."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.77", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def invite(client: httpx.AsyncClient, headers: dict[str, str], **body: str) -> httpx.Response:
    return await client.post("/api/v1/invitations", json=body, headers=headers)


@asynccontextmanager
async def accepted(
    app: Any, path: str, name: str = "Nova Osoba"
) -> AsyncIterator[httpx.AsyncClient]:
    """Open the invitation link in a fresh browser and choose a password; yields that browser."""
    async with stranger(app) as browser:
        page = await browser.get(path)
        assert page.status_code == 200, page.text
        token = await csrf_of(browser, path)
        response = await browser.post(
            path, data={"name": name, "password": NEW_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        assert "hub_session=" in response.headers["set-cookie"]
        yield browser


def not_valid_page(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert str(escape(gettext("sr-Latn", NOT_VALID))) in response.text


async def test_admin_invites_by_api_and_the_link_works_once(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    response = await invite(
        client, headers, email=NEW, name="Nova Osoba", network="javne-nabavke", role="coordinator"
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == NEW
    assert "token" not in response.text and "/invite/" not in response.text  # e-mail only

    assert smtp.to(NEW) == []  # nothing leaves before the worker runs
    await run_worker(seeded)
    [mail] = smtp.to(NEW)
    assert mail["From"] == seeded.settings.mail_from
    assert "Mreža za javne nabavke" in mail["Subject"]  # non-ASCII survives the trip
    path = link_in(mail, "/invite/")

    async with accepted(app, path) as browser:
        me = await browser.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["user"]["email"] == NEW
        assert me.json()["networks"] == [
            {
                "slug": "javne-nabavke",
                "name": me.json()["networks"][0]["name"],
                "role": "coordinator",
            }
        ]
        # The link is spent: neither the page nor the form work a second time.
        not_valid_page(await browser.get(path))
    async with stranger(app) as other:
        not_valid_page(await other.get(path))
        token = await csrf_of(other, "/signin")
        again = await other.post(
            path, data={"name": "X", "password": "another password!", "csrf_token": token}
        )
        not_valid_page(again)
    async with seeded.sessionmaker() as db:
        users = (await db.exec(select(User).where(User.email == NEW))).all()
        assert len(users) == 1
        memberships = (
            await db.exec(select(NetworkMembership).where(NetworkMembership.user_id == users[0].id))
        ).all()
        assert [m.role for m in memberships] == ["coordinator"]
        invitation = (await db.exec(select(Invitation))).one()
        assert invitation.accepted_at is not None and invitation.user_id == users[0].id
        assert (await db.exec(select(MailMessage.status))).all() == ["sent"]


async def test_the_new_account_signs_in_with_its_password(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    assert (await invite(client, headers, email=NEW, name="Đorđe Čolić")).status_code == 201
    await run_worker(seeded)
    [mail] = smtp.to(NEW)
    async with accepted(app, link_in(mail, "/invite/"), name="Đorđe Čolić") as browser:
        me = (await browser.get("/api/v1/me")).json()
        assert me["user"]["name"] == "Đorđe Čolić"
        assert me["networks"] == []  # an admin may invite to the hub without a network
    async with stranger(app) as other:
        token = await other.post(
            "/api/v1/auth/token", json={"email": NEW, "password": NEW_PASSWORD}
        )
        assert token.status_code == 200


async def test_a_bad_password_keeps_the_invitation_open(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    await invite(client, headers, email=NEW, name="Nova Osoba", network="sport")
    await run_worker(seeded)
    path = link_in(smtp.to(NEW)[0], "/invite/")
    async with stranger(app) as browser:
        token = await csrf_of(browser, path)
        short = await browser.post(
            path, data={"name": "N", "password": "short", "csrf_token": token}
        )
        assert short.status_code == 422
        assert 'id="f-password-error"' in short.text
        assert "hub_session=" not in short.headers.get("set-cookie", "")
    async with accepted(app, path):
        pass


async def test_an_expired_invitation_shows_the_not_valid_page(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    await invite(client, headers, email=NEW, name="Nova Osoba", network="sport")
    await run_worker(seeded)
    path = link_in(smtp.to(NEW)[0], "/invite/")
    async with seeded.sessionmaker() as db:
        await db.exec(update(Invitation).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
        await db.commit()
    async with stranger(app) as browser:
        not_valid_page(await browser.get(path))
        token = await csrf_of(browser, "/signin")
        not_valid_page(
            await browser.post(
                path, data={"name": "N", "password": NEW_PASSWORD, "csrf_token": token}
            )
        )
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(User).where(User.email == NEW))).all() == []


async def test_a_forged_link_shows_the_not_valid_page(app: Any, seeded: Runtime) -> None:
    async with stranger(app) as browser:
        not_valid_page(await browser.get("/invite/eyJwIjoiaW52aXRlIiwiaSI6MX0.forged.sig"))


async def test_coordinators_invite_into_their_network_only(
    client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "koordinator@example.org", networks={"sport": "coordinator"})
    await make_user(seeded, "clan@example.org", networks={"sport": "member"})
    coordinator = await api_token(client, "koordinator@example.org")
    member = await api_token(client, "clan@example.org")
    elsewhere = await invite(client, coordinator, email=NEW, name="N", network="javne-nabavke")
    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"]["code"] == "forbidden"
    nowhere = await invite(client, coordinator, email=NEW, name="N")
    assert nowhere.status_code == 422
    assert nowhere.json()["error"]["field"] == "network"
    assert (await invite(client, member, email=NEW, name="N", network="sport")).status_code == 403
    anonymous = await client.post(
        "/api/v1/invitations", json={"email": NEW, "name": "N", "network": "sport"}
    )
    assert anonymous.status_code == 401
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(Invitation))).all() == []
        assert (await db.exec(select(MailMessage))).all() == []
    ok = await invite(client, coordinator, email=NEW, name="N", network="sport")
    assert ok.status_code == 201
    await run_worker(seeded)
    assert len(smtp.to(NEW)) == 1
    assert smtp.messages == smtp.to(NEW)  # the refused attempts sent nothing


async def test_inviting_an_existing_account_is_a_conflict(
    client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    await make_user(seeded, NEW)
    headers = await api_token(client, "admin@example.org")
    response = await invite(client, headers, email=NEW.upper(), name="N", network="sport")
    assert response.status_code == 409
    bad = await invite(client, headers, email="not an address", name="N")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    role = await invite(client, headers, email="x@example.org", name="N", role="chair")
    assert role.status_code == 422 and role.json()["error"]["field"] == "role"
    await run_worker(seeded)
    assert smtp.messages == []


async def test_invitation_by_session_needs_the_csrf_header(
    client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    await sign_in(client, "admin@example.org")
    body = {"email": NEW, "name": "N", "network": "sport"}
    assert (await client.post("/api/v1/invitations", json=body)).status_code == 403
    token = await csrf_of(client, "/reset")
    response = await client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201
    await run_worker(seeded)
    assert len(smtp.to(NEW)) == 1


async def test_without_smtp_the_mail_lands_in_the_outbox(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    assert (await invite(client, headers, email=NEW, name="N", network="sport")).status_code == 201
    offline = dataclasses.replace(seeded, settings=seeded.settings.with_(smtp_url=None))
    await run_worker(offline)
    assert smtp.messages == []
    outbox = seeded.settings.outbox_dir
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml"]  # no temporary file left behind
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["To"] == NEW
    async with accepted(app, link_in(mail, "/invite/")) as browser:
        assert (await browser.get("/api/v1/me")).json()["networks"][0]["slug"] == "sport"


async def test_the_invitation_page_form(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    """A coordinator uses the page form: their network works, another one is refused."""
    await make_user(seeded, "koordinator@example.org", networks={"sport": "coordinator"})
    await sign_in(client, "koordinator@example.org")
    token = await csrf_of(client, "/admin/invitations")
    form = {"email": NEW, "name": "Nova Osoba", "role": "member", "csrf_token": token}
    refused = await client.post("/admin/invitations", data={**form, "network": "javne-nabavke"})
    assert refused.status_code == 403
    response = await client.post("/admin/invitations", data={**form, "network": "sport"})
    assert response.status_code == 303, response.text
    await run_worker(seeded)
    [mail] = smtp.messages
    assert mail["To"] == NEW
    async with accepted(app, link_in(mail, "/invite/")) as browser:
        me = (await browser.get("/api/v1/me")).json()
        assert [(n["slug"], n["role"]) for n in me["networks"]] == [("sport", "member")]


async def test_a_hidden_network_looks_unknown_to_inviters(
    client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    """Members-only networks are not revealed by inviting into them (404-style, not 403)."""
    await make_user(seeded, "koordinator@example.org", networks={"sport": "coordinator"})
    coordinator = await api_token(client, "koordinator@example.org")
    hidden = await invite(client, coordinator, email=NEW, name="N", network="romska-pitanja")
    unknown = await invite(client, coordinator, email=NEW, name="N", network="no-such-network")
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json() == unknown.json()


async def test_a_double_submitted_acceptance_makes_one_account(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    await invite(client, headers, email=NEW, name="N", network="sport")
    await run_worker(seeded)
    path = link_in(smtp.to(NEW)[0], "/invite/")
    async with stranger(app) as browser:
        token = await csrf_of(browser, path)
        form = {"name": "Nova Osoba", "password": NEW_PASSWORD, "csrf_token": token}
        first, second = await asyncio.gather(
            browser.post(path, data=form), browser.post(path, data=form)
        )
    # One account; the other submission finds the link spent (or, a moment later, the account).
    statuses = sorted([first.status_code, second.status_code])
    assert statuses[0] == 303 and statuses[1] in (404, 409), statuses
    async with seeded.sessionmaker() as db:
        assert len((await db.exec(select(User).where(User.email == NEW))).all()) == 1
        assert len((await db.exec(select(NetworkMembership))).all()) == 1


async def test_a_revoked_invitation_shows_the_not_valid_page(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    from hub.actions.context import act
    from hub.actions.invitations import do_revoke_invitation

    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    created = await invite(client, headers, email=NEW, name="N", network="sport")
    await run_worker(seeded)
    path = link_in(smtp.to(NEW)[0], "/invite/")
    async with act(seeded, system=True) as ctx:
        await do_revoke_invitation(ctx, created.json()["id"])
    async with stranger(app) as browser:
        not_valid_page(await browser.get(path))


async def test_undeliverable_mail_ends_failed_with_the_reason(
    client: httpx.AsyncClient, seeded: Runtime, smtp: MailServer
) -> None:
    """The last try of the real job against a port where nothing listens marks the row failed."""
    from workers.mail import MAX_TRIES, deliver_mail

    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    await invite(client, headers, email=NEW, name="N", network="sport")
    async with seeded.sessionmaker() as db:
        message = (await db.exec(select(MailMessage))).one()
    closed = f"smtp://127.0.0.1:{smtp.port}"
    smtp.stop()  # nothing listens on that port any more
    nowhere = dataclasses.replace(seeded, settings=seeded.settings.with_(smtp_url=closed))
    result = await deliver_mail({"runtime": nowhere, "job_try": MAX_TRIES}, message.id)
    assert result == "failed"
    async with seeded.sessionmaker() as db:
        row = await db.get(MailMessage, message.id)
        assert row is not None
        assert row.status == "failed" and row.attempts == MAX_TRIES and row.last_error
