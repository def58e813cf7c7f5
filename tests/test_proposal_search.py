"""Proposals in search: indexed when submitted and when a public one is edited, never as a
draft; found in either script and by another word form; only by those who may read the network;
the results link to the proposal page. (`hub reindex-proposals`: tests/test_search_reindex.py)"""

from __future__ import annotations

import httpx
import pytest

from hub.actions.context import act
from hub.actions.proposal_review import do_submit
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_edit_proposal
from hub.actions.search import search
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from tests.conftest import sign_in
from tests.proposal_helpers import CLOSED, as_user, make_people, new_proposal, proposal_in

S = ProposalStatus


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def found(rt: Runtime, uid: int, query: str) -> set[int]:
    async with act(rt, actor_id=uid) as ctx:
        hits, _ = await search(ctx, query)
    return {h.proposal.id or 0 for h in hits if h.proposal is not None}


async def test_found_in_either_script_and_by_another_word_form(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    member = people["member"]
    assert await found(seeded, member, "регистар") == {pid}  # Cyrillic for the Latin title
    assert await found(seeded, member, "korisnika") == {pid}  # "korisnicima" in the problem
    assert await found(seeded, member, "socijalnoj zaštiti") == {pid}  # the legal basis
    assert await found(seeded, member, "papira") == {pid}  # the impact


async def test_a_draft_is_never_found(seeded: Runtime, people: dict[str, int]) -> None:
    draft = await new_proposal(seeded, people, title="Tajni nacrt registra")
    for role in ("author", "member", "coordinator", "admin"):
        assert draft not in await found(seeded, people[role], "registar"), role
    withdrawn = await proposal_in(seeded, people, S.WITHDRAWN)  # withdrawn as a draft
    assert withdrawn not in await found(seeded, people["author"], "registar")


async def test_an_edit_of_a_public_proposal_is_indexed(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.CHANGES_REQUESTED)
    assert await found(seeded, people["member"], "kupališta") == set()
    await as_user(
        seeded,
        people["author"],
        lambda ctx: do_edit_proposal(ctx, pid, ProposalText(solution="Gradska kupališta leti.")),
    )
    assert await found(seeded, people["member"], "купалишта") == {pid}


async def test_only_readers_of_the_network_find_it(seeded: Runtime, people: dict[str, int]) -> None:
    pid = await new_proposal(seeded, people, network=CLOSED, title="Romska naselja")
    await as_user(seeded, people["author"], lambda ctx: do_submit(ctx, pid))
    assert await found(seeded, people["member"], "naselja") == {pid}
    assert await found(seeded, people["outsider"], "naselja") == set()
    assert await found(seeded, people["other_coordinator"], "naselja") == set()


async def test_the_search_page_links_to_the_proposal(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    await sign_in(client, "member@example.org")
    page = await client.get("/search", params={"q": "регистар"})
    assert page.status_code == 200
    assert f'href="/proposals/{pid}"' in page.text
