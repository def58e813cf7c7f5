"""The initiative's page: who sees it, the progress bar while compiling, the document and its
downloads once compiled, "try again" after a failure."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlmodel import select

from hub.actions.context import act
from hub.actions.initiative_requests import do_create_initiative
from hub.i18n import gettext
from hub.models.initiatives import Initiative, InitiativeRevision
from hub.plumbing.runtime import Runtime
from tests.conftest import csrf_of, make_user, sign_in
from tests.initiative_helpers import TITLE, committee_of, passed_proposal, worker_ctx
from tests.proposal_helpers import make_people
from workers import compile as job


async def test_the_initiative_page(client: httpx.AsyncClient, seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    committee = await committee_of(rt)
    await make_user(rt, "chair@example.org", committees={committee.slug: "chair"})
    pid = await passed_proposal(rt, people, intent=False)
    async with act(rt, actor_id=people["coordinator"]) as ctx:
        made = await do_create_initiative(ctx, [pid], committee.slug)
    iid = made.initiative.id
    url = f"/initiatives/{iid}"
    assert (await client.get(url)).status_code in (302, 303, 401, 404)
    await sign_in(client, "outsider@example.org")
    assert (await client.get(url)).status_code == 404
    await client.post("/signout", data={"csrf_token": await csrf_of(client, "/")})
    await sign_in(client, "chair@example.org")
    page = await client.get(url)
    assert page.status_code == 200
    assert f'data-live-channel="initiative:{iid}"' in page.text
    assert "<progress" in page.text and "data-live-progress" in page.text
    assert f"/api/v1/initiatives/{iid}/document.pdf" not in page.text
    assert (
        await job.compile_initiative(await worker_ctx(rt), f"compile:initiative:{iid}:1") == "done"
    )
    page = await client.get(url)
    assert "<progress" not in page.text
    assert f"/api/v1/initiatives/{iid}/document.pdf" in page.text
    assert TITLE in page.text and gettext("sr-Latn", "Digest of the discussion") in page.text
    # A failed compilation: the reason and "try again".
    async with rt.sessionmaker() as db:
        await db.exec(update(InitiativeRevision).values(status="failed", error="OSError: disk"))
        await db.exec(update(Initiative).values(status="failed"))
        await db.commit()
    page = await client.get(url)
    assert "OSError: disk" in page.text and gettext("sr-Latn", "Try again") in page.text
    again = await client.post(f"{url}/retry", data={"csrf_token": await csrf_of(client, url)})
    assert again.status_code == 303
    async with rt.sessionmaker() as db:
        assert (await db.exec(select(Initiative.status))).one() == "compiling"
