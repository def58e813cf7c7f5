"""Notification mail through the real worker and a real SMTP server (aiosmtpd): after the
delay, once, not when read in the app, one mail per burst, RFC 8058 headers, a one-click
unsubscribe that works signed out and only for its person, the settings obeyed (N2, N3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.notify_mail import mail_due_notifications, unsubscribe_token, unsubscribe_user
from hub.actions.threads import do_create_thread
from hub.db import utcnow
from hub.models import MailMessage, NotificationPrefs, User
from hub.plumbing.runtime import Runtime
from tests.mailserver import (  # noqa: F401
    MailServer,
    body_of,
    run_worker,
    smtp_server,
    smtp_settings,
)
from tests.proposal_helpers import NET, make_people, tokens
from tests.test_notification_api import mention
from tests.thread_helpers import view_thread
from workers.mail import reconcile_mail

MEMBER = "member@example.org"
LATER = dt.timedelta(seconds=601)  # past the default HUB_NOTIFY_MAIL_DELAY of 600


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def sweep(rt: Runtime) -> int:
    return await mail_due_notifications(rt, utcnow() + LATER)


async def test_mailed_after_the_delay_once_with_rfc8058_headers(
    seeded: Runtime, people: dict[str, int], smtp: MailServer
) -> None:
    await mention(seeded, people["author"], [people["member"]])
    assert await mail_due_notifications(seeded) == 0  # the delay has not passed
    assert await sweep(seeded) == 1
    await run_worker(seeded)
    [mail] = smtp.to(MEMBER)
    prefix = f"<{seeded.settings.base_url}/unsubscribe/"
    header = str(mail["List-Unsubscribe"])
    assert header.startswith(prefix) and header.endswith(">") and "," not in header
    token = header[len(prefix) : -1]
    assert unsubscribe_user(seeded.settings, token) == people["member"]
    url = f"{seeded.settings.base_url}/unsubscribe/{token}"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = body_of(mail)
    assert url in body and f"{seeded.settings.base_url}/profile/notifications" in body
    assert f"{seeded.settings.base_url}/threads/" in body
    # at most once: sweeping and working again sends nothing more
    assert await sweep(seeded) == 0
    await run_worker(seeded)
    assert len(smtp.to(MEMBER)) == 1
    assert smtp.to("coordinator@example.org") == []  # not mentioned


async def test_read_in_the_app_before_the_delay_is_not_mailed(
    seeded: Runtime, people: dict[str, int], smtp: MailServer
) -> None:
    member = await _handle(seeded, people["member"])
    async with act(seeded, actor_id=people["author"]) as ctx:
        thread, _post = await do_create_thread(ctx, NET, title="Tema", body=f"@{member} vidi")
    async with act(seeded, actor_id=people["member"]) as ctx:
        await view_thread(ctx, thread.id or 0)
    assert await sweep(seeded) == 0
    await run_worker(seeded)
    assert smtp.messages == []


async def test_a_burst_in_one_thread_is_one_mail_in_the_readers_script(
    seeded: Runtime, people: dict[str, int], smtp: MailServer
) -> None:
    from hub.actions.posts import do_reply

    async with seeded.sessionmaker() as db:
        await db.exec(
            update(User).where(col(User.id) == people["member"]).values(language="sr-Cyrl")
        )
        await db.commit()
    member = await _handle(seeded, people["member"])
    async with act(seeded, actor_id=people["author"]) as ctx:
        thread, _post = await do_create_thread(ctx, NET, title="Registar", body=f"@{member} 1")
    for n in (2, 3):
        async with act(seeded, actor_id=people["coordinator"]) as ctx:
            await do_reply(ctx, thread.id or 0, body=f"@{member} {n}")
    assert await sweep(seeded) == 2  # the member, and the thread's author (two replies)
    await run_worker(seeded)
    [mail] = smtp.to(MEMBER)
    assert "Регистар" in str(mail["Subject"])  # the title in the reader's script
    assert body_of(mail).count("\n- ") == 3


async def test_a_worker_lost_after_the_claim_still_mails_once(
    seeded: Runtime, people: dict[str, int], smtp: MailServer
) -> None:
    """The claim and the queued mail commit together; the job is lost with the worker (its
    queue flushed, as after a kill -9 and a Redis restart): the mail outbox's reconciler
    hands it to the next worker, which sends it once."""
    await mention(seeded, people["author"], [people["member"]])
    assert await sweep(seeded) == 1
    await seeded.redis.flushdb()  # the job is gone
    await run_worker(seeded)
    assert smtp.messages == []
    async with seeded.sessionmaker() as db:
        await db.exec(update(MailMessage).values(created_at=utcnow() - dt.timedelta(minutes=5)))
        await db.commit()
    assert await reconcile_mail({"runtime": seeded}) == 1
    await run_worker(seeded)
    assert await reconcile_mail({"runtime": seeded}) == 0
    await run_worker(seeded)
    assert await sweep(seeded) == 0
    assert len(smtp.to(MEMBER)) == 1


async def test_unsubscribe_signed_out_only_for_its_person(
    seeded: Runtime, people: dict[str, int], smtp: MailServer, client: httpx.AsyncClient
) -> None:
    token = unsubscribe_token(seeded.settings, people["member"])
    page = await client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and f'action="/unsubscribe/{token}"' in page.text
    assert await _prefs(seeded) == {}  # looking changes nothing
    for bad in (token[:-2] + "xx", "abc", unsubscribe_token(seeded.settings, 0)[:-1]):
        assert (await client.get(f"/unsubscribe/{bad}")).status_code == 404
        assert (await client.post(f"/unsubscribe/{bad}")).status_code == 404
    one_click = await client.post(
        f"/unsubscribe/{token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    prefs = await _prefs(seeded)
    assert list(prefs) == [people["member"]]  # no one else's settings changed
    assert not any(prefs[people["member"]].email.values())
    assert prefs[people["member"]].digest == "off"
    await mention(seeded, people["author"], [people["member"], people["coordinator"]])
    assert await sweep(seeded) == 1
    await run_worker(seeded)
    assert smtp.to(MEMBER) == [] and len(smtp.to("coordinator@example.org")) == 1


async def test_settings_are_obeyed_and_bad_ones_change_nothing(
    seeded: Runtime, people: dict[str, int], smtp: MailServer, client: httpx.AsyncClient
) -> None:
    auth = (await tokens(client, {"member": people["member"]}))["member"]
    got = (await client.get("/api/v1/me/preferences", headers=auth)).json()
    assert got["email"]["mentioned"] is True and got["digest"] == "weekly"
    assert got["networks"] == {NET: "mine", "romska-pitanja": "mine"}
    bad: list[tuple[dict[str, Any], str]] = [
        ({"email": {"nonsense": True}}, "email"),
        ({"email": {"mentioned": "yes"}}, "email"),
        ({"networks": {NET: "some"}}, "networks"),
        ({"networks": {"javne-nabavke": "all"}}, "networks"),  # not the caller's network
        ({"digest": "hourly"}, "digest"),
        ({"colour": "red"}, "colour"),
        ({"email": [], "digest": "off"}, "email"),
    ]
    for body, field in bad:
        response = await client.put("/api/v1/me/preferences", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field
    assert await _prefs(seeded) == {}
    put = await client.put("/api/v1/me/preferences", json={"networks": {NET: "none"}}, headers=auth)
    assert put.status_code == 200 and put.json()["networks"][NET] == "none"
    await mention(seeded, people["author"], [people["member"]])  # in NET: level none
    assert await sweep(seeded) == 0
    await run_worker(seeded)
    assert smtp.messages == []


async def _prefs(rt: Runtime) -> dict[int, NotificationPrefs]:
    async with rt.sessionmaker() as db:
        return {p.user_id: p for p in (await db.exec(select(NotificationPrefs))).all()}


async def _handle(rt: Runtime, uid: int) -> str:
    async with rt.sessionmaker() as db:
        user = await db.get(User, uid)
        assert user is not None and user.handle
        return user.handle
