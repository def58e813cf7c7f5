"""The digest with a fixed clock (`now` passed in): its groups and their order (what the reader
must do first, the soonest vote first, then what happened), only what the reader may read,
nothing sent when there is nothing, daily and weekly periods, off, once per person and period
even with two runs at once; and one digest through the real arq worker to a real SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.digest import due_digests, period_start, send_digests
from hub.actions.initiative_decisions import do_decide
from hub.actions.notify_mail import unsubscribe_user
from hub.actions.notify_prefs import do_set_prefs
from hub.actions.posts import do_reply
from hub.actions.proposal_review import do_review, do_submit
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal
from hub.actions.threads import do_create_thread
from hub.actions.votes import do_open_vote
from hub.db import utcnow
from hub.i18n import gettext
from hub.models import DigestSent, MailMessage, User
from hub.plumbing.runtime import Runtime
from tests.committee_helpers import committee_people, initiative_in
from tests.mailserver import (  # noqa: F401
    MailServer,
    body_of,
    run_worker,
    smtp_server,
    smtp_settings,
)
from tests.proposal_helpers import NET, OTHER, TEXT, as_user, new_proposal
from tests.vote_helpers import RULES, cast
from workers.mail import mail_digests

LANG = "sr-Latn"  # everyone's language here
UTC = dt.UTC


def next_at(after: dt.datetime, hour: int, minute: int, weekday: int | None = None) -> dt.datetime:
    """The first `hour`:`minute` (UTC) after `after`, on `weekday` if given (0 is Monday)."""
    moment = after.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    while moment <= after or (weekday is not None and moment.weekday() != weekday):
        moment += dt.timedelta(days=1)
    return moment


def heading(msgid: str) -> str:
    return f"\n{gettext(LANG, msgid)}:\n"


def test_period_start_daily_and_weekly() -> None:
    wed_9 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
    wed_6 = dt.datetime(2026, 12, 2, 6, 59, tzinfo=UTC)
    mon_7 = dt.datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert period_start("daily", wed_9, 7) == dt.datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert period_start("daily", wed_6, 7) == dt.datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert period_start("weekly", wed_9, 7) == mon_7
    assert period_start("weekly", mon_7, 7) == mon_7
    before = dt.datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday before the hour: last week
    assert period_start("weekly", before, 7) == dt.datetime(2026, 11, 23, 7, tzinfo=UTC)


async def _submitted(rt: Runtime, uid: int, network: str, title: str) -> int:
    text = ProposalText(**{**TEXT.__dict__, "title": title})
    access = await as_user(rt, uid, lambda c: do_create_proposal(c, network, text))
    pid = access.proposal.id or 0
    await as_user(rt, uid, lambda c: do_submit(c, pid))
    return pid


async def _vote(rt: Runtime, people: dict[str, int], title: str, closes: dt.datetime) -> int:
    pid = await new_proposal(rt, people, title=title)
    await as_user(rt, people["author"], lambda c: do_submit(c, pid))
    coordinator = people["coordinator"]
    await as_user(rt, coordinator, lambda c: do_review(c, pid, action="approve", note="Da."))
    rules = {**RULES, "closes_at": closes}
    await as_user(rt, coordinator, lambda c: do_open_vote(c, pid, **rules))
    return pid


async def _mails(rt: Runtime) -> dict[str, list[MailMessage]]:
    async with rt.sessionmaker() as db:
        rows = (await db.exec(select(MailMessage).order_by(col(MailMessage.id)))).all()
    out: dict[str, list[MailMessage]] = {}
    for row in rows:
        out.setdefault(row.to_addr, []).append(row)
    return out


async def _claims(rt: Runtime) -> dict[int, list[int]]:
    """Per person, the number of items of each claimed digest period."""
    async with rt.sessionmaker() as db:
        rows = (await db.exec(select(DigestSent).order_by(col(DigestSent.id)))).all()
    out: dict[int, list[int]] = {}
    for row in rows:
        out.setdefault(row.user_id, []).append(row.items)
    return out


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await committee_people(seeded)


async def test_groups_order_and_only_what_the_reader_may_read(
    seeded: Runtime, people: dict[str, int]
) -> None:
    rt = seeded
    now = next_at(utcnow(), 7, 30, weekday=0)  # the next Monday, after the weekly hour
    await _vote(rt, people, "Glasanje kasno", now + dt.timedelta(days=3))
    await _vote(rt, people, "Glasanje brzo", now + dt.timedelta(days=1))
    voted = await _vote(rt, people, "Glasanje obavljeno", now + dt.timedelta(hours=2))
    await cast(rt, people["member"], voted, "yes")
    await _submitted(rt, people["author"], NET, "Predlog na pregledu")
    await _submitted(rt, people["other_coordinator"], OTHER, "Tuđi predlog")
    decided = await initiative_in(rt, people, "delivered", title="Inicijativa odlučena")
    await as_user(rt, people["chair"], lambda c: do_decide(c, decided, decision="adopt", note=""))
    await initiative_in(rt, people, "delivered", title="Inicijativa na čekanju")
    async with act(rt, actor_id=people["author"]) as ctx:
        thread, _post = await do_create_thread(ctx, NET, title="Živa tema", body="Prvo.")
    for _n in range(2):
        await as_user(rt, people["coordinator"], lambda c: do_reply(c, thread.id or 0, body="Da."))
    assert await _mails(rt) == {}  # nothing mailed yet (no one waited out the delay)

    # two runs at once: each person's digest is claimed and queued once
    first, second = await asyncio.gather(send_digests(rt, now), send_digests(rt, now))
    mails = await _mails(rt)
    assert first + second == len(mails) and all(len(m) == 1 for m in mails.values())

    member = mails["member@example.org"][0]
    body = member.body
    order = [
        gettext(LANG, "For you to do").upper(),
        heading("Votes closing that you have not voted in"),
        "Glasanje brzo",
        "Glasanje kasno",
        gettext(LANG, "What happened").upper(),
        heading("Vote results"),
        heading("Decisions and follow-ups on initiatives"),
        "Inicijativa odlučena",
        heading("Busiest threads"),
        "Živa tema",
    ]
    where = [body.find(text) for text in order]
    assert -1 not in where and where == sorted(where), (where, body)
    assert "Glasanje obavljeno" not in body  # voted in: not a deadline for them
    assert "Predlog na pregledu" not in body and "Inicijativa na čekanju" not in body
    assert member.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = member.headers["List-Unsubscribe"].rsplit("/", 1)[1].rstrip(">")
    assert unsubscribe_user(rt.settings, token) == people["member"]
    assert f"{rt.settings.base_url}/profile/notifications" in body

    coordinator = mails["coordinator@example.org"][0].body
    reviews = coordinator.find(heading("Proposals awaiting your review"))
    assert coordinator.find(heading("Votes closing that you have not voted in")) < reviews
    assert coordinator.find("Predlog na pregledu") > reviews
    assert "Tuđi predlog" not in coordinator  # another network's queue
    assert "Tuđi predlog" in mails["other.coordinator@example.org"][0].body
    assert "Predlog na pregledu" not in mails["other.coordinator@example.org"][0].body
    for who in ("chair@example.org", "committee.member@example.org"):
        text = mails[who][0].body
        assert heading("Initiatives awaiting your committee's decision") in text
        assert "Inicijativa na čekanju" in text and "Inicijativa odlučena" not in text
        assert "Živa tema" not in text  # not in the network

    # nothing to tell: no mail, the period claimed all the same
    assert "outsider@example.org" not in mails
    assert (await _claims(rt))[people["outsider"]] == [0]

    # a second run in the same period sends nothing, and does not even look again
    assert await due_digests(rt, now + dt.timedelta(hours=5)) == []
    assert await send_digests(rt, now + dt.timedelta(hours=5)) == 0
    assert await _mails(rt) == mails


async def test_daily_weekly_and_off(seeded: Runtime, people: dict[str, int]) -> None:
    rt = seeded
    tuesday = next_at(utcnow(), 7, 30, weekday=1)
    await _vote(rt, people, "Glasanje", tuesday + dt.timedelta(days=20))  # a deadline for all
    choices = {"member": "daily", "author": "weekly", "coauthor": "off"}
    for role, digest in choices.items():
        async with act(rt, actor_id=people[role]) as ctx:
            await do_set_prefs(ctx, {"digest": digest})
    wanted = {f"{role}@example.org": role for role in choices}

    async def sent() -> dict[str, int]:
        mails = await _mails(rt)
        return {role: len(mails.get(address, [])) for address, role in wanted.items()}

    assert await send_digests(rt, tuesday) > 0
    assert await sent() == {"member": 1, "author": 1, "coauthor": 0}
    assert await send_digests(rt, tuesday + dt.timedelta(hours=23)) == 0  # same day, same week
    assert await sent() == {"member": 1, "author": 1, "coauthor": 0}
    await send_digests(rt, tuesday + dt.timedelta(days=1))  # Wednesday: a new day only
    assert await sent() == {"member": 2, "author": 1, "coauthor": 0}
    await send_digests(rt, tuesday + dt.timedelta(days=6))  # the next Monday: a new week too
    assert await sent() == {"member": 3, "author": 2, "coauthor": 0}
    subjects = {m.subject for m in (await _mails(rt))["member@example.org"]}
    assert subjects == {gettext(LANG, "SKGO networks: your daily digest")}
    assert people["coauthor"] not in await _claims(rt)  # off: not even looked at


async def test_a_digest_through_the_real_worker_and_smtp(
    seeded: Runtime, people: dict[str, int], smtp: MailServer
) -> None:
    rt = seeded
    async with rt.sessionmaker() as db:
        user = await db.get(User, people["member"])
        assert user is not None
        user.language = "sr-Cyrl"
        db.add(user)
        await db.commit()
    await _vote(rt, people, "Registar", utcnow() + dt.timedelta(days=2))
    await run_digest_cron(rt)  # the cron's job in the real worker, at the real time
    [mail] = smtp.to("member@example.org")
    assert str(mail["Subject"]) == gettext("sr-Cyrl", "SKGO networks: your weekly digest")
    body = body_of(mail)
    assert "Регистар" in body  # the title in the reader's script
    assert gettext("sr-Cyrl", "Votes closing that you have not voted in") in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(mail["List-Unsubscribe"])
    assert header.startswith(f"<{rt.settings.base_url}/unsubscribe/") and header.endswith(">")
    assert unsubscribe_user(rt.settings, header[1:-1].rsplit("/", 1)[1]) == people["member"]
    await run_digest_cron(rt)  # once per period: the second run sends nothing more
    assert await mail_digests({"runtime": rt}) == 0
    await run_worker(rt)
    assert len(smtp.to("member@example.org")) == 1


async def run_digest_cron(rt: Runtime) -> None:
    """The hub's real arq worker (burst), its digest cron due at once, as at HUB_DIGEST_HOUR."""
    worker = await run_worker(rt, crons_due=("cron:mail_digests",))
    assert worker.jobs_failed == 0
