"""Every board action announces exactly what changed, on the right channel, after its commit.

The sockets render from these events, so an event that is missing, doubled, on the wrong
channel or carrying stale data is a page that lies until reloaded.
"""

from __future__ import annotations

import pytest

from hub.actions.accounts import do_end_all_sessions
from hub.actions.bodies import (
    do_remove_network_member,
    do_set_network_member,
    do_update_committee,
    do_update_network,
)
from hub.actions.context import act
from hub.actions.errors import Forbidden
from hub.actions.moderation import do_flag, do_hide_post, do_lock, do_move, do_pin, do_unhide_post
from hub.actions.post_changes import do_delete_post, do_edit_post, do_react
from hub.actions.posts import do_reply
from hub.actions.threads import do_create_thread
from hub.models import User
from hub.plumbing.runtime import Runtime
from tests.conftest import make_user
from tests.events import capture_events

OPEN = "elektronska-uprava"
OTHER = "javne-nabavke"


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    both = {OPEN: "coordinator", OTHER: "coordinator"}
    return {
        "coordinator": await make_user(seeded, "koordinator@nis.rs", networks=both),
        "ana": await make_user(seeded, "ana@nis.rs", networks={OPEN: "member"}),
        "bojan": await make_user(seeded, "bojan@cacak.rs", networks={OPEN: "member"}),
        "vesna": await make_user(seeded, "vesna@kraljevo.rs", networks={OPEN: "member"}),
        "admin": await make_user(seeded, "admin@skgo.org", admin=True),
    }


async def thread_of(rt: Runtime, uid: int, title: str = "Tema") -> tuple[int, int]:
    async with act(rt, actor_id=uid) as ctx:
        thread, post = await do_create_thread(ctx, OPEN, title=title, body="Uvod")
        return thread.id or 0, post.id or 0


async def test_a_new_thread_and_its_posts(seeded: Runtime, people: dict[str, int]) -> None:
    with capture_events(seeded) as heard:
        thread, first = await thread_of(seeded, people["ana"], "Deponije")
    # The opening post is a post of the thread, announced there; the thread, on its board.
    assert heard.types() == [
        (f"thread:{thread}", "post.created"),
        (f"network:{OPEN}", "thread.created"),
    ]
    assert heard[0].data["id"] == first
    assert heard[1].data["id"] == thread and heard[1].data["title"] == "Deponije"

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["bojan"]) as ctx:
            post = (await do_reply(ctx, thread, body="Slažem se, @ana")).post
        async with act(seeded, actor_id=people["ana"]) as ctx:
            reply = (await do_reply(ctx, thread, body="Hvala", reply_to=post.id)).post
    ana, bojan = people["ana"], people["bojan"]
    # Each post on its thread; the mention (and the post in her thread) tell Ana once; the
    # answer to Bojan's post tells Bojan; only the person concerned hears their notice.
    assert heard.types() == [
        (f"thread:{thread}", "post.created"),
        (f"user:{ana}", "notification"),
        (f"thread:{thread}", "post.created"),
        (f"user:{bojan}", "notification"),
    ]
    created = heard.of("post.created")
    assert [e.data["id"] for e in created] == [post.id, reply.id]
    assert created[0].data["author"]["id"] == bojan
    assert created[1].data["reply_to"] == post.id
    notices = heard.of("notification")
    assert [(e.audience, e.data["kind"]) for e in notices] == [
        ((ana,), "mentioned"),
        ((bojan,), "reply"),
    ]
    assert [e.data["unread"] for e in notices] == [1, 1]
    assert "Slažem se" in str(created[0].data["html"])


async def test_editing_deleting_and_reacting(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await thread_of(seeded, people["ana"])
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["ana"]) as ctx:
            await do_edit_post(ctx, first, body="Uvod, dopunjen")
    edited = heard.one("post.edited")
    assert edited.channel == f"thread:{thread}"
    assert edited.data["id"] == first and edited.data["body"] == "Uvod, dopunjen"
    assert edited.data["edit_count"] == 1 and edited.data["edited_at"]

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["bojan"]) as ctx:
            await do_react(ctx, first, kind="thumbs_up", on=True)
        async with act(seeded, actor_id=people["bojan"]) as ctx:
            await do_react(ctx, first, kind="thumbs_up", on=True)  # already there: nothing to say
        async with act(seeded, actor_id=people["vesna"]) as ctx:
            await do_react(ctx, first, kind="thumbs_up", on=True)
        async with act(seeded, actor_id=people["bojan"]) as ctx:
            await do_react(ctx, first, kind="thumbs_up", on=False)
    reactions = heard.of("reaction.changed")
    assert [e.channel for e in reactions] == [f"thread:{thread}"] * 3
    assert [(e.data["user_id"], e.data["reactions"]) for e in reactions] == [
        (people["bojan"], {"thumbs_up": 1}),
        (people["vesna"], {"thumbs_up": 2}),
        (people["bojan"], {"thumbs_up": 1}),
    ]
    assert heard.types() == [(f"thread:{thread}", "reaction.changed")] * 3

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["ana"]) as ctx:
            await do_delete_post(ctx, first)
        async with act(seeded, actor_id=people["ana"]) as ctx:
            await do_delete_post(ctx, first)  # deleted already: no second event
    assert heard.types() == [(f"thread:{thread}", "post.deleted")]
    assert heard[0].data == {"id": first, "thread_id": thread}


