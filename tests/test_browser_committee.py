"""In Chromium, against a live `hub serve`: the committee's inbox, an initiative's page and the
public archive, axe-core clean in Latin and Cyrillic; the chair comments and adopts by keyboard
and the adopted initiative appears in the archive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from hub.actions.seed import DEMO_PASSWORD
from hub.db import make_engine, make_sessionmaker, utcnow
from hub.i18n import gettext
from hub.models import (
    Committee,
    Initiative,
    InitiativeDocument,
    InitiativeFollowUp,
    InitiativeProposal,
    InitiativeRevision,
    Network,
    Proposal,
)
from tests.browser import browser, require_chromium
from tests.committee_helpers import DOCUMENT
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser
CHAIR = "ana.jovanovic@demo.skgo.test"  # chairs `finansije` in the demo data
COMMITTEE = "finansije"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as live:
        yield live


async def add_initiative(server: LiveServer, seq: int, status: str) -> int:
    """An initiative from a passed proposal, as a finished compilation leaves it."""
    engine = make_engine(f"sqlite+aiosqlite:///{server.data_dir / 'hub.db'}")
    try:
        async with make_sessionmaker(engine)() as db:
            committee = (await db.exec(select(Committee).where(Committee.slug == COMMITTEE))).one()
            network = (
                await db.exec(select(Network).where(Network.committee_id == committee.id))
            ).first()
            assert network is not None
            text = "Jedinstvena evidencija lokalnih taksi čćđšž."
            proposal = Proposal(
                network_id=network.id or 0,
                title=f"Registar taksi {seq}",
                summary=text,
                problem=text,
                solution=text,
                legal_act="Zakon o finansiranju lokalne samouprave",
                impact=text,
                status="passed",
                submitted_at=utcnow(),
            )
            db.add(proposal)
            await db.flush()
            initiative = Initiative(
                number=f"SKGO-2026-{seq}",
                prefix="SKGO",
                year=2026,
                seq=seq,
                source_key=f"browser:{seq}",
                committee_id=committee.id or 0,
                title=f"Registar taksi {seq} čćđšž",
                status=status,
            )
            db.add(initiative)
            await db.flush()
            iid = initiative.id or 0
            db.add(InitiativeProposal(initiative_id=iid, proposal_id=proposal.id or 0))
            revision = InitiativeRevision(initiative_id=iid, revision=1, status="ready")
            db.add(revision)
            await db.flush()
            content = DOCUMENT.encode()
            db.add(
                InitiativeDocument(
                    revision_id=revision.id or 0, format="html", content=content, size=len(content)
                )
            )
            if status == "adopted":
                db.add(
                    InitiativeFollowUp(
                        initiative_id=iid,
                        kind="sent",
                        note="Poslato ministarstvu.",
                        date=utcnow().date(),
                    )
                )
            await db.commit()
            return iid
    finally:
        await engine.dispose()


async def no_violations(page: Any) -> None:
    from axe_playwright_python.async_playwright import Axe

    result = await Axe().run(page)
    assert result.violations_count == 0, (page.url, result.generate_report())


@pytest.mark.parametrize("language", ["sr-Latn", "sr-Cyrl"])
async def test_inbox_initiative_and_archive(server: LiveServer, language: str) -> None:
    seq = 100 if language == "sr-Latn" else 200
    iid = await add_initiative(server, seq, "delivered")
    await add_initiative(server, seq + 1, "adopted")
    _ = lambda message: gettext(language, message)  # noqa: E731
    async with browser() as chromium:
        page: Any = await chromium.new_page()  # type: ignore[attr-defined]
        await page.goto(server.url + "/signin")
        latin = lambda message: gettext("sr-Latn", message)  # noqa: E731
        await page.get_by_label(latin("E-mail address")).fill(CHAIR)
        await page.get_by_label(latin("Password")).fill(DEMO_PASSWORD)
        await page.locator("main").get_by_role("button", name=latin("Sign in")).click()
        await page.wait_for_url(server.url + "/")
        if language != "sr-Latn":
            await page.get_by_label(latin("Language and script")).select_option(language)
            await page.locator(f"html[lang='{language}']").wait_for(state="attached")
        await page.goto(server.url + "/")
        await page.locator(f"a[href='/committees/{COMMITTEE}/initiatives']").first.click()
        await page.wait_for_url(f"**/committees/{COMMITTEE}/initiatives")
        await no_violations(page)
        await page.locator(f"a[href='/initiatives/{iid}']").click()
        await page.wait_for_url(f"**/initiatives/{iid}")
        await no_violations(page)
        await page.get_by_label(_("Your comment")).fill("Podržavam, uz **dopunu**.")
        await page.get_by_role("button", name=_("Comment")).press("Enter")
        await page.locator(
            "[data-live-comments] .post-body strong"
        ).wait_for()  # in the reader's script
        await page.get_by_label(_("Decision")).select_option("adopt")
        await page.get_by_role("button", name=_("Record the decision")).click()
        await page.locator(".badge.ok").wait_for()
        await no_violations(page)
        await page.goto(server.url + "/initiatives")
        await page.locator(f"a[href='/initiatives/{iid}']").wait_for()
        await no_violations(page)
        # Anyone sees the adopted initiative as the archive shows it: not the discussion.
        context = await chromium.new_context()  # type: ignore[attr-defined]
        anonymous: Any = await context.new_page()
        await anonymous.goto(server.url + f"/initiatives/{iid}")
        await anonymous.locator("h1", has_text=f"SKGO-2026-{seq}").wait_for()
        shown = await anonymous.content()
        assert "dopunu" not in shown and "допуну" not in shown
        await no_violations(anonymous)
