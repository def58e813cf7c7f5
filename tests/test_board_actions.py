"""Board, thread windows, posts, reactions and mentions, through the actions on both backends."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.errors import Conflict, Forbidden, Invalid, NotFound
from hub.actions.moderation import do_lock, do_pin
from hub.actions.post_changes import do_delete_post, do_edit_post, do_react
from hub.actions.posts import do_reply
from hub.actions.search import search
from hub.actions.threads import do_create_thread, do_mark_all_read, do_mark_thread_read
from hub.db import utcnow
from hub.models import Mention, Network, Post, Thread, ThreadRead, User
from hub.plumbing.runtime import Runtime
from hub.reads.mentions import mentionable
from hub.reads.posts import edit_refusal, load_post_views, may_change, post_history, post_public
from hub.reads.threads import WINDOW, board, thread_window
from tests.conftest import make_user
from tests.thread_helpers import view_thread

NET = "elektronska-uprava"  # visible to everyone signed in
CLOSED = "romska-pitanja"  # visible to its members only


async def start_thread(rt: Runtime, uid: int, title: str = "Tema", body: str = "Prvi post") -> int:
    async with act(rt, actor_id=uid) as ctx:
        thread, _post = await do_create_thread(ctx, NET, title=title, body=body)
        assert thread.id is not None
        return thread.id


async def start_thread_in(rt: Runtime, uid: int, slug: str, body: str) -> tuple[int, int]:
    async with act(rt, actor_id=uid) as ctx:
        thread, post = await do_create_thread(ctx, slug, title="Tema", body=body)
        assert thread.id is not None and post.id is not None
        return thread.id, post.id


async def reply(rt: Runtime, uid: int, thread_id: int, body: str = "Odgovor", **kw: int) -> int:
    async with act(rt, actor_id=uid) as ctx:
        post = (await do_reply(ctx, thread_id, body=body, **kw)).post  # type: ignore[arg-type]
        assert post.id is not None
        return post.id


async def network(rt: Runtime, slug: str) -> Network:
    async with act(rt, system=True) as ctx:
        found = (await ctx.db.exec(select(Network).where(Network.slug == slug))).one()
        return found


async def board_ids(rt: Runtime, uid: int, **kw: str) -> list[int]:
    net = await network(rt, NET)
    async with act(rt, actor_id=uid) as ctx:
        page = await board(ctx, net, **kw)
        return [row.thread.id or 0 for row in page.rows]


async def unread_of(rt: Runtime, uid: int) -> dict[int, int]:
    net = await network(rt, NET)
    async with act(rt, actor_id=uid) as ctx:
        page = await board(ctx, net)
        return {row.thread.id or 0: row.unread for row in page.rows}


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return {
        "ana": await make_user(seeded, "ana@nis.rs", networks={NET: "member", CLOSED: "member"}),
        "bojan": await make_user(seeded, "bojan@cacak.rs", networks={NET: "member"}),
        "coord": await make_user(seeded, "coord@skgo.org", networks={NET: "coordinator"}),
        "outsider": await make_user(seeded, "vesna.outsider@novisad.rs", name="Vesna Tajna"),
    }


# --- the board ------------------------------------------------------------------------------


async def test_board_pinned_first_then_last_activity_then_id(
    seeded: Runtime, people: dict[str, int]
) -> None:
    first = await start_thread(seeded, people["ana"], "Prva")
    second = await start_thread(seeded, people["ana"], "Druga")
    third = await start_thread(seeded, people["ana"], "Treća")
    assert await board_ids(seeded, people["bojan"]) == [third, second, first]

    await reply(seeded, people["bojan"], first)  # activity brings a thread to the top
    assert await board_ids(seeded, people["bojan"]) == [first, third, second]

    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_pin(ctx, second, pinned=True)
    assert await board_ids(seeded, people["bojan"]) == [second, first, third]

    # Equal activity: the newer thread (higher id) first.
    same = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    async with act(seeded, system=True) as ctx:
        await ctx.db.exec(
            update(Thread).where(col(Thread.id).in_([first, third])).values(last_activity_at=same)
        )
    assert await board_ids(seeded, people["bojan"]) == [second, third, first]


async def test_board_cursor_pages_cover_every_thread_once(
    seeded: Runtime, people: dict[str, int]
) -> None:
    ids = [await start_thread(seeded, people["ana"], f"Tema {i}") for i in range(23)]
    async with act(seeded, actor_id=people["coord"]) as ctx:
        for thread_id in ids[3:6]:
            await do_pin(ctx, thread_id, pinned=True)
    tie = dt.datetime(2031, 5, 5, tzinfo=dt.UTC)  # several threads with equal activity
    async with act(seeded, system=True) as ctx:
        await ctx.db.exec(
            update(Thread).where(col(Thread.id).in_(ids[8:14])).values(last_activity_at=tie)
        )
    everything = await board_ids(seeded, people["bojan"], filter_="")
    net = await network(seeded, NET)
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        async with act(seeded, actor_id=people["bojan"]) as ctx:
            page = await board(ctx, net, cursor=cursor, limit=4)
        seen += [row.thread.id or 0 for row in page.rows]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 6
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == 23
    assert seen[:3] == sorted(ids[3:6], reverse=True)  # pinned first
    # The first page of 30 holds all 23 in the same order as the pages walked one by one.
    assert everything == seen


async def test_board_bad_cursor_and_filter_are_invalid(
    seeded: Runtime, people: dict[str, int]
) -> None:
    net = await network(seeded, NET)
    for forged in ([0, "2030-01-01T00:00:00", 5], [0, "2030-01-01T00:00:00+00:00", 2**40]):
        cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
        async with act(seeded, actor_id=people["ana"]) as ctx:
            with pytest.raises(Invalid):
                await board(ctx, net, cursor=cursor)
    async with act(seeded, actor_id=people["ana"]) as ctx:
        with pytest.raises(Invalid) as bad_cursor:
            await board(ctx, net, cursor="not-a-cursor")
        with pytest.raises(Invalid) as bad_filter:
            await board(ctx, net, filter_="everything")
    assert bad_cursor.value.field == "cursor"
    assert bad_filter.value.field == "filter"


async def test_unread_counts_per_user(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    assert (await unread_of(seeded, people["bojan"]))[thread] == 1
    assert (await unread_of(seeded, people["coord"]))[thread] == 1
    assert (await unread_of(seeded, people["ana"]))[thread] == 0  # one's own thread is read

    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await view_thread(ctx, thread)
    assert (await unread_of(seeded, people["bojan"]))[thread] == 0
    assert (await unread_of(seeded, people["coord"]))[thread] == 1

    await reply(seeded, people["ana"], thread)
    await reply(seeded, people["coord"], thread)
    assert (await unread_of(seeded, people["bojan"]))[thread] == 2
    assert (await unread_of(seeded, people["coord"]))[thread] == 3

    net = await network(seeded, NET)
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_mark_all_read(ctx, net)
    assert (await unread_of(seeded, people["coord"]))[thread] == 0
    assert (await unread_of(seeded, people["bojan"]))[thread] == 2


async def test_board_filters(seeded: Runtime, people: dict[str, int]) -> None:
    lonely = await start_thread(seeded, people["ana"], "Bez odgovora")
    answered = await start_thread(seeded, people["ana"], "Sa odgovorom")
    bojans = await start_thread(seeded, people["bojan"], "Bojanova")
    await reply(seeded, people["bojan"], answered)
    await reply(seeded, people["ana"], bojans)
    proposal = await start_thread(seeded, people["coord"], "Predlog")
    async with act(seeded, system=True) as ctx:
        await ctx.db.exec(update(Thread).where(col(Thread.id) == proposal).values(kind="proposal"))

    assert set(await board_ids(seeded, people["bojan"], filter_="unanswered")) == {
        lonely,
        proposal,
    }
    # Mine: threads one started or wrote in.
    assert set(await board_ids(seeded, people["bojan"], filter_="mine")) == {answered, bojans}
    assert set(await board_ids(seeded, people["ana"], filter_="mine")) == {
        lonely,
        answered,
        bojans,
    }
    assert await board_ids(seeded, people["bojan"], filter_="proposals") == [proposal]


# --- thread windows -------------------------------------------------------------------------


async def _big_thread(rt: Runtime, uid: int, n: int) -> tuple[int, list[int]]:
    """A thread of `n` posts, inserted in bulk (the counters set as the actions would)."""
    thread_id = await start_thread(rt, uid, "Velika tema", "Post 0")
    now = utcnow()
    async with act(rt, system=True) as ctx:
        rows = [
            {
                "thread_id": thread_id,
                "author_id": uid,
                "body": f"Post {i}",
                "html": f"<p>Post {i}</p>",
                "created_at": now,
                "edit_count": 0,
                "hidden_reason": "",
                "flag_count": 0,
            }
            for i in range(1, n)
        ]
        await ctx.db.exec(insert(Post), params=rows)
        ids = list(
            (
                await ctx.db.exec(
                    select(Post.id).where(Post.thread_id == thread_id).order_by(col(Post.id))
                )
            ).all()
        )
        await ctx.db.exec(
            update(Thread)
            .where(col(Thread.id) == thread_id)
            .values(post_count=n, last_post_id=ids[-1], last_activity_at=now)
        )
    return thread_id, [i for i in ids if i is not None]


async def test_window_of_a_long_thread(seeded: Runtime, people: dict[str, int]) -> None:
    thread, ids = await _big_thread(seeded, people["ana"], 3000)
    assert len(ids) == 3000
    reader = people["bojan"]

    async with act(seeded, actor_id=reader) as ctx:  # never opened: from the first post
        window = await view_thread(ctx, thread)
    assert [v.post.id for v in window.posts] == ids[:WINDOW]
    assert (window.has_before, window.has_after) == (False, True)
    assert window.first_unread_id == ids[0]

    async with act(seeded, actor_id=reader) as ctx:  # again: from the first unread post
        window = await view_thread(ctx, thread)
    assert [v.post.id for v in window.posts] == ids[WINDOW : 2 * WINDOW]
    assert (window.has_before, window.has_after) == (True, True)
    assert window.first_unread_id == ids[WINDOW]
    # Not read to the end yet: the board still counts the whole thread as unread.
    assert (await unread_of(seeded, reader))[thread] == 3000

    async with act(seeded, actor_id=reader) as ctx:
        after = await view_thread(ctx, thread, after=ids[1999])
        before = await view_thread(ctx, thread, before=ids[1000])
        around = await view_thread(ctx, thread, around=ids[1500])
        last = await view_thread(ctx, thread, after=ids[-10])
        first = await view_thread(ctx, thread, before=ids[10])
    assert [v.post.id for v in after.posts] == ids[2000 : 2000 + WINDOW]
    assert [v.post.id for v in before.posts] == ids[1000 - WINDOW : 1000]
    assert (before.has_before, before.has_after) == (True, True)
    assert len(around.posts) == WINDOW and ids[1500] in [v.post.id for v in around.posts]
    assert (around.has_before, around.has_after) == (True, True)
    assert [v.post.id for v in last.posts] == ids[-9:]
    assert (last.has_before, last.has_after) == (True, False)
    assert [v.post.id for v in first.posts] == ids[:10]
    assert (first.has_before, first.has_after) == (False, True)
    assert (await unread_of(seeded, reader))[thread] == 0  # `last` reached the end

    async with act(seeded, actor_id=people["coord"]) as ctx:
        await view_thread(ctx, thread, before=ids[-1] + 1)  # the newest posts: read to the end
    assert (await unread_of(seeded, people["coord"]))[thread] == 0
    async with act(seeded, actor_id=people["coord"]) as ctx:  # all read: the newest window
        newest = await view_thread(ctx, thread)
    assert [v.post.id for v in newest.posts] == ids[-WINDOW:]
    assert (newest.has_before, newest.has_after, newest.first_unread_id) == (True, False, None)


async def test_window_limit_is_bounded(seeded: Runtime, people: dict[str, int]) -> None:
    thread, ids = await _big_thread(seeded, people["ana"], 260)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        huge = await view_thread(ctx, thread, after=0, limit=10_000)
        tiny = await view_thread(ctx, thread, after=0, limit=0)
    assert [v.post.id for v in huge.posts] == ids[:200]
    assert [v.post.id for v in tiny.posts] == ids[:1]


async def test_thread_of_a_closed_network_is_not_found(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, post = await start_thread_in(seeded, people["ana"], CLOSED, "Tajno")
    for who in (people["bojan"], None):
        async with act(seeded, actor_id=who) as ctx:
            with pytest.raises(NotFound):
                await view_thread(ctx, thread)
        async with act(seeded, actor_id=who) as ctx:
            with pytest.raises(NotFound):
                await post_history(ctx, post)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        with pytest.raises(NotFound):
            await do_reply(ctx, thread, body="Ulazim")


# --- writing and changing posts -------------------------------------------------------------


async def test_bad_titles_and_bodies_write_nothing(seeded: Runtime, people: dict[str, int]) -> None:
    cases = [("", "telo", "title"), ("x" * 201, "telo", "title"), ("Naslov", "  ", "body")]
    cases.append(("Naslov", "x" * 20_001, "body"))
    for title, body, field in cases:
        async with act(seeded, actor_id=people["ana"]) as ctx:
            with pytest.raises(Invalid) as error:
                await do_create_thread(ctx, NET, title=title, body=body)
        assert error.value.field == field
    async with act(seeded, actor_id=people["ana"]) as ctx:
        with pytest.raises(NotFound):
            await do_create_thread(ctx, "no-such-network", title="Naslov", body="Telo")
    async with act(seeded, actor_id=people["outsider"]) as ctx:  # may read, may not write
        with pytest.raises(Forbidden):
            await do_create_thread(ctx, NET, title="Naslov", body="Telo")
    async with act(seeded, system=True) as ctx:
        assert (await ctx.db.exec(select(Thread))).all() == []
        assert (await ctx.db.exec(select(Post))).all() == []


async def test_edit_keeps_history(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"], body="Prva verzija")
    post = await reply(seeded, people["ana"], thread, "Odgovor 1")
    async with act(seeded, actor_id=people["ana"]) as ctx:
        await do_edit_post(ctx, post, body="Odgovor 2")
    async with act(seeded, actor_id=people["coord"]) as ctx:  # a coordinator may edit too
        await do_edit_post(ctx, post, body="Odgovor 3")
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        edited, _t, _n, history = await post_history(ctx, post)
    assert edited.body == "Odgovor 3" and edited.html == "<p>Odgovor 3</p>\n"
    assert edited.edit_count == 2 and edited.edited_at is not None
    assert [r.body for r in history] == ["Odgovor 1", "Odgovor 2"]
    assert history[0].written_at <= history[1].written_at

    async with act(seeded, actor_id=people["ana"]) as ctx:  # the same text: not a new version
        await do_edit_post(ctx, post, body="Odgovor 3")
    async with act(seeded, actor_id=people["ana"]) as ctx:
        _p, _t, _n, history = await post_history(ctx, post)
    assert len(history) == 2


async def test_only_author_or_coordinator_changes_a_post(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread = await start_thread(seeded, people["ana"])
    post = await reply(seeded, people["ana"], thread, "Moje")
    for who in ("bojan", "outsider"):
        async with act(seeded, actor_id=people[who]) as ctx:
            with pytest.raises(Forbidden):
                await do_edit_post(ctx, post, body="Tuđe")
        async with act(seeded, actor_id=people[who]) as ctx:
            with pytest.raises(Forbidden):
                await do_delete_post(ctx, post)
    async with act(seeded, actor_id=people["coord"]) as ctx:
        deleted = await do_delete_post(ctx, post)
    assert deleted.deleted_by_id == people["coord"]
    async with act(seeded, actor_id=people["ana"]) as ctx:
        with pytest.raises(Conflict):
            await do_edit_post(ctx, post, body="Posle brisanja")


async def test_soft_delete_keeps_the_place(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    post = await reply(seeded, people["ana"], thread, "Jedinstvenareč za pretragu")
    after = await reply(seeded, people["bojan"], thread, "Posle")
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        hits, _ = await search(ctx, "jedinstvenarec")
    assert [h.post.id for h in hits if h.post] == [post]

    async with act(seeded, actor_id=people["ana"]) as ctx:
        await do_delete_post(ctx, post)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        window = await view_thread(ctx, thread, after=0)
        hits, _ = await search(ctx, "jedinstvenarec")
    ids = [v.post.id for v in window.posts]
    assert ids[1:] == [post, after]  # the place stays
    shown = post_public(window.posts[1])
    assert shown["deleted"] is True and shown["body"] == "" and shown["html"] == ""
    assert hits == []
    assert window.thread.post_count == 3  # deleted posts keep counting
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        _p, _t, _n, history = await post_history(ctx, post)
    assert history == []  # the deleted text is for moderators only
    async with act(seeded, actor_id=people["coord"]) as ctx:
        _p, _t, _n, history = await post_history(ctx, post)
    assert [r.body for r in history] == ["Jedinstvenareč za pretragu"]


async def test_locked_thread_takes_no_posts(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_lock(ctx, thread, locked=True)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        with pytest.raises(Conflict):
            await do_reply(ctx, thread, body="Kasno")
    async with act(seeded, system=True) as ctx:
        assert (await ctx.db.get(Thread, thread)).post_count == 1  # type: ignore[union-attr]


async def test_reply_to_another_threads_post_is_invalid(
    seeded: Runtime, people: dict[str, int]
) -> None:
    one = await start_thread(seeded, people["ana"])
    other = await start_thread(seeded, people["ana"])
    foreign = await reply(seeded, people["ana"], other, "Drugde")
    with pytest.raises(Invalid) as error:
        await reply(seeded, people["bojan"], one, "Odgovor", reply_to=foreign)
    assert error.value.field == "reply_to"
    local = await reply(seeded, people["ana"], one, "Ovde")
    answer = await reply(seeded, people["bojan"], one, "Na to", reply_to=local)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        views = await load_post_views(ctx, await network(seeded, NET), [answer])
    assert views[0].reply_to is not None and views[0].reply_to.id == local
    assert views[0].reply_author is not None and views[0].reply_author.id == people["ana"]


async def test_reactions_toggle_and_count(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    post = await reply(seeded, people["ana"], thread)

    async def react(who: str, kind: str | None, on: bool = True) -> dict[str, int]:
        async with act(seeded, actor_id=people[who]) as ctx:
            return await do_react(ctx, post, kind=kind, on=on)

    assert await react("bojan", "thumbs_up") == {"thumbs_up": 1}
    assert await react("bojan", "thumbs_up") == {"thumbs_up": 1}  # twice on is once
    assert await react("coord", "thumbs_up") == {"thumbs_up": 2}
    assert await react("coord", "heart") == {"thumbs_up": 2, "heart": 1}
    assert await react("bojan", "thumbs_up", on=False) == {"thumbs_up": 1, "heart": 1}
    assert await react("bojan", "thumbs_up", on=False) == {"thumbs_up": 1, "heart": 1}
    for kind in ("thumbsup", "", None, "<script>"):
        with pytest.raises(Invalid):
            await react("bojan", kind)
    with pytest.raises(Forbidden):  # readers who are not members do not react
        await react("outsider", "heart")
    async with act(seeded, actor_id=people["coord"]) as ctx:
        views = await load_post_views(ctx, await network(seeded, NET), [post])
    assert views[0].reactions == {"thumbs_up": 1, "heart": 1}
    assert views[0].mine == {"thumbs_up", "heart"}


async def test_concurrent_posts_are_all_counted(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    writers = [people["ana"], people["bojan"], people["coord"]]
    ids = await asyncio.gather(
        *(reply(seeded, writers[i % 3], thread, f"Istovremeno {i}") for i in range(20))
    )
    assert len(set(ids)) == 20
    async with act(seeded, system=True) as ctx:
        saved = await ctx.db.get(Thread, thread)
        posts = (await ctx.db.exec(select(Post.id).where(Post.thread_id == thread))).all()
    assert saved is not None and saved.post_count == 21 == len(posts)
    assert saved.last_post_id == max(ids)


# --- mentions ---------------------------------------------------------------------------------


async def _mentions_of(rt: Runtime, post_id: int) -> set[int]:
    async with act(rt, system=True) as ctx:
        rows = await ctx.db.exec(select(Mention.user_id).where(Mention.post_id == post_id))
        return set(rows.all())


async def _handle(rt: Runtime, uid: int) -> str:
    async with act(rt, system=True) as ctx:
        user = await ctx.db.get(User, uid)
        assert user is not None and user.handle
        return user.handle


async def test_mention_of_a_reader_is_linked(seeded: Runtime, people: dict[str, int]) -> None:
    bojan = await _handle(seeded, people["bojan"])
    thread = await start_thread(seeded, people["ana"])
    post = await reply(seeded, people["ana"], thread, f"Pitanje za @{bojan}, hvala.")
    async with act(seeded, system=True) as ctx:
        html = (await ctx.db.get(Post, post)).html  # type: ignore[union-attr]
    assert f'data-user-id="{people["bojan"]}"' in html and f">@{bojan}</span>" in html
    assert await _mentions_of(seeded, post) == {people["bojan"]}


async def test_mention_of_someone_who_may_not_read_reveals_nothing(
    seeded: Runtime, people: dict[str, int]
) -> None:
    vesna = await _handle(seeded, people["outsider"])
    bojan = await _handle(seeded, people["bojan"])  # a member of another network only
    _thread, post = await start_thread_in(
        seeded, people["ana"], CLOSED, f"Da li @{vesna} i @{bojan} vide ovo?"
    )
    async with act(seeded, system=True) as ctx:
        html = (await ctx.db.get(Post, post)).html  # type: ignore[union-attr]
    assert "mention" not in html and "data-user-id" not in html
    assert "Vesna" not in html and "Tajna" not in html and "Bojan" not in html
    assert f"@{vesna}" in html  # what the author wrote stays, as plain text
    assert await _mentions_of(seeded, post) == set()

    closed = await network(seeded, CLOSED)
    async with act(seeded, actor_id=people["ana"]) as ctx:
        assert await mentionable(ctx, closed, "vesna") == []
        assert [u.id for u in await mentionable(ctx, closed, "ana")] == [people["ana"]]


async def test_mention_in_code_is_not_a_mention(seeded: Runtime, people: dict[str, int]) -> None:
    bojan = await _handle(seeded, people["bojan"])
    thread = await start_thread(seeded, people["ana"])
    body = f"Primer: `@{bojan}` i\n\n```\nposlati @{bojan}\n```\n"
    post = await reply(seeded, people["ana"], thread, body)
    async with act(seeded, system=True) as ctx:
        html = (await ctx.db.get(Post, post)).html  # type: ignore[union-attr]
    assert "data-user-id" not in html
    assert await _mentions_of(seeded, post) == set()


async def test_mention_added_by_an_edit_is_recorded(
    seeded: Runtime, people: dict[str, int]
) -> None:
    bojan = await _handle(seeded, people["bojan"])
    coord = await _handle(seeded, people["coord"])
    thread = await start_thread(seeded, people["ana"])
    post = await reply(seeded, people["ana"], thread, f"Za @{bojan}")
    async with act(seeded, actor_id=people["ana"]) as ctx:
        await do_edit_post(ctx, post, body=f"Za @{bojan} i @{coord}")
    assert await _mentions_of(seeded, post) == {people["bojan"], people["coord"]}


async def _read_marker(runtime: Runtime, user_id: int, thread_id: int) -> ThreadRead:
    async with runtime.sessionmaker() as db:
        query = select(ThreadRead).where(
            ThreadRead.user_id == user_id, ThreadRead.thread_id == thread_id
        )
        return (await db.exec(query)).one()


async def test_a_window_is_a_pure_read_and_the_marker_moves_by_its_action(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread = await start_thread(seeded, people["ana"])
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        window = await thread_window(ctx, thread)
    assert len(window.posts) == 1 and window.read is None
    assert (await unread_of(seeded, people["bojan"]))[thread] == 1  # reading wrote nothing
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await do_mark_thread_read(ctx, await thread_window(ctx, thread))
    assert (await unread_of(seeded, people["bojan"]))[thread] == 0


async def test_reading_again_writes_nothing(seeded: Runtime, people: dict[str, int]) -> None:
    thread = await start_thread(seeded, people["ana"])
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await view_thread(ctx, thread)
    first = await _read_marker(seeded, people["bojan"], thread)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await view_thread(ctx, thread)
    # A page view of a read thread is a read: the marker is not written again.
    again = await _read_marker(seeded, people["bojan"], thread)
    assert (again.last_read_post_id, again.seen_count, again.read_at) == (
        first.last_read_post_id,
        first.seen_count,
        first.read_at,
    )
    await reply(seeded, people["ana"], thread)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await view_thread(ctx, thread)
    moved = await _read_marker(seeded, people["bojan"], thread)  # a new post read: it moves
    assert moved.last_read_post_id > first.last_read_post_id and moved.read_at > first.read_at
    assert (await unread_of(seeded, people["bojan"]))[thread] == 0


def test_the_edit_rule_the_actions_raise_and_the_pages_ask() -> None:
    """edit_refusal is pure: do_edit_post raises what it returns, the thread page shows an Edit
    link only where it returns None (hub.web.pages.thread.Viewer)."""
    post = Post(id=1, thread_id=1, author_id=7, body="b", html="b")
    assert edit_refusal(post, actor_id=7, moderator=False, locked=False) is None
    assert edit_refusal(post, actor_id=8, moderator=True, locked=True) is None
    assert isinstance(edit_refusal(post, actor_id=8, moderator=False, locked=False), Forbidden)
    assert isinstance(edit_refusal(post, actor_id=None, moderator=False, locked=False), Forbidden)
    assert isinstance(edit_refusal(post, actor_id=7, moderator=False, locked=True), Conflict)
    assert may_change(post, actor_id=7, moderator=False)
    assert not may_change(post, actor_id=None, moderator=False)
    post.deleted_at = utcnow()
    assert isinstance(edit_refusal(post, actor_id=7, moderator=True, locked=False), Conflict)
    assert may_change(post, actor_id=7, moderator=False)  # deleting again is a no-op, not refused
