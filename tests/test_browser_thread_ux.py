"""In Chromium, on a phone's width: a post's confirmation is seen beside the post, a new thread
completes @mentions, and a skip link takes the keyboard to the reply box.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from hub.actions.seed import DEMO_PASSWORD
from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
NETWORK = "elektronska-uprava"
WRITER = "milica.ilic@demo.skgo.test"
READER = "marko.nikolic@demo.skgo.test"
PHONE = {"width": 390, "height": 844}


def t(message: str) -> str:
    return gettext("sr-Latn", message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live-thread-ux")) as live:
        yield live


def _thread(server: LiveServer, replies: list[tuple[str, str]]) -> tuple[int, list[int]]:
    """A thread started by WRITER with (author e-mail, body) replies: its id and post ids."""
    with httpx.Client(base_url=server.url) as client:
        headers: dict[str, dict[str, str]] = {}
        for email in {WRITER, *(a for a, _ in replies)}:
            answer = client.post(
                "/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}
            )
            headers[email] = {"Authorization": f"Bearer {answer.json()['token']}"}
        created = client.post(
            f"/api/v1/networks/{NETWORK}/threads",
            json={"title": "Tema za proveru", "body": "Prva poruka teme."},
            headers=headers[WRITER],
        )
        assert created.status_code == 201, created.text
        thread_id = int(created.json()["thread"]["id"])
        ids = [int(created.json()["post"]["id"])]
        for email, body in replies:
            reply = client.post(
                f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers[email]
            )
            assert reply.status_code == 201, reply.text
            ids.append(int(reply.json()["id"]))
    return thread_id, ids


async def _signed_in(chromium: Any, server: LiveServer, email: str) -> Any:
    context = await chromium.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(server.url + "/signin")
    await page.get_by_label(t("E-mail address")).fill(email)
    await page.get_by_label(t("Password")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name=t("Sign in")).click()
    await page.wait_for_url(server.url + "/")
    return page


async def _assert_notice_at_post(page: Any, post_id: int, message: str) -> None:
    await page.wait_for_url(re.compile(rf"#post-{post_id}-done$"))
    notice = page.locator(f"#post-{post_id} [role='status']")
    await expect(notice).to_have_text(message)
    await expect(notice).to_be_focused()
    await expect(notice).to_be_in_viewport()
    await expect(page.locator(f"#post-{post_id}-author")).to_be_in_viewport()
    assert await page.locator("main .alert[role='status']").count() == 1  # not at the top too
    assert (await Axe().run(page)).violations_count == 0


async def test_confirmation_of_flag_and_edit_is_beside_the_post(server: LiveServer) -> None:
    replies = [(WRITER, f"Poruka broj {n}, o zakazivanju termina.") for n in range(2, 6)]
    replies.insert(2, (READER, "Moje mišljenje o tome."))
    replies += [(WRITER, f"Kasnija poruka {n}.") for n in range(3)]
    thread_id, ids = _thread(server, replies)
    own, flagged = ids[3], ids[5]
    async with browser() as chromium:
        page = await _signed_in(chromium, server, READER)
        await page.goto(f"{server.url}/threads/{thread_id}")
        await page.locator(f"#post-{flagged}").get_by_role("link", name=t("Flag")).click()
        await page.get_by_label(t("Why should a coordinator look at this post?")).fill(
            "Van teme je."
        )
        await page.get_by_role("button", name=t("Flag"), exact=True).click()
        await _assert_notice_at_post(
            page, flagged, t("Thank you: the coordinators will look at the post.")
        )

        await page.goto(f"{server.url}/posts/{own}")
        await page.locator(f"#post-{own}").get_by_role("link", name=t("Edit")).click()
        await page.locator("#f-body").fill("Moje mišljenje o tome, dopunjeno.")
        await page.get_by_role("button", name=t("Save"), exact=True).click()
        await _assert_notice_at_post(page, own, t("The post was changed."))
        assert "dopunjeno" in await page.locator(f"#post-{own} .post-body").inner_text()


async def test_new_thread_completes_mentions(server: LiveServer) -> None:
    async with browser() as chromium:
        page = await _signed_in(chromium, server, READER)
        await page.goto(f"{server.url}/networks/{NETWORK}/threads/new")
        composer = page.get_by_label(t("First post"))
        await composer.press_sequentially("Pitanje za @mili")
        option = page.get_by_role("option", name=re.compile("Milica"))
        await option.wait_for()
        await expect(composer).to_have_attribute("aria-activedescendant", re.compile(r"\S"))
        assert (await Axe().run(page)).violations_count == 0  # with the list open
        await composer.press("Enter")
        assert await composer.input_value() == "Pitanje za @milica.ilic "
        await expect(option).to_be_hidden()


async def test_skip_link_reaches_the_reply_box(server: LiveServer) -> None:
    thread_id, _ids = _thread(server, [(WRITER, f"Odgovor {n}.") for n in range(3)])
    async with browser() as chromium:
        page = await _signed_in(chromium, server, READER)
        await page.goto(f"{server.url}/threads/{thread_id}")
        skip = page.get_by_role("link", name=t("Skip to the reply"))
        for _ in range(3):  # a few Tabs from the page's start
            await page.keyboard.press("Tab")
            if await skip.evaluate("link => link === document.activeElement"):
                break
        await expect(skip).to_be_focused()
        await expect(skip).to_be_in_viewport()  # shown while it has the focus
        await page.keyboard.press("Enter")
        await expect(page.locator("#f-body")).to_be_focused()
        await page.keyboard.type("Pišem odgovor.")
        assert await page.locator("#f-body").input_value() == "Pišem odgovor."
        assert (await Axe().run(page)).violations_count == 0
