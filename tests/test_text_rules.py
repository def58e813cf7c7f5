"""The text rules of hub.actions.validate (S10): NUL and lone surrogates refused on both
databases, invisible-only text is empty, bidi controls leave one-line texts and file names,
and what people legitimately write (Serbian in both scripts, emoji sequences) stays intact."""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hub.actions.attachments import clean_filename, do_store_upload
from hub.actions.context import act
from hub.actions.errors import Invalid
from hub.actions.moderation import check_reason, do_flag
from hub.actions.posts import check_body, do_reply
from hub.actions.threads import check_title, do_create_thread
from hub.actions.validate import (
    UNSTORABLE_MESSAGE,
    check_email,
    check_line,
    check_name,
    check_password,
    check_text,
    one_line,
    visible,
)
from hub.i18n import gettext
from hub.models import Attachment, Post, Thread, User
from hub.plumbing.runtime import Runtime
from tests.conftest import PASSWORD, csrf_of, make_user, sign_in
from tests.test_board_pages import NETWORKS, PDF, World, count_rows, email_of, make_world

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u202e\u200b",  # right-to-left override, zero-width space
    "\u2066\u2069\u200e\u200f\u061c",  # isolates and marks
    "\ufeff\u2060\u00ad",  # BOM, word joiner, soft hyphen
    "\u3164\u115f\u2800",  # Hangul fillers, blank Braille
    " \u00a0\u3000\t\n\u2028 ",  # white space of several kinds
    "\u034f\ufe0f\U000e0001",  # combining grapheme joiner, variation selector, a tag
]
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji: three people joined by ZWJ
FLAG = "\U0001f1f7\U0001f1f8"  # the Serbian flag: two regional indicators
SERBIAN = [
    "Đorđe Šćepanović, Čačak–Užice",
    "Ђорђе Шћепановић, Чачак–Ужице",
    "Љубовија, Његовац, Џеп — ЉЊЏ љњџ",
    f"Porodica {FAMILY} i zastava {FLAG}",
    "👍🏽 stoji, a ❤️ takođe",  # a skin tone modifier, a variation selector
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_only_text_counts_as_empty(text: str) -> None:
    assert not visible(text)
    for check, field, message in (
        (check_body, "body", "Write something first."),
        (check_title, "title", "Give the thread a title."),
        (check_reason, "reason", "Say why."),
        (check_name, "name", "This field is required."),
    ):
        with pytest.raises(Invalid) as refused:
            check(text)
        assert (refused.value.field, refused.value.message) == (field, message)
        with pytest.raises(Invalid) as empty:
            check("")
        assert empty.value.message == refused.value.message  # "as users expect": empty is empty
    assert check_text(text, "description") == ""  # an optional text: stored as empty
    assert check_line(text, "name_en", required=None) == ""


@pytest.mark.parametrize("text", SERBIAN)
def test_what_people_write_is_kept_as_written(text: str) -> None:
    assert visible(text)
    assert check_body(text) == text
    assert check_title(text) == text
    assert check_name(text) == text
    assert check_reason(text) == text
    assert clean_filename(text + ".pdf") == text + ".pdf"
    # Joiners inside text stay; only the ends are trimmed.
    assert one_line(f"\u200b{FAMILY}\u200d") == FAMILY


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\ud800b", "\udfff", "x\ud83d"])
def test_nul_and_lone_surrogates_are_refused_everywhere(bad: str) -> None:
    checks = [
        (check_body, "body"),
        (check_title, "title"),
        (check_reason, "reason"),
        (check_name, "name"),
        (lambda v: check_text(v, "description"), "description"),
        (lambda v: check_line(v, "name_en", required=None), "name_en"),
        (check_email, "email"),
        (check_password, "password"),
    ]
    for check, field in checks:
        with pytest.raises(Invalid) as refused:
            check(bad + "x" * 12 + "@example.org")
        assert refused.value.field == field
        assert refused.value.message == UNSTORABLE_MESSAGE


def test_one_line_texts_lose_bidi_and_control_characters() -> None:
    assert check_title("\u202eRezultati\u202c ankete") == "Rezultati ankete"
    assert check_name("Ana\u2067 \u2069Anić\x01") == "Ana Anić"
    assert check_reason("\u200b\u200bspam\u200b") == "spam"
    assert check_name("  Marko \t\n Marković  ") == "Marko Marković"
    # A post keeps its lines, its Markdown and any marks inside it.
    body = "Prvi red\r\n\r\n> citat\u200b\n- stavka"
    assert check_body(body) == "Prvi red\n\n> citat\u200b\n- stavka"
    for bad in ("ana\u200b@example.org", "ana@exam\u202eple.org"):
        with pytest.raises(Invalid):
            check_email(bad)


def test_file_names_lose_bidi_controls_and_keep_the_rest() -> None:
    assert clean_filename("\u202eFDP.exe.txt") == "FDP.exe.txt"
    assert clean_filename("izveštaj\u2066\u2069 \u200b2025.pdf") == "izveštaj 2025.pdf"
    assert clean_filename(f"{FAMILY}.png") == f"{FAMILY}.png"
    assert clean_filename("a\ud800b\x00.pdf") == "ab.pdf"
    assert clean_filename("\u202e\u200b") == "file"


async def test_actions_refuse_invisible_text_and_write_nothing(seeded: Runtime) -> None:
    world = await make_world(seeded)
    author, member = world.users["author"], world.users["member"]
    thread_id, post_id = world.threads["public"], world.posts["public"]
    before = await count_rows(seeded)
    for text in ("\u202e\u200b", "a\x00b", "\ud800"):
        async with act(seeded, actor_id=author) as ctx:
            with pytest.raises(Invalid) as refused:
                await do_create_thread(ctx, NETWORKS["public"], title=text, body="Telo")
            assert refused.value.field == "title"
            with pytest.raises(Invalid) as refused:
                await do_create_thread(ctx, NETWORKS["public"], title="Naslov", body=text)
            assert refused.value.field == "body"
            with pytest.raises(Invalid) as refused:
                await do_reply(ctx, thread_id, body=text)
            assert refused.value.field == "body"
        async with act(seeded, actor_id=member) as ctx:
            with pytest.raises(Invalid) as refused:
                await do_flag(ctx, post_id, reason=text)
            assert refused.value.field == "reason"
    assert await count_rows(seeded) == before
    # Both databases store what is allowed, byte for byte.
    async with act(seeded, actor_id=author) as ctx:
        thread, post = await do_create_thread(
            ctx, NETWORKS["public"], title=f"\u202e{SERBIAN[1]}", body=SERBIAN[3]
        )
        upload = await do_store_upload(ctx, filename="\u202eFDP.exe.txt", stream=io.BytesIO(b"a"))
    async with seeded.sessionmaker() as db:
        assert (await db.get(Thread, thread.id)).title == SERBIAN[1]  # type: ignore[union-attr]
        assert (await db.get(Post, post.id)).body == SERBIAN[3]  # type: ignore[union-attr]
        stored = (await db.exec(select(Attachment).where(Attachment.id == upload.id))).one()
        assert stored.filename == "FDP.exe.txt"


def beside_the_field(response: httpx.Response, field: str, message: str) -> None:
    """The form came back (422) with the error beside its field, linked for screen readers."""
    assert response.status_code == 422, response.text
    text = escape(gettext("sr-Latn", message), quote=False)
    assert f'<p class="error" id="f-{field}-error">{text}</p>' in response.text
    assert re.search(rf'aria-describedby="[^"]*f-{field}-error"', response.text)


async def test_forms_show_invisible_text_as_empty_beside_the_field(
    app: Any, seeded: Runtime
) -> None:
    world: World = await make_world(seeded)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await sign_in(c, email_of("member"))
        token = await csrf_of(c, "/networks")
        before = await count_rows(seeded)
        new = await c.post(
            f"/networks/{NETWORKS['public']}/threads/new",
            files={
                "csrf_token": (None, token),  # first: the token is read from the first part
                "title": (None, "\u202e\u200b"),
                "body": (None, "Telo"),
            },
        )
        beside_the_field(new, "title", "Give the thread a title.")
        assert ">Telo</textarea>" in new.text  # what was written is kept
        reply = await c.post(
            f"/threads/{world.threads['public']}/posts",
            files={"csrf_token": (None, token), "body": (None, "\u200b" * 40)},
        )
        beside_the_field(reply, "body", "Write something first.")
        flag = await c.post(
            f"/posts/{world.posts['public']}/flag",
            data={"reason": "\u2066\u200b\u2069", "csrf_token": token},
        )
        beside_the_field(flag, "reason", "Say why.")
        profile = await c.post(
            "/profile", data={"name": "\u3164", "language": "sr-Latn", "csrf_token": token}
        )
        beside_the_field(profile, "name", "This field is required.")
        assert await count_rows(seeded) == before
    async with seeded.sessionmaker() as db:
        me = (await db.exec(select(User).where(User.email == email_of("member")))).one()
    assert me.name.strip() and me.name != "\u3164"


async def test_the_api_refuses_invisible_text_and_strips_bidi_from_titles(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "pisac@example.org", networks={NETWORKS["public"]: "member"})
    response = await client.post(
        "/api/v1/auth/token", json={"email": "pisac@example.org", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    url = f"/api/v1/networks/{NETWORKS['public']}/threads"
    for body in ({"title": "\u202e\u200b", "body": "x"}, {"title": "x", "body": "\u200b\u200b"}):
        refused = await client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        field = "title" if body["title"] != "x" else "body"
        assert refused.json()["error"]["field"] == field
        empty = await client.post(url, json={**body, field: ""}, headers=headers)
        assert empty.json()["error"]["message"] == refused.json()["error"]["message"]
    made = await client.post(
        url, json={"title": "\u202eexe.txt\u202c Plan", "body": SERIAL}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["thread"]["title"] == "exe.txt Plan"
    assert made.json()["post"]["body"] == SERIAL
    upload = await client.post(
        "/api/v1/attachments",
        files={"file": ("\u202eFDP.exe.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["filename"] == "FDP.exe.pdf"


SERIAL = f"{SERBIAN[0]}\n\n{SERBIAN[1]} {FAMILY}"
