"""S6: a person may post at most HUB_POSTS_PER_MINUTE times a minute; the next post is refused
with 429 and writes nothing, on the API and in the page (where the text is kept)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlmodel import func, select

from hub.actions.context import act
from hub.actions.errors import RateLimited
from hub.actions.posts import do_reply
from hub.actions.threads import do_create_thread
from hub.models import Post
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.conftest import api_token, make_user, sign_in

LIMIT = 3


@pytest.fixture
def limited(seeded: Runtime) -> Runtime:
    return dataclasses.replace(seeded, settings=seeded.settings.with_(posts_per_minute=LIMIT))


async def _posts(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as db:
        return int((await db.exec(select(func.count()).select_from(Post))).one())


async def test_the_post_over_the_limit_is_refused_and_writes_nothing(limited: Runtime) -> None:
    uid = await make_user(limited, "brza@example.org", networks={"sport": "member"})
    async with act(limited, actor_id=uid) as ctx:
        thread, _ = await do_create_thread(ctx, "sport", title="Tema", body="prva")
    for n in range(LIMIT - 1):
        async with act(limited, actor_id=uid) as ctx:
            await do_reply(ctx, thread.id or 0, body=f"poruka {n}")
    before = await _posts(limited)
    with pytest.raises(RateLimited) as refused:
        async with act(limited, actor_id=uid) as ctx:
            await do_reply(ctx, thread.id or 0, body="jedna previše")
    assert 0 < refused.value.retry_after <= 60
    assert await _posts(limited) == before

    other = await make_user(limited, "druga@example.org", networks={"sport": "member"})
    async with act(limited, actor_id=other) as ctx:  # the limit is per person
        await do_reply(ctx, thread.id or 0, body="moja prva")
    assert await _posts(limited) == before + 1


async def test_api_answers_429_and_the_page_keeps_the_text(limited: Runtime) -> None:
    await make_user(limited, "brzi@example.org", networks={"sport": "member"})
    app = create_app(limited.settings, runtime=limited)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        headers = await api_token(client, "brzi@example.org")
        made = await client.post(
            "/api/v1/networks/sport/threads", json={"title": "T", "body": "b"}, headers=headers
        )
        thread_id = made.json()["thread"]["id"]
        for n in range(LIMIT - 1):
            ok = await client.post(
                f"/api/v1/threads/{thread_id}/posts", json={"body": f"p{n}"}, headers=headers
            )
            assert ok.status_code == 201
        refused = await client.post(
            f"/api/v1/threads/{thread_id}/posts", json={"body": "previše"}, headers=headers
        )
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) > 0

        await sign_in(client, "brzi@example.org")
        page = await client.get(f"/threads/{thread_id}")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        text = "Ovaj tekst ne sme da se izgubi"
        answer = await client.post(
            f"/threads/{thread_id}/posts",
            files={"csrf_token": (None, token), "body": (None, text)},
        )
        assert answer.status_code == 429
        assert text in answer.text
