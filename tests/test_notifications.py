"""Notifications (issue 12, N1): each kind reaches the right people and no one else, in the
transaction of its cause, once; live on the person's own channel; reading the thing marks read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from hub.actions.context import act
from hub.actions.initiative_decisions import do_decide, do_follow_up
from hub.actions.initiative_notices import notify_compile_failed, notify_delivered
from hub.actions.posts import do_reply
from hub.actions.proposal_review import do_review, do_submit
from hub.actions.threads import do_create_thread
from hub.actions.vote_notices import remind_closing_votes
from hub.actions.votes import do_close_vote
from hub.db import utcnow
from hub.models import Initiative, Notification, User
from hub.models.notifications import NotificationKind as K
from hub.plumbing.runtime import Runtime
from hub.reads.initiatives import load_initiative
from tests.committee_helpers import committee_people, initiative_in
from tests.proposal_helpers import CLOSED, NET, as_user, make_people, new_proposal, proposal_in
from tests.thread_helpers import view_thread
from tests.vote_helpers import cast, open_vote


async def sent(rt: Runtime, kind: K | None = None) -> set[tuple[int, str, str]]:
    """(person, kind, target) of every notification (of `kind`)."""
    async with rt.sessionmaker() as db:
        query = select(Notification)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return {(n.user_id, n.kind, n.target) for n in (await db.exec(query)).all()}


async def who(rt: Runtime, kind: K) -> set[int]:
    return {u for u, _k, _t in await sent(rt, kind)}


async def handle(rt: Runtime, uid: int) -> str:
    async with rt.sessionmaker() as db:
        user = await db.get(User, uid)
        assert user is not None and user.handle
        return user.handle


async def test_a_mention_reaches_readers_only_and_a_reply_the_authors(seeded: Runtime) -> None:
    p = await make_people(seeded)
    names = [await handle(seeded, p[r]) for r in ("member", "outsider", "other_coordinator")]
    body = "Pitanje za " + ", ".join(f"@{n}" for n in names)
    async with act(seeded, actor_id=p["author"]) as ctx:
        thread, first = await do_create_thread(ctx, CLOSED, title="Tajna tema", body=body)
        events = list(ctx.events)
    # the outsider and another network's coordinator may not read CLOSED: nothing at all
    assert await sent(seeded) == {(p["member"], "mentioned", f"thread:{thread.id}")}
    live = [e for e in events if e.type == "notification"]
    assert [(e.channel, e.data["unread"]) for e in live] == [(f"user:{p['member']}", 1)]
    assert live[0].data["url"] == f"/threads/{thread.id}#post-{first.id}"

    # a reply to the member's post: the post's author and the thread's author hear, once each;
    # the coordinator mentioned in it hears of the mention only
    coordinator = await handle(seeded, p["coordinator"])
    async with act(seeded, actor_id=p["coordinator"]) as ctx:
        await do_reply(ctx, thread.id or 0, body="Slažem se.", reply_to=first.id)
    async with act(seeded, actor_id=p["member"]) as ctx:
        await do_reply(ctx, thread.id or 0, body=f"@{coordinator} vidi ovo")
    assert await who(seeded, K.REPLY) == {p["author"]}
    assert await who(seeded, K.MENTIONED) == {p["member"], p["coordinator"]}


async def test_a_cause_rolled_back_notifies_no_one(seeded: Runtime) -> None:
    """N1: written in the cause's transaction, so a failure after it leaves neither."""
    p = await make_people(seeded)
    member = await handle(seeded, p["member"])
    with pytest.raises(RuntimeError):
        async with act(seeded, actor_id=p["author"]) as ctx:
            await do_create_thread(ctx, NET, title="Tema", body=f"@{member} zdravo")
            raise RuntimeError("crash after the post")
    assert await sent(seeded) == set()


async def test_proposal_kinds(seeded: Runtime) -> None:
    p = await make_people(seeded)
    pid = await new_proposal(seeded, p)
    # created with two invitations: both invited people hear, the author does not
    assert await who(seeded, K.COAUTHOR_INVITED) == {p["coauthor"], p["invitee"]}
    await as_user(seeded, p["author"], lambda c: do_submit(c, pid))
    # the network's members who are not its authors; no outsider, no other network
    assert await who(seeded, K.PROPOSAL_SUBMITTED) == {p["member"], p["invitee"], p["coordinator"]}
    await as_user(
        seeded,
        p["coordinator"],
        lambda c: do_review(c, pid, action="request_changes", note="Dopuniti."),
    )
    await as_user(seeded, p["author"], lambda c: do_submit(c, pid))  # again: no second notice
    await as_user(seeded, p["coordinator"], lambda c: do_review(c, pid, action="approve"))
    assert len(await who(seeded, K.PROPOSAL_SUBMITTED)) == 3
    async with seeded.sessionmaker() as db:
        rows = (
            await db.exec(select(Notification).where(Notification.kind == K.PROPOSAL_REVIEWED))
        ).all()
    # two reviews, each to the accepted authors (not the invitee who has not accepted)
    assert sorted(n.user_id for n in rows) == sorted([p["author"], p["coauthor"]] * 2)
    assert {n.url for n in rows} == {f"/proposals/{pid}"}


