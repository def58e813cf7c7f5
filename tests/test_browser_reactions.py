"""In Chromium: a reaction toggles on and off with one click each, whichever of the API's
answer and the live `reaction.changed` event reaches the page first.

Both orders are forced: Playwright holds the answer until the page has applied the event, or
holds the event (routing the page's WebSocket) until the page has applied the answer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe

from hub.actions.seed import DEMO_PASSWORD
from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
WRITER = "milica.ilic@demo.skgo.test"
READER = "marko.nikolic@demo.skgo.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live-reactions")) as live:
        yield live


@contextmanager
def _api(server: LiveServer, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        token = client.post(
            "/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}
        ).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


async def _until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Poll `condition` with a bounded deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_reaction_toggles_whichever_arrives_first(server: LiveServer) -> None:
    with _api(server, WRITER) as writer:
        created = writer.post(
            "/api/v1/networks/elektronska-uprava/threads",
            json={"title": "Reakcije uživo", "body": "Slažete li se?"},
        )
        assert created.status_code == 201, created.text
        thread_id, post_id = created.json()["thread"]["id"], created.json()["post"]["id"]

    async with browser() as chromium:
        context: Any = await chromium.new_context()  # type: ignore[attr-defined]
        page = await context.new_page()
        frames: list[str] = []  # every frame the server sent this page's socket
        held: list[str] = []  # reaction events kept from the page for now
        sockets: list[Any] = []
        mode = {"hold_events": False, "answer_after_event": False}

        async def route_socket(ws: Any) -> None:
            sockets.append(ws)
            upstream = ws.connect_to_server()

            def from_server(message: str | bytes) -> None:
                text = message.decode() if isinstance(message, bytes) else message
                frames.append(text)
                if mode["hold_events"] and '"reaction.changed"' in text:
                    held.append(text)
                else:
                    ws.send(text)

            upstream.on_message(from_server)

        button = page.locator(f"#post-{post_id} button[data-kind='thumbs_up']")
        count = button.locator(".reaction-count")

        async def reaction_route(route: Any) -> None:
            response = await route.fetch()
            if mode["answer_after_event"]:
                # The answer waits until the page has shown the live event's count.
                expected = "1" if route.request.method == "PUT" else ""
                await page.wait_for_function(
                    "([id, n]) => document.querySelector("
                    "`#post-${id} button[data-kind='thumbs_up'] .reaction-count`"
                    ").textContent === n",
                    arg=[post_id, expected],
                )
            await route.fulfill(response=response)

        await page.route_web_socket(re.compile(r"/ws$"), route_socket)
        await page.route(re.compile(r"/api/v1/posts/\d+/reactions/"), reaction_route)
        await page.goto(server.url + "/signin")
        await page.get_by_label(gettext("sr-Latn", "E-mail address")).fill(READER)
        await page.get_by_label(gettext("sr-Latn", "Password")).fill(DEMO_PASSWORD)
        await page.get_by_role("button", name=gettext("sr-Latn", "Sign in")).click()
        await page.wait_for_url(server.url + "/")
        await page.goto(f"{server.url}/threads/{thread_id}")
        await _until(lambda: any('"type":"subscribed"' in f for f in frames), "the subscription")

        async def click_and_settle() -> None:
            events = sum('"reaction.changed"' in f for f in frames)
            await button.click()
            await page.wait_for_function(
                "id => !document.querySelector("
                "`#post-${id} button[data-kind='thumbs_up']`).hasAttribute('aria-busy')",
                arg=post_id,
            )
            # The event of this click has come from the server too (held or passed on).
            await _until(
                lambda: sum('"reaction.changed"' in f for f in frames) > events, "the event"
            )

        async def assert_state(pressed: bool) -> None:
            assert await button.get_attribute("aria-pressed") == ("true" if pressed else "false")
            assert (await count.inner_text()).strip() == ("1" if pressed else "")

        # 1. The live event arrives before the answer (the case that used to flip back).
        mode["answer_after_event"] = True
        await click_and_settle()
        await assert_state(True)
        await click_and_settle()
        await assert_state(False)

        # 2. The answer arrives first; the event follows once the answer is applied.
        mode["answer_after_event"], mode["hold_events"] = False, True
        for pressed in (True, False):
            await click_and_settle()
            await assert_state(pressed)
            mode["hold_events"] = False
            last_id = json.loads(held[-1])["id"]
            for frame in held:
                sockets[-1].send(frame)
            held.clear()
            # The page has applied the released event (live.js records its id), which changes
            # nothing: the answer had already shown what the event says.
            await page.wait_for_function(
                "id => document.querySelector('[data-live-channel^=\"thread:\"]')"
                ".getAttribute('data-live-since') === id",
                arg=last_id,
            )
            await assert_state(pressed)
            mode["hold_events"] = True
        mode["hold_events"] = False

        # 3. Someone else's reaction raises the count; this reader's button stays unpressed.
        with _api(server, WRITER) as writer:
            other = writer.put(f"/api/v1/posts/{post_id}/reactions/thumbs_up")
            assert other.status_code == 200, other.text
        await page.wait_for_function(
            "id => document.querySelector("
            "`#post-${id} button[data-kind='thumbs_up'] .reaction-count`).textContent === '1'",
            arg=post_id,
        )
        assert await button.get_attribute("aria-pressed") == "false"

        # After a reload the server's state agrees with what the page showed.
        await page.reload()
        assert await button.get_attribute("aria-pressed") == "false"
        assert (await count.inner_text()).strip() == "1"
        assert (await Axe().run(page)).violations_count == 0
        await context.close()
