"""In Chromium: an expert writes Markdown with a PDF attached; a colleague reads it in Cyrillic.

A real `hub serve` with the demo data; Marko and Milica are members of elektronska-uprava.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe

from hub.actions.seed import DEMO_PASSWORD
from hub.i18n import gettext
from tests.browser import browser, require_chromium
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
NETWORK = "elektronska-uprava"
THREAD = "Elektronsko zakazivanje termina za izdavanje dokumenata"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BODY = (
    "**Važno obaveštenje**: uputstvo je spremno.\n\n"
    "- prvi korak\n- drugi korak\n\n"
    "Više na [portalu](https://example.org/uputstvo) i u kodu `ljubav`."
)


def t(message: str, language: str = "sr-Latn") -> str:
    return gettext(language, message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live-board")) as live:
        yield live


def watch(page: Any, problems: list[str]) -> None:
    """Collect the page's console errors (a CSP violation shows there), the favicon aside."""

    def seen(message: Any) -> None:
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} {message.location}")

    page.on("console", seen)


async def sign_in(page: Any, url: str, email: str) -> None:
    await page.goto(url + "/signin")
    await page.get_by_label(t("E-mail address")).fill(email)
    await page.get_by_label(t("Password")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name=t("Sign in")).click()
    await page.wait_for_url(url + "/")


async def test_markdown_post_with_attachment_read_in_cyrillic(
    server: LiveServer, tmp_path: Path
) -> None:
    pdf = tmp_path / "uputstvo.pdf"
    pdf.write_bytes(PDF)
    async with browser() as chromium:
        writer: Any = await chromium.new_context()  # type: ignore[attr-defined]
        page = await writer.new_page()
        problems: list[str] = []
        watch(page, problems)
        await sign_in(page, server.url, "marko.nikolic@demo.skgo.test")
        await page.goto(f"{server.url}/networks/{NETWORK}")
        await page.get_by_role("link", name=THREAD).click()
        await page.wait_for_url(re.compile(r"/threads/\d+"))
        composer = page.get_by_label(t("Your post"))
        # @-completion from the people who may read the thread (board.js), by keyboard.
        await composer.press_sequentially("@mili")
        option = page.get_by_role("option", name=re.compile("Milica"))
        await option.wait_for()
        await composer.press("Enter")
        assert (await composer.input_value()).startswith("@milica.ilic ")
        await composer.fill(BODY)
        await page.get_by_label(t("Attachments")).set_input_files(str(pdf))
        await page.get_by_role("button", name=t("Post"), exact=True).click()
        await page.wait_for_url(re.compile(r"#post-\d+$"))
        post_id = page.url.rsplit("#post-", 1)[1]
        article = page.locator(f"#post-{post_id}")
        assert await article.locator("strong").inner_text() == "Važno obaveštenje"
        assert problems == []
        await writer.close()

        reader: Any = await chromium.new_context(accept_downloads=True)  # type: ignore[attr-defined]
        page = await reader.new_page()
        watch(page, problems)
        await sign_in(page, server.url, "milica.ilic@demo.skgo.test")
        await page.get_by_label(t("Language and script")).select_option("sr-Cyrl")
        await page.wait_for_function("document.documentElement.lang === 'sr-Cyrl'")
        await page.goto(f"{server.url}/posts/{post_id}")
        article = page.locator(f"#post-{post_id}")
        assert await article.locator("strong").inner_text() == "Важно обавештење"
        items = await article.locator(".post-body li").all_inner_texts()
        assert items == ["први корак", "други корак"]
        link = article.locator(".post-body a")
        assert await link.inner_text() == "порталу"
        assert await link.get_attribute("href") == "https://example.org/uputstvo"
        assert await article.locator(".post-body code").inner_text() == "ljubav"
        assert "Marko" not in await article.locator(".post-author").inner_text()  # Марко

        attachment = article.get_by_role("link", name="uputstvo.pdf")
        href = await attachment.get_attribute("href")
        response = await page.request.get(server.url + href)
        assert response.status == 200
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-type"] == "application/pdf"
        async with page.expect_download() as info:
            await attachment.click()
        download = await info.value
        assert download.suggested_filename == "uputstvo.pdf"
        assert Path(await download.path()).read_bytes() == PDF
        for path in (f"/posts/{post_id}", f"/networks/{NETWORK}"):  # axe-core finds nothing
            await page.goto(server.url + path)
            assert (await Axe().run(page)).violations_count == 0, path
        assert problems == []
        await reader.close()


def test_server_log_has_no_errors(server: LiveServer) -> None:
    log = Path(server.log).read_text()
    assert "Traceback" not in log, log[-2000:]
