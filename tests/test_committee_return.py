"""A returned initiative: back to the network's coordinator with the remarks, the proposal
revised, compiled again (by the initiatives' compile job) as revision 2 linked to revision 1,
and a readable difference between the two."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import select

from hub.models import InitiativeRevision, JobIntent
from hub.plumbing.runtime import Runtime
from tests.committee_helpers import committee_people, counts, error_of, initiative_in, status_of
from tests.conftest import csrf_of, sign_in
from tests.initiative_helpers import worker_ctx
from tests.proposal_helpers import tokens
from workers import compile as job

World = tuple[dict[str, int], dict[str, dict[str, str]]]


@pytest.fixture
async def world(seeded: Runtime, client: httpx.AsyncClient) -> World:
    people = await committee_people(seeded)
    wanted = ("chair", "coordinator", "other_coordinator", "member", "committee_member")
    return people, await tokens(client, {r: people[r] for r in wanted})


async def test_return_revise_recompile_and_diff(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    people, auth = world
    iid = await initiative_in(seeded, people)
    base = f"/api/v1/initiatives/{iid}"
    # Not returned yet: nothing to revise or recompile.
    error_of(await client.post(f"{base}/recompile", headers=auth["coordinator"]), 409)
    returned = await client.post(
        f"{base}/decision",
        json={"decision": "return", "note": "Dopunite pravni osnov."},
        headers=auth["chair"],
    )
    assert returned.json()["initiative"]["status"] == "returned"
    proposal_id = returned.json()["initiative"]["proposals"][0]["id"]
    # The network sees the remarks in the timeline.
    seen = (await client.get(f"{base}/timeline", headers=auth["member"])).json()
    assert seen["decisions"][0]["note"] == "Dopunite pravni osnov."
    revise = f"{base}/proposals/{proposal_id}/revise"
    body = {"solution": "Zajednički registar koji vodi ministarstvo, uz rok od 90 dana."}
    before = await counts(seeded)
    error_of(await client.post(revise, json=body, headers=auth["other_coordinator"]), 404)
    error_of(await client.post(revise, json=body, headers=auth["member"]), 403)
    error_of(await client.post(revise, json={"title": " "}, headers=auth["coordinator"]), 422)
    assert await counts(seeded) == before
    done = await client.post(revise, json=body, headers=auth["coordinator"])
    assert done.status_code == 200, done.text
    error_of(await client.post(f"{base}/recompile", headers=auth["member"]), 403)
    again = await client.post(f"{base}/recompile", headers=auth["coordinator"])
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "compiling" and again.json()["revision"]["revision"] == 2
    error_of(await client.post(f"{base}/recompile", headers=auth["coordinator"]), 409)
    async with seeded.sessionmaker() as db:
        revisions = (
            await db.exec(
                select(InitiativeRevision)
                .where(InitiativeRevision.initiative_id == iid)
                .order_by(InitiativeRevision.revision)
            )
        ).all()
        intent = (
            await db.exec(select(JobIntent).where(JobIntent.key == revisions[1].job_key))
        ).one()
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[1].previous_id == revisions[0].id
    # The initiatives' compile job makes revision 2 like any other: back in the inbox.
    assert await job.compile_initiative(await worker_ctx(seeded), intent.key) == "done"
    assert await status_of(seeded, iid) == "delivered"
    diff = (await client.get(f"{base}/diff", headers=auth["member"])).json()
    assert (diff["from"], diff["to"]) == (1, 2)
    changed = [s for s in diff["sections"] if s["changed"]]
    assert [s["section"] for s in changed] == ["solution"]
    assert ["insert", " uz rok od 90 dana."] in changed[0]["segments"] or any(
        op == "insert" and "90" in text for op, text in changed[0]["segments"]
    )
    error_of(await client.get(f"{base}/diff?from=2&to=1", headers=auth["member"]), 422)
    await sign_in(client, "member@example.org")
    page = await client.get(f"/initiatives/{iid}/diff")
    assert page.status_code == 200 and "<ins>" in page.text and "90 dana" in page.text
    shown = await client.get(f"/initiatives/{iid}")
    assert f'href="/initiatives/{iid}/diff"' in shown.text


async def test_revise_by_form(seeded: Runtime, client: httpx.AsyncClient, world: World) -> None:
    people, _auth = world
    iid = await initiative_in(seeded, people, "returned")
    await sign_in(client, "coordinator@example.org")
    page = await client.get(f"/initiatives/{iid}")
    found = re.search(r'href="(/initiatives/\d+/proposals/\d+/revise)"', page.text)
    assert found, "a returned initiative offers its coordinator the revision"
    form = await client.get(found.group(1))
    assert form.status_code == 200
    token = await csrf_of(client, found.group(1))
    values = dict(re.findall(r'name="(\w+)" type="text" value="([^"]*)"', form.text))
    bad = await client.post(found.group(1), data={**values, "title": "", "csrf_token": token})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    recompiled = await client.post(f"/initiatives/{iid}/recompile", data={"csrf_token": token})
    assert recompiled.status_code == 303 and await status_of(seeded, iid) == "compiling"


async def test_the_proposal_page_partial_shows_the_remarks(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    from hub.actions.context import act
    from hub.reads.proposal_outcome import outcome_of
    from hub.web.templating import language, render_string

    people, auth = world
    iid = await initiative_in(seeded, people)
    await client.post(
        f"/api/v1/initiatives/{iid}/decision",
        json={"decision": "return", "note": "Dopunite pravni osnov."},
        headers=auth["chair"],
    )
    timeline = await client.get(f"/api/v1/initiatives/{iid}/timeline", headers=auth["member"])
    pid = timeline.json()["initiative"]["proposals"][0]["id"]
    async with act(seeded, actor_id=people["member"]) as ctx:
        outcome = await outcome_of(ctx, pid)
    with language("sr-Latn"):
        html = str(render_string("initiatives/_for_proposal.html", outcome=outcome))
    assert f'href="/initiatives/{iid}"' in html and "Dopunite pravni osnov." in html
    async with act(seeded, actor_id=people["outsider"]) as ctx:
        assert await outcome_of(ctx, pid) is None
    # ... and the proposal page itself carries it
    await sign_in(client, "member@example.org")
    page = await client.get(f"/proposals/{pid}")
    assert page.status_code == 200
    assert f'href="/initiatives/{iid}"' in page.text and "Dopunite pravni osnov." in page.text
