"""In Chromium: two people on one thread see typing and posts live; one goes offline and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from hub.actions.seed import DEMO_PASSWORD
from hub.i18n import gettext
from hub.i18n.script import to_cyrillic
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
WRITER = "milica.ilic@demo.skgo.test"
READER = "marko.nikolic@demo.skgo.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live-rt")) as live:
        yield live


def _thread_id(server: LiveServer) -> int:
    with httpx.Client(base_url=server.url) as client:
        token = client.post(
            "/api/v1/auth/token", json={"email": WRITER, "password": DEMO_PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = client.post(
            "/api/v1/networks/elektronska-uprava/threads",
            json={"title": "Uživo: probna tema", "body": "Prva poruka."},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        return int(created.json()["thread"]["id"])


async def _signed_in_page(chromium: Any, server: LiveServer, email: str) -> Any:
    context = await chromium.new_context()
    page = await context.new_page()
    await page.goto(server.url + "/signin")
    await page.get_by_label(gettext("sr-Latn", "E-mail address")).fill(email)
    await page.get_by_label(gettext("sr-Latn", "Password")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name=gettext("sr-Latn", "Sign in")).click()
    await page.wait_for_url(server.url + "/")
    return page


async def test_typing_posts_and_offline_catch_up(server: LiveServer) -> None:
    thread_id = _thread_id(server)
    async with browser() as chromium:
        writer = await _signed_in_page(chromium, server, WRITER)
        reader = await _signed_in_page(chromium, server, READER)
        for page in (reader, writer):
            await page.goto(f"{server.url}/threads/{thread_id}")
        # Both sockets are subscribed once presence lists both readers.
        await reader.locator("[data-live-presence]", has_text="Milica").wait_for()

        composer = writer.locator("#f-body")
        await composer.press_sequentially("Pišem odgovor")
        await reader.locator("[data-live-typing]").get_by_text("Milica", exact=False).wait_for()

        await writer.get_by_role("button", name=gettext("sr-Latn", "Post")).click()
        await reader.locator(".post", has_text="Pišem odgovor").wait_for()
        assert await reader.locator(".post").count() == 2

        await reader.context.set_offline(True)
        await reader.locator(".live-banner").wait_for(state="visible")
        for n in range(1, 4):
            await composer.fill(f"Poruka broj {n} dok je čitalac van mreže")
            await writer.get_by_role("button", name=gettext("sr-Latn", "Post")).click()
            await writer.locator(".post", has_text=f"Poruka broj {n}").wait_for()
        await reader.context.set_offline(False)
        await reader.locator(".post", has_text="Poruka broj 3").wait_for(timeout=60_000)
        texts = await reader.locator(".post .post-body").all_inner_texts()
        missed = [t for t in texts if "Poruka broj" in t]
        assert [m.split()[2] for m in missed] == ["1", "2", "3"], texts
        assert await reader.locator(".post").count() == 5


async def test_cyrillic_reader_sees_live_names_in_cyrillic(server: LiveServer) -> None:
    thread_id = _thread_id(server)
    async with browser() as chromium:
        writer = await _signed_in_page(chromium, server, WRITER)
        reader = await _signed_in_page(chromium, server, READER)
        writer_name = await writer.locator(".profile-link").inner_text()
        reader_name = await reader.locator(".profile-link").inner_text()
        await reader.get_by_label(gettext("sr-Latn", "Language and script")).select_option(
            "sr-Cyrl"
        )
        await reader.wait_for_function("document.documentElement.lang === 'sr-Cyrl'")
        in_cyrillic = to_cyrillic(writer_name)
        assert in_cyrillic != writer_name
        for page in (reader, writer):
            await page.goto(f"{server.url}/threads/{thread_id}")

        # Who else is reading, under a visible label, each in the page's own script.
        await expect(reader.locator("[data-live-presence]")).to_have_text(in_cyrillic)
        await expect(writer.locator("[data-live-presence]")).to_have_text(reader_name)
        label = reader.locator("[data-live-presence-label]")
        await expect(label).to_be_visible()
        await expect(label).to_have_text(gettext("sr-Cyrl", "Reading now:"))

        composer = writer.locator("#f-body")
        await composer.press_sequentially(f"@{READER.split('@')[0]} pogledaj")
        typing = gettext("sr-Cyrl", "%(name)s is typing…", name=in_cyrillic)
        await expect(reader.locator("[data-live-typing]")).to_have_text(typing)
        await composer.press("Escape")  # the @-completion list may be open
        await writer.get_by_role("button", name=gettext("sr-Latn", "Post"), exact=True).click()
        # The live post's mention shows the mentioned person's name in Cyrillic on hover.
        mention = reader.locator(".post .mention").last
        await mention.wait_for()
        assert await mention.get_attribute("title") == to_cyrillic(reader_name)
        assert (await Axe().run(reader)).violations_count == 0