async def test_vote_kinds_and_the_reminder_once(seeded: Runtime) -> None:
    p = await make_people(seeded)
    pid = await open_vote(seeded, p)
    electors = await who(seeded, K.VOTE_OPENED)
    assert p["member"] in electors and p["outsider"] not in electors
    assert p["coordinator"] not in electors  # who opened it
    await cast(seeded, p["member"], pid, "yes")
    assert await remind_closing_votes(seeded) == len(electors) - 1 + 1  # + the coordinator
    reminded = await who(seeded, K.VOTE_CLOSING)
    assert p["member"] not in reminded and p["coordinator"] in reminded
    assert await remind_closing_votes(seeded) == 0  # once per person and vote
    early = utcnow() - dt.timedelta(days=2)  # more than a day before closing: nobody yet
    assert await remind_closing_votes(seeded, early) == 0
    await as_user(seeded, p["coordinator"], lambda c: do_close_vote(c, pid))
    result = await who(seeded, K.VOTE_RESULT)
    assert {p["member"], p["author"]} <= result and p["outsider"] not in result


async def test_initiative_kinds(seeded: Runtime) -> None:
    p = await committee_people(seeded)
    iid = await initiative_in(seeded, p, "in_review")
    await as_user(seeded, p["chair"], lambda c: do_decide(c, iid, decision="adopt", note=""))
    decided = await who(seeded, K.INITIATIVE_DECISION)
    assert {p["member"], p["author"], p["coordinator"]} <= decided
    assert not decided & {p["outsider"], p["other_coordinator"], p["committee_member"]}
    await as_user(
        seeded,
        p["chair"],
        lambda c: do_follow_up(c, iid, kind="sent", note="Poslato.", date="2026-11-01"),
    )
    assert await who(seeded, K.INITIATIVE_FOLLOW_UP) == decided
    async with act(seeded, system=True) as ctx:
        initiative = await ctx.db.get(Initiative, iid)
        assert initiative is not None
        access = await load_initiative(ctx, iid)
        assert access is not None
        await notify_delivered(ctx, initiative, access.committee, 1)
        nets = [n for _p, n in access.proposals]
        await notify_compile_failed(ctx, initiative, nets, 1)
    assert await who(seeded, K.INITIATIVE_DELIVERED) == {p["committee_member"], p["chair"]}
    assert await who(seeded, K.COMPILE_FAILED) == {p["coordinator"]}


async def test_reading_the_thread_marks_its_notices_read(seeded: Runtime) -> None:
    p = await make_people(seeded)
    member = await handle(seeded, p["member"])
    async with act(seeded, actor_id=p["author"]) as ctx:
        thread, _post = await do_create_thread(ctx, NET, title="Tema", body=f"@{member} zdravo")
    async with act(seeded, actor_id=p["outsider"]) as ctx:  # someone else reading: no change
        await view_thread(ctx, thread.id or 0)
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(Notification.read_at))).one() is None
    async with act(seeded, actor_id=p["member"]) as ctx:
        await view_thread(ctx, thread.id or 0)
        events = [e for e in ctx.events if e.type == "notification.read"]
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(Notification.read_at))).one() is not None
    assert [(e.channel, e.data) for e in events] == [(f"user:{p['member']}", {"unread": 0})]


async def test_an_inactive_or_removed_reader_gets_nothing(seeded: Runtime) -> None:
    p = await make_people(seeded)
    async with seeded.sessionmaker() as db:
        user = await db.get(User, p["member"])
        assert user is not None
        user.is_active = False
        db.add(user)
        await db.commit()
    pid = await proposal_in(seeded, p, "submitted")
    assert pid and await who(seeded, K.PROPOSAL_SUBMITTED) == {p["invitee"], p["coordinator"]}


async def test_one_notice_per_person_and_cause_however_often_it_is_told(seeded: Runtime) -> None:
    from hub.actions.notifications import notify_people
    from hub.reads.bodies import access_network

    people = await make_people(seeded)
    readers = [people["member"], people["coordinator"], people["outsider"]]

    async def tell() -> list[int]:
        async with act(seeded, actor_id=people["author"]) as ctx:
            network = await access_network(ctx, CLOSED)  # members only: not the outsider
            return await notify_people(
                ctx,
                K.MENTIONED,
                [*readers, people["author"]],
                source_id=4242,
                target="thread:1",
                url="/threads/1",
                title="Tema",
                network=network,
            )

    assert await tell() == sorted([people["member"], people["coordinator"]])
    assert await tell() == []  # already told: nothing new, nothing doubled
    async with seeded.sessionmaker() as db:
        rows = (await db.exec(select(Notification).where(Notification.source_id == 4242))).all()
    assert sorted(r.user_id for r in rows) == sorted([people["member"], people["coordinator"]])
