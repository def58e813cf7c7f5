"""What a newcomer and the first users hit, checked over HTTP (the browser tests have the rest):
sign-in offers that come back only within the site, every network listed, waiting flags, the
@handle, the favicon, and no CSRF token in any URL a page makes."""

from __future__ import annotations

import re

import httpx
from sqlmodel import select

from hub.actions.context import act
from hub.actions.moderation import do_flag, do_hide_post
from hub.actions.threads import do_create_thread
from hub.i18n import gettext
from hub.models import Network, User
from hub.plumbing.runtime import Runtime
from tests.conftest import PASSWORD, csrf_of, make_user, sign_in

MEMBERS_ONLY = "romska-pitanja"


async def _thread(rt: Runtime, author: int, slug: str) -> tuple[int, int]:
    async with act(rt, actor_id=author) as ctx:
        thread, post = await do_create_thread(ctx, slug, title="Tema", body="Prva poruka")
    assert thread.id and post.id
    return thread.id, post.id


async def test_an_anonymous_404_offers_sign_in_and_comes_back(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    author = await make_user(seeded, "ana@example.org", networks={MEMBERS_ONLY: "member"})
    thread_id, _ = await _thread(seeded, author, MEMBERS_ONLY)
    private = await client.get(f"/threads/{thread_id}")
    missing = await client.get("/threads/999999")
    assert private.status_code == missing.status_code == 404

    # The two pages differ only in the address they offer to come back to.
    def unaddressed(html: str, thread: int) -> str:
        return html.replace(f"%2Fthreads%2F{thread}", "").replace(f"/threads/{thread}", "")

    assert unaddressed(private.text, thread_id) == unaddressed(missing.text, 999999)
    assert f'href="/signin?next=%2Fthreads%2F{thread_id}"' in private.text
    assert "Prva poruka" not in private.text

    page = await client.get(f"/signin?next=/threads/{thread_id}")
    assert f'name="next" value="/threads/{thread_id}"' in page.text
    token = await csrf_of(client)
    done = await client.post(
        "/signin",
        data={
            "email": "ana@example.org",
            "password": PASSWORD,
            "next": f"/threads/{thread_id}",
            "csrf_token": token,
        },
    )
    assert done.headers["location"] == f"/threads/{thread_id}"
    assert (await client.get(done.headers["location"])).status_code == 200


async def test_next_never_leaves_the_site(client: httpx.AsyncClient, runtime: Runtime) -> None:
    await make_user(runtime, "ana@example.org")
    for target in ("//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example"):
        page = await client.get("/signin", params={"next": target})
        kept = re.search(r'action="/signin".*?name="next" value="([^"]*)"', page.text, re.S)
        assert kept is not None and kept.group(1) == "/", target
        token = await csrf_of(client)
        done = await client.post(
            "/signin",
            data={
                "email": "ana@example.org",
                "password": PASSWORD,
                "next": target,
                "csrf_token": token,
            },
        )
        assert done.headers["location"] == "/", target
        await client.post("/signout", data={"csrf_token": await csrf_of(client, "/profile")})


async def test_every_anonymous_page_has_a_sign_in_link(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    for path in ("/networks", "/reset", "/networks/no-such"):
        page = await client.get(path)
        assert 'class="signin-link"' in page.text, path
    assert 'class="signin-link"' not in (await client.get("/signin")).text


async def test_the_directory_lists_every_network_members_only_without_its_board(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "ana@example.org")
    async with seeded.sessionmaker() as db:
        total = len((await db.exec(select(Network))).all())
        hidden = (await db.exec(select(Network).where(Network.slug == MEMBERS_ONLY))).one()
    await sign_in(client, "ana@example.org")
    dashboard = await client.get("/")
    lead = dashboard.text.split('class="lead"')[1].split("</p>")[0]
    assert re.findall(r"\d+", lead)[0] == str(total)
    directory = await client.get("/networks")
    assert directory.text.count('class="directory-item"') == total
    assert hidden.name in directory.text
    assert f'href="/networks/{MEMBERS_ONLY}"' not in directory.text
    assert (await client.get(f"/networks/{MEMBERS_ONLY}")).status_code == 404


async def test_coordinators_see_waiting_flags_and_hidden_posts_offer_no_flag(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    coordinator = await make_user(seeded, "koord@example.org", networks={"sport": "coordinator"})
    member = await make_user(seeded, "clan@example.org", networks={"sport": "member"})
    author = await make_user(seeded, "autor@example.org", networks={"sport": "member"})
    thread_id, first = await _thread(seeded, author, "sport")
    _, second = await _thread(seeded, author, "sport")
    async with act(seeded, actor_id=member) as ctx:
        await do_flag(ctx, first, reason="Neprimereno")
        await do_flag(ctx, second, reason="Neprimereno")
    await sign_in(client, "koord@example.org")
    words = re.compile(r'<span class="badge warn">([^<]+)</span>')
    board = await client.get("/networks/sport")
    assert [m for m in words.findall(board.text) if m.startswith("2 ")], board.text
    dashboard = await client.get("/")
    assert 'href="/networks/sport/moderation">2 ' in dashboard.text
    async with act(seeded, actor_id=coordinator) as ctx:
        await do_hide_post(ctx, first, reason="Van teme")
    await client.post("/signout", data={"csrf_token": await csrf_of(client, "/profile")})
    await sign_in(client, "clan@example.org")
    thread = await client.get(f"/threads/{thread_id}")
    assert f'href="/posts/{first}/flag"' not in thread.text
    assert f'href="/posts/{second}/flag"' in (await client.get(f"/threads/{thread_id + 1}")).text


async def test_profile_shows_the_handle_and_the_favicon_is_served(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, "ana.anic@example.org")
    async with runtime.sessionmaker() as db:
        handle = (await db.get(User, user_id)).handle  # type: ignore[union-attr]
    assert handle
    await sign_in(client, "ana.anic@example.org")
    assert f"<code>@{handle}</code>" in (await client.get("/profile")).text
    icon = await client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/favicon.svg"' in (await client.get("/")).text


async def test_no_page_puts_a_csrf_token_in_a_url(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    author = await make_user(seeded, "ana@example.org", admin=True, networks={"sport": "member"})
    thread_id, _ = await _thread(seeded, author, "sport")
    await sign_in(client, "ana@example.org")
    in_url = re.compile(r'(?:action|href|src)="[^"]*csrf_token', re.I)
    for path in (
        "/",
        "/networks",
        "/networks/sport",
        "/networks/sport/threads/new",
        f"/threads/{thread_id}",
        "/profile",
        "/admin",
        "/admin/users",
        "/admin/audit",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert not in_url.search(page.text), path
    token = await csrf_of(client, "/networks/sport/threads/new")
    failed = await client.post(
        "/networks/sport/threads/new",
        data={"csrf_token": token, "title": "", "body": "Telo"},
        files={"attachments": ("", b"", "application/octet-stream")},
    )
    assert failed.status_code == 422
    assert "csrf_token" not in str(failed.url)
    assert not in_url.search(failed.text)


def _visible_text(html: str) -> str:
    """The text a reader sees in the page's main part: no tags, no attributes."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]*>", " ", main)


async def test_the_audit_log_speaks_words_in_every_language(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    from hub.actions.bodies import do_set_network_member
    from hub.web.pages.audit_view import ACTIONS

    admin = await make_user(seeded, "admin@example.org", admin=True)
    member = await make_user(seeded, "clan@example.org", networks={"sport": "member"})
    author = await make_user(seeded, "autor@example.org", networks={"sport": "member"})
    thread_id, post_id = await _thread(seeded, author, "sport")
    async with act(seeded, actor_id=member) as ctx:
        await do_flag(ctx, post_id, reason="Neprimereno")
    async with act(seeded, actor_id=admin) as ctx:
        await do_hide_post(ctx, post_id, reason="Van teme")
        await do_set_network_member(ctx, "sport", member, role="coordinator")
    await sign_in(client, "admin@example.org")
    keys = "|".join(re.escape(key) for key in ACTIONS)
    raw = re.compile(rf"\b(?:{keys})\b|_id\b|\b(?:posts|threads|users) #")
    for language in ("sr-Latn", "sr-Cyrl", "en"):
        token = await csrf_of(client, "/profile")
        await client.post("/language", data={"language": language, "csrf_token": token})
        for path in ("/admin/audit", "/admin"):
            page = await client.get(path)
            text = _visible_text(page.text)
            assert not raw.search(text), (language, path, raw.search(text))
            assert gettext(language, "Hid a post") in text
            assert gettext(language, "Flagged a post") in text
            assert f'href="/threads/{thread_id}?around={post_id}#post-{post_id}"' in page.text
            assert f'href="/admin/users/{member}"' in page.text
            assert f'href="/threads/{thread_id}"' in page.text
        assert gettext(language, "coordinator") in _visible_text(page.text)
    filtered = await client.get("/admin/audit", params={"action": "post.hidden"})
    assert filtered.text.count("<tr data-action=") == 1


def test_every_audited_action_and_data_key_has_words() -> None:
    """Each ctx.audit(...) in the code names an action the log can say and data it can label."""
    import ast
    from pathlib import Path

    from hub.actions.proposal_states import Move
    from hub.web.pages.audit_view import ACTIONS, LABELS

    actions, keys = set(), set()
    for source in Path("hub").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in ("audit", "_audit_apart"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.JoinedStr):  # f"proposal.{move}": one per move, below
                    continue
                for inner in ast.walk(arg):
                    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                        actions.add(inner.value)
            keys |= {k.arg for k in node.keywords if k.arg}
    assert actions and keys
    actions |= {f"proposal.{move}" for move in Move}  # hub.actions.proposal_review._move
    assert actions - set(ACTIONS) == set()
    assert keys - set(LABELS) == set()
