"""In Chromium: what a newcomer and the first users hit, with axe-core on every page visited.

A signed-out thread link leads through sign-in back to the thread; the header is one row for an
administrator in Cyrillic at 1280 px and folds into a Menu on a phone (click and keyboard); a
form that fails validation leaves no CSRF token in the address bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe

from hub.actions.seed import DEMO_ADMIN, DEMO_PASSWORD
from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
MEMBER = "milica.ilic@demo.skgo.test"  # a member of elektronska-uprava, whose thread is #1
THREAD = "/threads/1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


async def no_violations(page: Any) -> None:
    result = await Axe().run(page)
    assert result.violations_count == 0, (page.url, result.generate_report())


async def sign_in(page: Any, email: str, language: str = "sr-Latn") -> None:
    await page.get_by_label(gettext(language, "E-mail address")).fill(email)
    await page.get_by_label(gettext(language, "Password")).fill(DEMO_PASSWORD)
    await page.locator("main").get_by_role("button", name=gettext(language, "Sign in")).click()


async def test_a_signed_out_thread_link_leads_through_sign_in_back(server: LiveServer) -> None:
    async with browser() as chromium:
        page: Any = await chromium.new_page()  # type: ignore[attr-defined]
        answer = await page.goto(server.url + THREAD + "?around=2")
        assert answer.status == 404  # nothing said about whether the thread exists
        header_link = page.locator("header").get_by_role("link", name=gettext("sr-Latn", "Sign in"))
        assert await header_link.get_attribute("href") == "/signin?next=%2Fthreads%2F1%3Faround%3D2"
        await no_violations(page)
        await page.locator("main").get_by_role("link", name=gettext("sr-Latn", "Sign in")).click()
        await page.wait_for_url("**/signin?next=*")
        await no_violations(page)
        await sign_in(page, MEMBER)
        await page.wait_for_url(server.url + THREAD + "?around=2")
        assert "Elektronsko zakazivanje termina" in await page.locator("h1").inner_text()


async def test_header_is_one_row_at_1280_and_a_menu_on_a_phone(server: LiveServer) -> None:
    async with browser() as chromium:
        context = await chromium.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
        page: Any = await context.new_page()
        await page.goto(server.url + "/signin")
        await sign_in(page, DEMO_ADMIN)
        await page.wait_for_url(server.url + "/")
        await page.get_by_label(gettext("sr-Latn", "Language and script")).select_option("sr-Cyrl")
        await page.locator("html[lang='sr-Cyrl']").wait_for(state="attached")
        parts = [
            ".brand",
            ".main-nav li:last-child a",
            "#site-search-q",
            "#language-select",
            ".profile-link",
            "form[action='/signout'] button",
        ]
        boxes = [await page.locator(selector).bounding_box() for selector in parts]
        assert all(boxes), boxes
        # One row: every part of the header shares a horizontal band.
        assert max(b["y"] for b in boxes) < min(b["y"] + b["height"] for b in boxes), boxes
        assert not await page.locator(".menu-button").is_visible()
        await no_violations(page)

        await page.set_viewport_size({"width": 390, "height": 800})
        button = page.get_by_role("button", name=gettext("sr-Cyrl", "Menu"))
        nav = page.get_by_role("navigation", name=gettext("sr-Cyrl", "Main"))
        await button.wait_for(state="visible")
        header = await page.locator(".site-header").bounding_box()
        assert header["height"] < 80, header  # the brand and the button, nothing else
        assert await button.get_attribute("aria-expanded") == "false"
        assert not await nav.is_visible()
        await button.click()
        await nav.wait_for(state="visible")
        assert await button.get_attribute("aria-expanded") == "true"
        await no_violations(page)
        await button.click()
        await nav.wait_for(state="hidden")
        assert await button.get_attribute("aria-expanded") == "false"

        # By keyboard on a fresh page: the skip link, the brand, then the button.
        await page.reload()
        await button.wait_for(state="visible")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Tab")
        assert await button.evaluate("b => b === document.activeElement")
        await page.keyboard.press("Enter")
        await nav.wait_for(state="visible")
        await page.keyboard.press("Tab")  # into the menu: the first link of the navigation
        assert await nav.evaluate("n => n.contains(document.activeElement)")
        await page.keyboard.press("Escape")
        await nav.wait_for(state="hidden")
        assert await button.evaluate("b => b === document.activeElement")
        await page.keyboard.press("Space")
        await nav.wait_for(state="visible")
        await context.close()


async def test_a_failed_form_leaves_no_token_in_the_address(server: LiveServer) -> None:
    async with browser() as chromium:
        page: Any = await chromium.new_page()  # type: ignore[attr-defined]
        await page.goto(server.url + "/signin")
        await sign_in(page, MEMBER)
        await page.wait_for_url(server.url + "/")
        await page.goto(server.url + THREAD)
        reply = page.locator("form[enctype='multipart/form-data']")
        assert "csrf_token" not in (await reply.get_attribute("action") or "")
        for path in ("/networks/elektronska-uprava/threads/new",):
            await page.goto(server.url + path)
            form = page.locator("form[enctype='multipart/form-data']")
            assert "csrf_token" not in (await form.get_attribute("action") or "")
            for field in await form.locator("#f-title, #f-body").all():
                await field.fill("   ")  # passes the browser's check, not the hub's
            async with page.expect_navigation() as sent:
                await form.locator("button[type=submit]").click()
            assert (await sent.value).status == 422
            assert await page.locator("main .error, main .alert-error").count() >= 1
            assert "csrf_token" not in page.url, page.url
            await no_violations(page)


def test_server_log_has_no_errors(server: LiveServer) -> None:
    log = Path(server.log).read_text()
    assert "Traceback" not in log, log[-2000:]
