"""In Chromium, with axe-core on every state of the vote section: an expert drafts and submits a
proposal, the coordinator approves it and opens a vote, three members vote in three browser
contexts and each sees the tally move live (no reload); a secret ballot on a phone in Cyrillic,
closed by the coordinator, its frozen result arriving live at a member's page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server
from tests.test_browser_pages_ux import no_violations, sign_in
from tests.test_browser_proposals import PHONE, fits, signed_in, to_cyrillic

pytestmark = pytest.mark.browser
DEMO = "@demo.skgo.test"
EXPERT = "milica.ilic" + DEMO  # a member of elektronska-uprava
COORDINATOR = "vesna.radovic" + DEMO  # its coordinator
MEMBERS = ("milica.ilic", "marko.nikolic", "jelena.petrovic")
NETWORK = "/networks/elektronska-uprava"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


def t(text: str, language: str = "sr-Latn") -> str:
    return gettext(language, text)


async def button(page: Any, text: str) -> Any:
    """The button labelled `text` in the page's language (an account keeps its choice)."""
    language = await page.locator("html").get_attribute("lang")
    return page.get_by_role("button", name=gettext(language, text))


async def approved_proposal(chromium: Any, server: LiveServer, title: str) -> tuple[Any, str]:
    """The expert drafts and submits a proposal, the coordinator approves it: the coordinator's
    page on it, and its address."""
    expert = await signed_in(chromium, server, EXPERT)
    await expert.goto(server.url + NETWORK + "/proposals/new")
    values = {"title": title, "summary": "Kratko.", "problem": "Problem.", "solution": "Rešenje."}
    values |= {"legal_act": "Zakon o lokalnoj samoupravi", "impact": "Uticaj."}
    for name, value in values.items():
        await expert.locator(f"#f-{name}").fill(value)
    await (await button(expert, "Save the draft")).click()
    await expert.wait_for_url("**/proposals/*?done=created")
    await (await button(expert, "Submit for review")).click()
    await expert.wait_for_url("**done=submitted*")
    address = expert.url.split("?")[0]
    await expert.context.close()
    coordinator = await signed_in(chromium, server, COORDINATOR)
    await coordinator.goto(address)
    await (await button(coordinator, "Approve")).click()
    await coordinator.wait_for_url("**done=reviewed*")
    return coordinator, address


def bar(page: Any, key: str, value: int) -> Any:
    return page.locator(f'[data-live-vote-tally] [data-key="{key}"][data-value="{value}"]')


async def test_three_members_vote_and_each_sees_the_tally_move_live(server: LiveServer) -> None:
    async with browser() as chromium:
        coordinator, address = await approved_proposal(chromium, server, "Otvoreni podaci opština")
        await coordinator.locator("#form-open_vote").wait_for()
        await no_violations(coordinator)
        # A closing time in the past: the error beside the field, the values kept.
        closes = coordinator.locator("#f-vote-closes_at")
        default = await closes.input_value()
        await closes.fill("2001-01-01T10:00")
        await coordinator.locator("#f-vote-threshold").fill("60")
        await coordinator.get_by_role("button", name=t("Open the vote")).click()
        await coordinator.locator("#f-open_vote-closes_at-error").wait_for()
        assert await closes.get_attribute("aria-invalid") == "true"
        assert await coordinator.locator("#f-vote-threshold").input_value() == "60"
        await no_violations(coordinator)
        await closes.fill(default)
        voters = [await signed_in(chromium, server, local + DEMO) for local in MEMBERS]
        for page in voters:  # open before the vote is
            await page.goto(address)
            await page.locator("[data-live-proposal-state]").wait_for()
        await coordinator.get_by_role("button", name=t("Open the vote")).click()
        await coordinator.wait_for_url("**done=vote_opened*")
        await no_violations(coordinator)
        for page in voters:  # the vote section arrived without a reload
            await page.locator("#form-cast").wait_for()
        home = await (await chromium.new_context()).new_page()
        await home.goto(server.url + "/signin")
        await sign_in(home, "jelena.petrovic" + DEMO)
        await home.wait_for_url(server.url + "/")
        waiting = home.locator('section[aria-labelledby="votes-waiting"]')
        assert await waiting.get_by_role("link", name="Otvoreni podaci opština").count() == 1
        await no_violations(home)
        await home.context.close()
        await no_violations(voters[0])
        watchers = [coordinator, *voters]
        for number, (page, choice) in enumerate(zip(voters, ("yes", "no", "yes"), strict=True)):
            await page.locator(f'input[name="choice"][value="{choice}"]').check()
            await page.locator("#f-cast-reason").fill(f"Razlog {number + 1}")
            await page.get_by_role("button", name=t("Cast my vote")).click()
            await page.wait_for_url("**done=voted*")
            await page.locator("#vote-done").wait_for()
            turnout = number + 1
            for other in watchers:  # the others' pages were not reloaded
                await bar(other, "turnout", turnout).wait_for(state="attached")
        await bar(coordinator, "yes", 2).wait_for(state="attached")
        await bar(coordinator, "no", 1).wait_for(state="attached")
        # Changing my vote until the close.
        first = voters[0]
        assert await first.get_by_role("button", name=t("Change my vote")).count() == 1
        await first.locator('input[name="choice"][value="abstain"]').check()
        await first.get_by_role("button", name=t("Change my vote")).click()
        await first.wait_for_url("**done=voted*")
        await bar(voters[1], "abstain", 1).wait_for(state="attached")
        await no_violations(first)
        for page in (coordinator, first):
            await to_cyrillic(page)
            await no_violations(page)


async def test_a_secret_ballot_on_a_phone_in_cyrillic_closed_live(server: LiveServer) -> None:
    async with browser() as chromium:
        coordinator, address = await approved_proposal(chromium, server, "Tajno o e-šalteru")
        await coordinator.locator("#form-open_vote").wait_for()
        if await coordinator.locator("html").get_attribute("lang") != "sr-Cyrl":
            await to_cyrillic(coordinator)
        await no_violations(coordinator)  # the open-vote form in Cyrillic
        await coordinator.locator('input[name="ballot"][value="secret"]').check()
        await (await button(coordinator, "Open the vote")).click()
        await coordinator.wait_for_url("**done=vote_opened*")
        member = await signed_in(
            chromium, server, "marko.nikolic" + DEMO, viewport=PHONE, is_mobile=True
        )
        await member.goto(address)
        await member.locator(".menu-button").click()  # the phone's folded menu holds the switch
        await to_cyrillic(member)
        await fits(member)
        await member.locator('input[name="choice"][value="no"]').check()
        await (await button(member, "Cast my vote")).click()
        await member.wait_for_url("**done=voted*")
        await fits(member)
        # While open: turnout only, no choice's total.
        await bar(member, "turnout", 1).wait_for(state="attached")
        assert await member.locator('[data-live-vote-tally] [data-key="no"]').count() == 0
        await (await button(coordinator, "Close the vote now")).click()
        await coordinator.wait_for_url("**done=vote_closed*")
        await bar(member, "no", 1).wait_for(state="attached")  # the result arrived live
        assert await member.locator("#form-cast").count() == 0  # the form went with the close
        await fits(member)
        await member.reload()
        await fits(member)
        await no_violations(coordinator)
