"""The public archive: adopted initiatives only, with their documents and follow-ups, for anyone;
nothing of the committee's discussion or its decision notes; an Atom feed with proper ids,
updated times and links."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from hub.plumbing.runtime import Runtime
from tests.committee_helpers import committee_people, initiative_in
from tests.proposal_helpers import tokens

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await committee_people(seeded)


async def test_archive_shows_adopted_with_follow_ups_and_no_discussion(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    auth = await tokens(client, {"chair": people["chair"]})
    iid = await initiative_in(seeded, people, title="Registar čćđšž")
    other = await initiative_in(seeded, people, "in_review", title="U raspravi")
    base = f"/api/v1/initiatives/{iid}"
    await client.post(f"{base}/comments", json={"body": "TAJNA-RASPRAVA"}, headers=auth["chair"])
    await client.post(
        f"{base}/decision",
        json={"decision": "adopt", "note": "TAJNA-BELESKA"},
        headers=auth["chair"],
    )
    await client.post(
        f"{base}/updates",
        json={"kind": "sent", "note": "Poslato ministarstvu.", "date": "2026-11-02"},
        headers=auth["chair"],
    )
    listed = await client.get("/api/v1/public/initiatives")  # no credentials at all
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [iid]
    item = items[0]
    assert item["title"] == "Registar čćđšž"
    assert item["follow_ups"][0]["note"] == "Poslato ministarstvu."
    assert set(item["documents"]) == {"html", "pdf"}
    for text in (listed.text, (await client.get("/initiatives")).text):
        assert "TAJNA" not in text
    one = await client.get(f"/api/v1/public/initiatives/{iid}")
    assert one.json() == item
    assert (await client.get(f"/api/v1/public/initiatives/{other}")).status_code == 404
    pdf = await client.get(item["documents"]["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    html = await client.get(item["documents"]["html"])
    assert html.status_code == 200 and "Registar" in html.text
    missing = await client.get(f"/api/v1/public/initiatives/{iid}/document.docx")
    assert missing.status_code == 404
    hidden = await client.get(f"/api/v1/public/initiatives/{other}/document.pdf")
    assert hidden.status_code == 404
    bad = await client.get(f"/api/v1/public/initiatives/{iid}/document.exe")
    assert bad.status_code in (404, 422)
    assert (await client.get("/api/v1/public/initiatives?cursor=x")).status_code == 422


async def test_atom_feed(
    seeded: Runtime, client: httpx.AsyncClient, people: dict[str, int]
) -> None:
    first = await initiative_in(seeded, people, "adopted", title="Prva čćđšž")
    second = await initiative_in(seeded, people, "adopted", title="Druga")
    await initiative_in(seeded, people, "rejected", title="Odbijena")
    response = await client.get("/api/v1/public/initiatives.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "http://testserver/initiatives"
    assert feed.findtext(f"{ATOM}updated")
    self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"]
    assert self_link[0].get("href") == "http://testserver/api/v1/public/initiatives.atom"
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert sorted(ids) == sorted(
        [f"http://testserver/initiatives/{first}", f"http://testserver/initiatives/{second}"]
    )
    titles = " ".join(e.findtext(f"{ATOM}title") or "" for e in entries)
    assert "Prva čćđšž" in titles and "Odbijena" not in titles
    for entry in entries:
        assert entry.findtext(f"{ATOM}updated")
        rels = {x.get("rel") for x in entry.findall(f"{ATOM}link")}
        assert {"alternate", "related"} <= rels
