"""The committee's pages without JavaScript: the inbox's tabs and counts, the initiative page
for the committee and (read-only) the proposal's network, the forms with errors beside their
fields and what was typed kept, the dashboard's link, and the public archive."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.plumbing.runtime import Runtime
from tests.committee_helpers import COMMITTEE, committee_people, counts, initiative_in, status_of
from tests.conftest import csrf_of, sign_in


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await committee_people(seeded)


async def test_inbox_page_and_dashboard_link(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    first = await initiative_in(seeded, people, title="Registar taksi")
    await initiative_in(seeded, people, "in_review")
    await sign_in(client, "committee.member@example.org")
    dashboard = await client.get("/")
    assert f"/committees/{COMMITTEE}/initiatives" in dashboard.text
    assert "1 new initiative" in dashboard.text or "1 nova inicijativa" in dashboard.text
    page = await client.get(f"/committees/{COMMITTEE}/initiatives")
    assert page.status_code == 200
    assert f'href="/initiatives/{first}"' in page.text and 'aria-current="page"' in page.text
    review = await client.get(f"/committees/{COMMITTEE}/initiatives?tab=in_review")
    assert f'href="/initiatives/{first}"' not in review.text
    committee = await client.get(f"/committees/{COMMITTEE}")
    assert f"/committees/{COMMITTEE}/initiatives" in committee.text


async def test_network_reads_without_the_discussion(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    iid = await initiative_in(seeded, people, "in_review")
    await sign_in(client, "member@example.org")
    page = await client.get(f"/initiatives/{iid}")
    assert page.status_code == 200
    assert "Registar" in page.text  # the document
    assert 'action="/initiatives/' not in page.text and "data-live-comments" not in page.text
    assert (await client.get(f"/committees/{COMMITTEE}/initiatives")).status_code == 403


async def test_comment_form_keeps_text_and_starts_review(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    iid = await initiative_in(seeded, people)
    await sign_in(client, "committee.member@example.org")
    token = await csrf_of(client, f"/initiatives/{iid}")
    before = await counts(seeded)
    empty = await client.post(
        f"/initiatives/{iid}/comments", data={"body": "   ", "csrf_token": token}
    )
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    assert await counts(seeded) == before
    made = await client.post(
        f"/initiatives/{iid}/comments", data={"body": "Dobro je *napisano*.", "csrf_token": token}
    )
    assert made.status_code == 303
    page = await client.get(made.headers["location"])
    assert "<em>napisano</em>" in page.text
    assert await status_of(seeded, iid) == "in_review"


async def test_chair_decides_and_follows_up_by_form(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int], app: Any
) -> None:
    iid = await initiative_in(seeded, people)
    await sign_in(client, "chair@example.org")
    token = await csrf_of(client, f"/initiatives/{iid}")
    started = await client.post(f"/initiatives/{iid}/review", data={"csrf_token": token})
    assert started.status_code == 303 and await status_of(seeded, iid) == "in_review"
    typed = "Vratiti na doradu"
    missing = await client.post(
        f"/initiatives/{iid}/decision",
        data={"decision": "reject", "note": "", "csrf_token": token},
    )
    assert missing.status_code == 422 and 'aria-invalid="true"' in missing.text
    kept = await client.post(
        f"/initiatives/{iid}/decision",
        data={"decision": "", "note": typed, "csrf_token": token},
    )
    assert kept.status_code == 422 and typed in kept.text
    adopted = await client.post(
        f"/initiatives/{iid}/decision", data={"decision": "adopt", "csrf_token": token}
    )
    assert adopted.status_code == 303 and await status_of(seeded, iid) == "adopted"
    bad_date = await client.post(
        f"/initiatives/{iid}/updates",
        data={"kind": "sent", "date": "sutra", "note": "Poslato.", "csrf_token": token},
    )
    assert bad_date.status_code == 422 and "Poslato." in bad_date.text
    sent = await client.post(
        f"/initiatives/{iid}/updates",
        data={"kind": "sent", "date": "2026-11-02", "note": "Poslato.", "csrf_token": token},
    )
    assert sent.status_code == 303
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anyone:
        public = await anyone.get(f"/initiatives/{iid}")
    assert public.status_code == 200 and "Poslato." in public.text
    assert "data-live-comments" not in public.text


async def test_public_archive_lists_adopted_only(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    adopted = await initiative_in(seeded, people, "adopted", title="Usvojena čćđšž")
    hidden = await initiative_in(seeded, people, "in_review", title="Još se raspravlja")
    page = await client.get("/initiatives")
    assert page.status_code == 200 and "Usvojena čćđšž" in page.text
    assert "Još se raspravlja" not in page.text
    assert (await client.get(f"/initiatives/{adopted}")).status_code == 200
    anonymous = await client.get(f"/initiatives/{hidden}")
    assert anonymous.status_code == 303 and "/signin" in anonymous.headers["location"]
    await sign_in(client, "outsider@example.org")
    assert (await client.get(f"/initiatives/{hidden}")).status_code == 404


async def test_committee_pages_are_fully_translated(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    from tests.test_i18n import missing_translations

    ids = [
        await initiative_in(seeded, people, status)
        for status in ("compiling", "delivered", "in_review", "adopted", "returned", "rejected")
    ]
    await sign_in(client, "chair@example.org")
    pages = [
        f"/committees/{COMMITTEE}/initiatives?tab={t}" for t in ("new", "in_review", "decided")
    ]
    pages += ["/", "/initiatives", *(f"/initiatives/{i}" for i in ids)]
    with missing_translations("sr-Latn") as misses:
        for path in pages:
            assert (await client.get(path)).status_code == 200, path
    assert misses == set()
