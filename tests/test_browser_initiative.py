"""In Chromium: the committee's chair opens a compiling initiative's page, the live client brings
the document in when the worker of `hub serve` has compiled it, the PDF downloads; axe-core
finds nothing on the page in Latin and in Cyrillic."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlmodel import select

from hub.config import load_settings
from hub.i18n import gettext
from hub.models.initiatives import Initiative
from hub.plumbing.runtime import Runtime, open_runtime
from tests.browser import browser, require_chromium
from tests.conftest import PASSWORD, make_user
from tests.initiative_helpers import TITLE, committee_of, passed_proposal
from tests.live import LiveServer, live_server, until
from tests.proposal_helpers import make_people
from tests.test_browser_pages_ux import no_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live"), demo=False) as live:
        yield live


@pytest.fixture
async def live_runtime(server: LiveServer, redis_url: str) -> AsyncIterator[Runtime]:
    """The live server's database, written as its own actions would (events go to its relay)."""
    settings = load_settings({"HUB_DATA_DIR": str(server.data_dir)}).with_(redis_url=redis_url)
    async with open_runtime(settings, with_jobs=False) as rt:
        yield rt


async def initiative_made(rt: Runtime) -> bool:
    async with rt.sessionmaker() as db:
        return (await db.exec(select(Initiative.id))).first() is not None


async def test_the_chair_watches_an_initiative_compile_and_downloads_it(
    server: LiveServer, live_runtime: Runtime
) -> None:
    rt = live_runtime
    people = await make_people(rt)
    committee = await committee_of(rt)
    await make_user(rt, "chair@example.org", committees={committee.slug: "chair"})
    await passed_proposal(rt, people)  # its intent: the server's reconciler compiles it
    async with browser() as chromium:
        page: Any = await chromium.new_page(accept_downloads=True)  # type: ignore[attr-defined]
        await page.goto(server.url + "/signin")
        await page.get_by_label(gettext("sr-Latn", "E-mail address")).fill("chair@example.org")
        await page.get_by_label(gettext("sr-Latn", "Password")).fill(PASSWORD)
        await page.locator("main").get_by_role("button", name=gettext("sr-Latn", "Sign in")).click()
        await page.wait_for_url(server.url + "/")
        # The server's reconciler hands the intent over within 10 s, its first step makes the
        # initiative; before that /initiatives/1 is a 404 no event would ever change.
        await until(lambda: initiative_made(rt), "the server's worker to make the initiative")
        await page.goto(server.url + "/initiatives/1")
        await no_violations(page)
        pdf_link = page.get_by_role("link", name=gettext("sr-Latn", "PDF document"))
        # Brought in by initiative.status, or there already. The bound is generous: the first
        # compile of a fresh server imports WeasyPrint and loads its fonts, which on a loaded
        # machine has taken over a minute and a half; the server's log says what it did.
        try:
            await pdf_link.wait_for(timeout=240_000)
        except Exception:
            lines = server.log.read_text().splitlines()
            print("\n".join(line for line in lines if "cron:" not in line)[-20000:])
            raise
        assert TITLE in await page.locator("h1").first.inner_text()
        await no_violations(page)
        async with page.expect_download() as info:
            await pdf_link.click()
        download = await info.value
        assert download.suggested_filename.endswith(".pdf")
        assert (await download.path()).read_bytes().startswith(b"%PDF")
        await page.get_by_label(gettext("sr-Latn", "Language and script")).select_option("sr-Cyrl")
        await page.locator("html[lang='sr-Cyrl']").wait_for(state="attached")
        await page.goto(server.url + "/initiatives/1")
        assert gettext("sr-Cyrl", "Downloads") in await page.locator("main").inner_text()
        await no_violations(page)
