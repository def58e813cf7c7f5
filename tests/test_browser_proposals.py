"""In Chromium, with axe-core on every proposal page: a member writes a proposal by keyboard
alone (the form with its errors first), submits it; the coordinator finds it in the review queue
and approves it while the author's page shows the new state live; in Latin and Cyrillic, and on
a phone-size screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server
from tests.test_browser_pages_ux import no_violations, sign_in

pytestmark = pytest.mark.browser
MEMBER = "milica.ilic@demo.skgo.test"  # a member of elektronska-uprava
COORDINATOR = "vesna.radovic@demo.skgo.test"  # its coordinator
NETWORK = "/networks/elektronska-uprava"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


async def signed_in(chromium: Any, server: LiveServer, email: str, **context: Any) -> Any:
    page = await (await chromium.new_context(**context)).new_page()
    await page.goto(server.url + "/signin")
    await sign_in(page, email)
    await page.wait_for_url(server.url + "/")
    return page


async def to_cyrillic(page: Any) -> None:
    await page.get_by_label(gettext("sr-Latn", "Language and script")).select_option("sr-Cyrl")
    await page.locator("html[lang='sr-Cyrl']").wait_for(state="attached")


async def type_by_keyboard(page: Any, values: list[str]) -> None:
    """Tab from the title through the fields, typing each value (empty: leave it)."""
    await page.locator("#f-title").focus()
    for index, value in enumerate(values):
        if index:
            await page.keyboard.press("Tab")
        if value:
            await page.keyboard.type(value)


async def test_write_submit_review_by_keyboard_in_both_scripts(server: LiveServer) -> None:
    t = lambda text: gettext("sr-Latn", text)  # noqa: E731
    async with browser() as chromium:
        author = await signed_in(chromium, server, MEMBER)
        await author.goto(server.url + NETWORK)
        await author.locator("main").get_by_role("link", name=t("Proposals"), exact=True).click()
        await author.wait_for_url("**/proposals")
        await no_violations(author)
        await author.get_by_role("link", name=t("New proposal")).click()
        await no_violations(author)
        # By keyboard alone; the problem is left empty: the form comes back with its error.
        fields = ["Jedinstveni šalter za dozvole", "Jedan šalter umesto pet.", ""]
        await type_by_keyboard(author, fields)
        await author.keyboard.press("Tab")
        await author.keyboard.type("Onlajn šalter koji vode opštine.")
        await author.locator("#f-legal_act").focus()
        await author.keyboard.type("Zakon o opštem upravnom postupku")
        await author.locator("#f-impact").focus()
        await author.keyboard.type("Kraće čekanje.")
        await author.get_by_role("button", name=t("Save the draft")).focus()
        await author.keyboard.press("Enter")
        await author.locator("#f-problem-error").wait_for()
        assert await author.locator("#f-problem").get_attribute("aria-invalid") == "true"
        assert await author.locator("#f-title").input_value() == fields[0]
        await no_violations(author)
        await author.locator("#f-problem").focus()
        await author.keyboard.type("Građani obilaze pet šaltera.")
        await author.get_by_role("button", name=t("Save the draft")).press("Enter")
        await author.wait_for_url("**/proposals/*?done=created")
        await no_violations(author)
        await author.get_by_role("button", name=t("Submit for review")).press("Enter")
        await author.wait_for_url("**done=submitted*")
        proposal_url = author.url.split("?")[0]

        coordinator = await signed_in(chromium, server, COORDINATOR)
        await coordinator.goto(server.url + NETWORK + "/review-queue")
        await no_violations(coordinator)
        await coordinator.get_by_role("link", name="Jedinstveni šalter za dozvole").click()
        await no_violations(coordinator)
        await author.goto(proposal_url)  # the author watches the page
        state = author.locator("[data-live-proposal-state] .status-approved")
        await coordinator.get_by_role("button", name=t("Approve")).click()
        await coordinator.wait_for_url("**done=reviewed*")
        await state.wait_for()  # arrived live, no reload
        for page in (author, coordinator):
            await to_cyrillic(page)
            await no_violations(page)
        await coordinator.goto(server.url + NETWORK + "/review-queue")
        await no_violations(coordinator)
        await author.goto(server.url + NETWORK + "/proposals/new")
        await author.get_by_role("button", name=gettext("sr-Cyrl", "Save the draft")).click()
        await author.locator("#f-title-error").wait_for()
        await no_violations(author)


async def test_proposal_pages_on_a_phone(server: LiveServer) -> None:
    async with browser() as chromium:
        page = await signed_in(chromium, server, COORDINATOR, viewport=PHONE, is_mobile=True)
        for path in ("/proposals", "/review-queue", "/proposals/new"):
            await page.goto(server.url + NETWORK + path)
            await fits(page)
        for name in ("title", "summary", "problem", "solution", "legal_act", "impact"):
            await page.locator(f"#f-{name}").fill("Telefonom napisan predlog")
        language = await page.locator("html").get_attribute("lang")  # as the first test left it
        await page.get_by_role("button", name=gettext(language, "Save the draft")).click()
        await page.wait_for_url("**/proposals/*?done=created")
        await fits(page)
        await page.goto(server.url + "/proposals/mine")
        await fits(page)


async def fits(page: Any) -> None:
    """axe-core finds nothing and the page needs no sideways scrolling."""
    await no_violations(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)
