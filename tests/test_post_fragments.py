"""The kept post and board-row fragments (hub.web.fragments): a page built from them shows each
reader what it showed before they were kept: an edit at once, the controls of the reader's own
rights (a revoked right at once), their script, and their own CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.actions.bodies import do_remove_network_member
from hub.actions.context import act
from hub.actions.moderation import do_hide_post
from hub.actions.notifications import do_mark_read
from hub.actions.post_changes import do_edit_post
from hub.actions.posts import do_reply
from hub.plumbing.runtime import Runtime
from hub.web.fragments import CACHE
from hub.web.templating import CSRF_SLOT
from hub.web.visitor import LANG_COOKIE
from tests.conftest import csrf_of
from tests.test_board_pages import NETWORKS, World, browser_as, counting, make_world

TOKENS = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
async def world(seeded: Runtime) -> World:
    return await make_world(seeded)


def post_html(page: str, post_id: int) -> str:
    found = re.search(rf'<article[^>]*id="post-{post_id}".*?</article>', page, re.S)
    assert found, f"post {post_id} is not on the page"
    return found.group(0)


async def test_an_edited_post_shows_its_new_text(app: Any, world: World) -> None:
    thread, post = world.threads["public"], world.posts["public"]
    async with browser_as(app, "member") as c:
        before = post_html((await c.get(f"/threads/{thread}")).text, post)
        assert "<strong>plan</strong>" in before
        hits = CACHE.hits
        assert (await c.get(f"/threads/{thread}")).status_code == 200
        assert CACHE.hits > hits  # the second view was built from kept fragments
        async with act(world.runtime, actor_id=world.users["author"]) as ctx:
            await do_edit_post(ctx, post, body="Novi **predlog**")
        after = post_html((await c.get(f"/threads/{thread}")).text, post)
    assert "<strong>predlog</strong>" in after and "<strong>plan</strong>" not in after
    assert f'href="/posts/{post}/history"' in after and f"/posts/{post}/history" not in before


async def test_moderator_controls_for_the_moderator_only(app: Any, world: World) -> None:
    thread, post = world.threads["public"], world.posts["public"]
    hide = f'action="/posts/{post}/hide"'
    pages = {}
    for role in ("coordinator", "member", "coordinator", "anonymous", "member"):
        async with browser_as(app, role) as c:
            page = (await c.get(f"/threads/{thread}")).text
            token = await csrf_of(c, "/networks")
        html = post_html(page, post)
        assert (hide in html) == (role == "coordinator"), role
        assert (f'action="/posts/{post}/delete"' in html) == (role == "coordinator"), role
        assert (f'action="/posts/{post}/reactions"' in html) == (role != "anonymous"), role
        assert CSRF_SLOT not in page
        assert set(TOKENS.findall(page)) <= {token}, role  # each reader's forms: their own token
        pages.setdefault(role, set()).add(TOKENS.sub("", html))
    # The second coordinator and member were served kept fragments: the same, but for the token.
    assert len(pages["coordinator"]) == 1 and len(pages["member"]) == 1


async def test_a_hidden_post_is_hidden_from_a_reader_who_saw_it(app: Any, world: World) -> None:
    thread, post = world.threads["public"], world.posts["public"]
    async with browser_as(app, "member") as c:
        assert "<strong>plan</strong>" in post_html((await c.get(f"/threads/{thread}")).text, post)
        async with act(world.runtime, actor_id=world.users["coordinator"]) as ctx:
            await do_hide_post(ctx, post, reason="Van teme")
        html = post_html((await c.get(f"/threads/{thread}")).text, post)
    assert "<strong>plan</strong>" not in html and "Van teme" in html


async def test_a_revoked_membership_takes_the_buttons_at_once(app: Any, world: World) -> None:
    thread, post = world.threads["public"], world.posts["public"]
    async with browser_as(app, "member") as c:
        html = post_html((await c.get(f"/threads/{thread}")).text, post)
        assert f'action="/posts/{post}/reactions"' in html and "reply_to=" in html
        async with act(world.runtime, system=True) as ctx:
            await do_remove_network_member(ctx, NETWORKS["public"], world.users["member"])
        page = (await c.get(f"/threads/{thread}")).text
    html = post_html(page, post)
    assert f'action="/posts/{post}/reactions"' not in html and "reply_to=" not in html
    assert 'action="/threads/' not in page  # nor the composer


async def test_each_reader_gets_their_script(app: Any, world: World) -> None:
    thread, post = world.threads["public"], world.posts["public"]
    seen = {}
    for language in ("sr-Latn", "sr-Cyrl", "sr-Latn", "sr-Cyrl"):
        async with browser_as(app, "anonymous") as c:
            c.cookies.set(LANG_COOKIE, language)
            seen[language] = post_html((await c.get(f"/threads/{thread}")).text, post)
    assert "Naš" in seen["sr-Latn"] and "Наш" not in seen["sr-Latn"]
    assert "Наш" in seen["sr-Cyrl"] and "Naš" not in seen["sr-Cyrl"]


async def test_a_board_row_follows_its_thread(app: Any, world: World) -> None:
    slug, thread = NETWORKS["public"], world.threads["public"]
    row = re.compile(rf'<li class="thread-row[^"]*" id="thread-{thread}".*?</li>', re.S)
    async with browser_as(app, "member") as c:
        first = row.search((await c.get(f"/networks/{slug}")).text)
        assert first and "3 poruke" in first.group(0)
        async with act(world.runtime, actor_id=world.users["author"]) as ctx:
            await do_reply(ctx, thread, body="Još jedan")
        second = row.search((await c.get(f"/networks/{slug}")).text)
    assert second and "4 poruke" in second.group(0)


async def test_a_view_with_no_unread_notices_writes_none(app: Any, world: World) -> None:
    thread = world.threads["public"]
    async with act(world.runtime, actor_id=world.users["member"]) as ctx:
        await do_mark_read(ctx, every=True)
    async with browser_as(app, "member") as c:
        with counting(world.runtime) as statements:
            page = await c.get(f"/threads/{thread}")
    assert page.status_code == 200 and 'class="post' in page.text
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE NOTIFICATIONS")]
