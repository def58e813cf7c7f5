"""In Chromium: someone mentions another user in a live thread; the other's bell count goes up
without a reload; the notifications page links to the post and is axe-core clean in Latin and
Cyrillic."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from hub.actions.seed import DEMO_PASSWORD
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server
from tests.test_browser_live import _signed_in_page

# The reader sits on no committee, so nothing else moves the bell while the test watches it (the
# demo's passed proposal, compiled by the server's worker, tells its committee's members).
READER = "milica.ilic@demo.skgo.test"
WRITER = "marko.nikolic@demo.skgo.test"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live-bell")) as live:
        yield live


def _mention(server: LiveServer, handle: str) -> int:
    """The writer starts a thread mentioning `handle`; the new post's id."""
    with httpx.Client(base_url=server.url) as client:
        token = client.post(
            "/api/v1/auth/token", json={"email": WRITER, "password": DEMO_PASSWORD}
        ).json()["token"]
        created = client.post(
            "/api/v1/networks/elektronska-uprava/threads",
            json={"title": "Pitanje za stručnjaka", "body": f"Šta misliš, @{handle}?"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        return int(created.json()["post"]["id"])


async def _axe_clean(page: object) -> None:
    result = await Axe().run(page)
    assert result.violations_count == 0, result.generate_report()


async def test_the_bell_counts_up_live_and_the_page_links_to_the_post(
    server: LiveServer,
) -> None:
    async with browser() as chromium:
        reader = await _signed_in_page(chromium, server, READER)
        badge = reader.locator("[data-bell-count]")
        before = int(await badge.inner_text())
        # live.js marks the channels it has subscribed: cause the mention only after that
        await reader.locator('body[data-live-subscribed*="user:"]').wait_for(state="attached")
        post_id = _mention(server, READER.split("@")[0])
        await expect(badge).to_have_text(str(before + 1), timeout=15_000)
        await expect(badge).to_be_visible()

        await reader.goto(server.url + "/notifications")
        link = reader.locator(f'a[href$="#post-{post_id}"]')
        await expect(link).to_have_count(1)
        await _axe_clean(reader)
        await reader.select_option("#language-select", "sr-Cyrl")
        await reader.wait_for_load_state()
        await expect(reader.locator("html")).to_have_attribute("lang", "sr-Cyrl")
        await _axe_clean(reader)
        await link.click()
        await reader.wait_for_url("**/threads/*")
        # reading the thread marked its notice read: the bell is back where it was
        await expect(reader.locator("[data-bell-count]")).to_have_text(str(before))
