"""Moderation through the actions: pin, lock, move, hide, flags and their auto-hide, the audit."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.errors import Conflict, Forbidden, Invalid, NotFound
from hub.actions.moderation import (
    AUTO_HIDDEN,
    FLAGS_TO_HIDE,
    do_flag,
    do_hide_post,
    do_lock,
    do_move,
    do_pin,
    do_unhide_post,
)
from hub.actions.post_changes import do_delete_post
from hub.actions.posts import do_reply
from hub.actions.search import search
from hub.actions.threads import do_create_thread
from hub.models import AuditEntry, Flag, Network, Post, SearchDocument, Thread
from hub.plumbing.runtime import Runtime
from hub.reads.moderation import moderation_queue
from hub.reads.posts import load_post_views, post_public
from tests.conftest import make_user
from tests.thread_helpers import view_thread

NET = "elektronska-uprava"
OTHER = "javne-nabavke"


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    users = {
        "author": await make_user(seeded, "autor@nis.rs", networks={NET: "member"}),
        "coord": await make_user(
            seeded, "koordinator@skgo.org", networks={NET: "coordinator", OTHER: "coordinator"}
        ),
        "half": await make_user(seeded, "pola@skgo.org", networks={NET: "coordinator"}),
        "reader": await make_user(seeded, "citalac@cacak.rs"),
    }
    for i in range(FLAGS_TO_HIDE + 1):
        users[f"m{i}"] = await make_user(seeded, f"clan{i}@nis.rs", networks={NET: "member"})
    return users


async def thread_with_post(rt: Runtime, uid: int, body: str) -> tuple[int, int]:
    async with act(rt, actor_id=uid) as ctx:
        thread, _first = await do_create_thread(ctx, NET, title="Pitanje", body="Uvod")
        post = (await do_reply(ctx, thread.id or 0, body=body)).post
        return thread.id or 0, post.id or 0


async def audit_actions(rt: Runtime) -> list[tuple[str, int | None, str]]:
    """What the audit log says was done to threads and posts (other than starting them)."""
    async with act(rt, system=True) as ctx:
        rows = await ctx.db.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [
            (e.action, e.actor_id, e.object_id)
            for e in rows.all()
            if e.action.startswith(("thread.", "post.")) and e.action != "thread.created"
        ]


async def found_by_search(rt: Runtime, uid: int, words: str, network: str | None = None) -> bool:
    async with act(rt, actor_id=uid) as ctx:
        hits, _ = await search(ctx, words, network=network)
    return bool(hits)


async def test_pin_and_lock_are_audited(seeded: Runtime, people: dict[str, int]) -> None:
    thread, _post = await thread_with_post(seeded, people["author"], "Tekst")
    coord = people["coord"]
    async with act(seeded, actor_id=coord) as ctx:
        await do_pin(ctx, thread, pinned=True)
        await do_pin(ctx, thread, pinned=True)  # no change: nothing to audit
        await do_lock(ctx, thread, locked=True)
    async with act(seeded, actor_id=people["author"]) as ctx:
        with pytest.raises(Conflict):
            await do_reply(ctx, thread, body="Zaključano")
    async with act(seeded, actor_id=coord) as ctx:
        await do_lock(ctx, thread, locked=False)
        await do_pin(ctx, thread, pinned=False)
    async with act(seeded, actor_id=people["author"]) as ctx:
        await do_reply(ctx, thread, body="Otključano")

    assert await audit_actions(seeded) == [
        ("thread.pinned", coord, str(thread)),
        ("thread.locked", coord, str(thread)),
        ("thread.unlocked", coord, str(thread)),
        ("thread.unpinned", coord, str(thread)),
    ]


async def test_members_and_readers_cannot_moderate(seeded: Runtime, people: dict[str, int]) -> None:
    thread, post = await thread_with_post(seeded, people["author"], "Tekst")
    for who in ("author", "m0", "reader"):
        for attempt in (
            lambda ctx: do_pin(ctx, thread, pinned=True),
            lambda ctx: do_lock(ctx, thread, locked=True),
            lambda ctx: do_move(ctx, thread, to_network=OTHER),
            lambda ctx: do_hide_post(ctx, post, reason="Zato"),
            lambda ctx: do_unhide_post(ctx, post),
            lambda ctx: moderation_queue(ctx, NET),
        ):
            async with act(seeded, actor_id=people[who]) as ctx:
                with pytest.raises(Forbidden):
                    await attempt(ctx)
    async with act(seeded, actor_id=None) as ctx:
        with pytest.raises(NotFound):  # anonymous visitors do not see this network at all
            await do_pin(ctx, thread, pinned=True)
    async with act(seeded, system=True) as ctx:
        saved = await ctx.db.get(Thread, thread)
        hidden = await ctx.db.get(Post, post)
    assert saved is not None and not saved.pinned and not saved.locked
    assert saved.network_id == (await _network_id(seeded, NET))
    assert hidden is not None and hidden.hidden_at is None
    assert await audit_actions(seeded) == []


async def _network_id(rt: Runtime, slug: str) -> int:
    async with act(rt, system=True) as ctx:
        network = (await ctx.db.exec(select(Network).where(Network.slug == slug))).one()
        return network.id or 0


async def test_move_takes_the_search_documents_along(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, _post = await thread_with_post(seeded, people["author"], "Seobeni primer teksta")
    async with act(seeded, actor_id=people["half"]) as ctx:  # coordinates only the source
        with pytest.raises(Forbidden):
            await do_move(ctx, thread, to_network=OTHER)
    async with act(seeded, actor_id=people["coord"]) as ctx:
        with pytest.raises(Invalid):
            await do_move(ctx, thread, to_network="")
        with pytest.raises(NotFound):
            await do_move(ctx, thread, to_network="no-such-network")
    reader = people["reader"]
    assert await found_by_search(seeded, reader, "seobeni", NET)
    assert not await found_by_search(seeded, reader, "seobeni", OTHER)

    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_move(ctx, thread, to_network=OTHER)
    assert not await found_by_search(seeded, reader, "seobeni", NET)
    assert await found_by_search(seeded, reader, "seobeni", OTHER)
    assert await found_by_search(seeded, reader, "pitanje", OTHER)  # the title too
    target = await _network_id(seeded, OTHER)
    async with act(seeded, system=True) as ctx:
        docs = await ctx.db.exec(select(SearchDocument).where(SearchDocument.thread_id == thread))
        assert {d.network_id for d in docs.all()} == {target}
        assert (await ctx.db.get(Thread, thread)).network_id == target  # type: ignore[union-attr]
        moved = (
            await ctx.db.exec(select(AuditEntry).where(AuditEntry.action == "thread.moved"))
        ).one()
    assert moved.data == {"source": NET, "target": OTHER}
    assert moved.actor_id == people["coord"]


async def test_hide_with_a_reason(seeded: Runtime, people: dict[str, int]) -> None:
    thread, post = await thread_with_post(seeded, people["author"], "Neprimerenrec ovde")
    async with act(seeded, actor_id=people["coord"]) as ctx:
        with pytest.raises(Invalid) as no_reason:
            await do_hide_post(ctx, post, reason="   ")
    assert no_reason.value.field == "reason"
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_hide_post(ctx, post, reason="Uvredljivo")

    assert not await found_by_search(seeded, people["reader"], "neprimerenrec")
    async with act(seeded, actor_id=people["reader"]) as ctx:
        window = await view_thread(ctx, thread, after=0)
    hidden = post_public(window.posts[1])
    assert hidden["hidden"] is True and hidden["body"] == "" and hidden["html"] == ""
    async with act(seeded, actor_id=people["coord"]) as ctx:
        network = window.network
        seen = post_public((await load_post_views(ctx, network, [post]))[0], moderator=True)
    assert seen["body"] == "Neprimerenrec ovde"  # the coordinator still sees what was hidden
    async with act(seeded, system=True) as ctx:
        entry = (
            await ctx.db.exec(select(AuditEntry).where(AuditEntry.action == "post.hidden"))
        ).one()
        saved = await ctx.db.get(Post, post)
    assert entry.data["reason"] == "Uvredljivo" and entry.object_id == str(post)
    assert entry.actor_id == people["coord"]
    assert saved is not None and saved.hidden_reason == "Uvredljivo"
    assert saved.hidden_by_id == people["coord"]


async def test_flags_once_each_and_three_hide(seeded: Runtime, people: dict[str, int]) -> None:
    _thread, post = await thread_with_post(seeded, people["author"], "Spornarec u postu")

    async def flag(who: str, reason: str = "Neprimereno") -> Post:
        async with act(seeded, actor_id=people[who]) as ctx:
            return await do_flag(ctx, post, reason=reason)

    await flag("m0")
    with pytest.raises(Conflict):
        await flag("m0", "Opet")  # once per member
    with pytest.raises(Conflict):
        await flag("author")  # not one's own post
    with pytest.raises(Forbidden):
        await flag("reader")  # readers who are not members do not flag
    with pytest.raises(Invalid):
        await flag("m1", "")
    flagged = await flag("m1")
    assert flagged.hidden_at is None and flagged.flag_count == 2
    assert await found_by_search(seeded, people["reader"], "spornarec")

    flagged = await flag("m2")  # the third member: hidden until a coordinator decides
    assert flagged.hidden_at is not None and flagged.hidden_reason == AUTO_HIDDEN
    assert not await found_by_search(seeded, people["reader"], "spornarec")

    async with act(seeded, actor_id=people["coord"]) as ctx:
        _network, queue = await moderation_queue(ctx, NET)
    assert [item.post.id for item in queue] == [post]
    assert {f.user_id for f, _u in queue[0].flags} == {people["m0"], people["m1"], people["m2"]}

    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_unhide_post(ctx, post)
    async with act(seeded, system=True) as ctx:
        flags = (await ctx.db.exec(select(Flag).where(Flag.post_id == post))).all()
        saved = await ctx.db.get(Post, post)
    assert len(flags) == 3
    assert all(f.resolved_at is not None and f.decision == "kept" for f in flags)
    assert {f.resolved_by_id for f in flags} == {people["coord"]}
    assert saved is not None and saved.hidden_at is None and saved.hidden_reason == ""
    assert await found_by_search(seeded, people["reader"], "spornarec")
    async with act(seeded, actor_id=people["coord"]) as ctx:
        _network, queue = await moderation_queue(ctx, NET)
    assert queue == []

    # A fourth member flags the kept post: one open flag, not enough to hide it again.
    flagged = await flag("m3")
    assert flagged.hidden_at is None

    actions = [a[0] for a in await audit_actions(seeded)]
    assert actions.count("post.flagged") == 4
    assert actions.count("post.auto_hidden") == 1
    assert actions.count("post.unhidden") == 1


async def test_coordinator_hiding_resolves_open_flags(
    seeded: Runtime, people: dict[str, int]
) -> None:
    _thread, post = await thread_with_post(seeded, people["author"], "Tekst")
    async with act(seeded, actor_id=people["m0"]) as ctx:
        await do_flag(ctx, post, reason="Spam")
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_hide_post(ctx, post, reason="Spam")
    async with act(seeded, system=True) as ctx:
        flag = (await ctx.db.exec(select(Flag).where(Flag.post_id == post))).one()
    assert flag.decision == "hidden" and flag.resolved_by_id == people["coord"]


async def test_a_flag_is_undone_with_its_transaction(
    seeded: Runtime, people: dict[str, int]
) -> None:
    _thread, post = await thread_with_post(seeded, people["author"], "Tekst")
    with pytest.raises(RuntimeError):
        async with act(seeded, actor_id=people["m0"]) as ctx:
            await do_flag(ctx, post, reason="Spam")
            raise RuntimeError("the request failed after flagging")
    async with act(seeded, system=True) as ctx:
        assert (await ctx.db.exec(select(Flag).where(Flag.post_id == post))).all() == []
        assert (await ctx.db.get(Post, post)).flag_count == 0  # type: ignore[union-attr]


async def test_unhiding_a_deleted_post_keeps_it_out_of_search(
    seeded: Runtime, people: dict[str, int]
) -> None:
    _thread, post = await thread_with_post(seeded, people["author"], "Zaboravljenarec")
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_hide_post(ctx, post, reason="Proveriti")
    async with act(seeded, actor_id=people["author"]) as ctx:
        await do_delete_post(ctx, post)
    async with act(seeded, actor_id=people["coord"]) as ctx:
        await do_unhide_post(ctx, post)
    async with act(seeded, system=True) as ctx:
        docs = await ctx.db.exec(
            select(SearchDocument).where(
                SearchDocument.kind == "post", SearchDocument.object_id == post
            )
        )
        assert docs.all() == []
    assert not await found_by_search(seeded, people["reader"], "zaboravljenarec")
