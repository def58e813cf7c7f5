"""In Chromium: the demo admin signs in, switches to Cyrillic and sees the dashboard in Cyrillic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.actions.seed import DEMO_ADMIN, DEMO_PASSWORD
from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


async def test_sign_in_switch_to_cyrillic(server: LiveServer) -> None:
    async with browser() as chromium:
        page: Any = await chromium.new_page()  # type: ignore[attr-defined]
        await page.goto(server.url + "/")
        assert page.url.endswith("/signin")
        await page.get_by_label(gettext("sr-Latn", "E-mail address")).fill(DEMO_ADMIN)
        await page.get_by_label(gettext("sr-Latn", "Password")).fill(DEMO_PASSWORD)
        await page.get_by_role("button", name=gettext("sr-Latn", "Sign in")).click()
        await page.wait_for_url(server.url + "/")
        lead = await page.locator("p.lead").first.inner_text()
        assert "28" in lead and "8" in lead

        await page.get_by_label(gettext("sr-Latn", "Language and script")).select_option("sr-Cyrl")
        await page.locator("html[lang='sr-Cyrl']").wait_for(state="attached")
        nav = await page.get_by_role("navigation", name=gettext("sr-Cyrl", "Main")).inner_text()
        assert gettext("sr-Cyrl", "Networks") in nav
        assert CYRILLIC.search(nav), nav
        heading = await page.locator("h1").inner_text()
        assert CYRILLIC.search(heading), heading
        assert gettext("sr-Cyrl", "My networks") in await page.content()

        await page.goto(server.url + "/networks")
        items = page.locator(".directory-item")
        assert await items.count() == 28
        first = await items.first.locator("h2").inner_text()
        assert CYRILLIC.search(first), first


def test_server_log_has_no_errors(server: LiveServer) -> None:
    log = Path(server.log).read_text()
    assert "Traceback" not in log, log[-2000:]