async def test_a_refused_action_announces_nothing(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await thread_of(seeded, people["ana"])
    with capture_events(seeded) as heard:
        with pytest.raises(Forbidden):
            async with act(seeded, actor_id=people["bojan"]) as ctx:
                await do_edit_post(ctx, first, body="Tuđa izmena")
        with pytest.raises(Forbidden):
            async with act(seeded, actor_id=people["bojan"]) as ctx:
                await do_pin(ctx, thread, pinned=True)
    assert heard == []


async def test_moderation(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await thread_of(seeded, people["ana"])
    coordinator = people["coordinator"]
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_pin(ctx, thread, pinned=True)
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_pin(ctx, thread, pinned=True)  # no change: no events
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_lock(ctx, thread, locked=True)
    assert (
        heard.types()
        == [
            (f"thread:{thread}", "thread.updated"),
            (f"network:{OPEN}", "thread.updated"),
        ]
        * 2
    )
    assert [(e.data["pinned"], e.data["locked"]) for e in heard] == [
        (True, False),
        (True, False),
        (True, True),
        (True, True),
    ]

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_hide_post(ctx, first, reason="Van teme")
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_unhide_post(ctx, first)
    assert heard.types() == [(f"thread:{thread}", "post.hidden")] * 2
    assert [e.data for e in heard] == [
        {"id": first, "thread_id": thread, "hidden": True},
        {"id": first, "thread_id": thread, "hidden": False},
    ]

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=coordinator) as ctx:
            await do_move(ctx, thread, to_network=OTHER)
    assert heard.types() == [
        (f"thread:{thread}", "thread.moved"),
        (f"network:{OPEN}", "thread.moved"),
        (f"network:{OTHER}", "thread.created"),
    ]
    assert {e.data["network"] for e in heard} == {OTHER}


async def test_flags_hide_a_post_at_the_third(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await thread_of(seeded, people["coordinator"])
    flaggers = [people["ana"], people["bojan"], people["vesna"]]
    with capture_events(seeded) as heard:
        for uid in flaggers[:2]:
            async with act(seeded, actor_id=uid) as ctx:
                await do_flag(ctx, first, reason="Uvredljivo")
    assert heard == []  # two flags: the post stays
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=flaggers[2]) as ctx:
            await do_flag(ctx, first, reason="Uvredljivo")
    assert heard.types() == [(f"thread:{thread}", "post.hidden")]
    assert heard[0].data["hidden"] is True


async def test_membership_and_body_changes(seeded: Runtime, people: dict[str, int]) -> None:
    newcomer = await make_user(seeded, "nova@subotica.rs")
    admin = people["admin"]
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=admin) as ctx:
            await do_set_network_member(ctx, OPEN, newcomer, role="member")
        async with act(seeded, actor_id=admin) as ctx:
            await do_set_network_member(ctx, OPEN, newcomer, role="member")  # as it was
        async with act(seeded, actor_id=admin) as ctx:
            await do_set_network_member(ctx, OPEN, newcomer, role="coordinator")
        async with act(seeded, actor_id=admin) as ctx:
            await do_remove_network_member(ctx, OPEN, newcomer)
    assert heard.types() == [(f"network:{OPEN}", "membership.changed")] * 3
    assert [(e.data["user_id"], e.data["role"]) for e in heard] == [
        (newcomer, "member"),
        (newcomer, "coordinator"),
        (newcomer, None),
    ]

    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=admin) as ctx:
            await do_update_network(
                ctx,
                OPEN,
                name="E-uprava",
                name_en="E-government",
                description="Opis",
                committee=None,
                visibility="members",
            )
        async with act(seeded, actor_id=admin) as ctx:
            await do_update_committee(
                ctx, "finansije", name="Finansije", name_en="Finance", description=""
            )
    assert heard.types() == [
        (f"network:{OPEN}", "network.updated"),
        ("committee:finansije", "committee.updated"),
    ]


async def test_ending_sessions_is_announced_once_per_person(
    seeded: Runtime, people: dict[str, int]
) -> None:
    with capture_events(seeded) as heard:
        async with act(seeded, system=True) as ctx:
            user = await ctx.db.get(User, people["ana"])
            assert user is not None
            await do_end_all_sessions(ctx, user, reason="signout")
            await do_end_all_sessions(ctx, user, reason="signout")
    assert heard.types() == [(f"user:{people['ana']}", "session.revoked")]
    assert heard[0].data == {"user_id": people["ana"], "reason": "signout"}
