"""The proposals' pages: list, proposal, form, history, my proposals, review queue.

Which buttons a page shows is compared, role by role and state by state, with what the actions
accept (hub.actions.proposal_states.TRANSITIONS and the access checks), by trying each move.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hub.actions.context import Context, act
from hub.actions.errors import ActionError
from hub.actions.proposal_coauthors import do_accept_coauthor, do_invite_coauthor
from hub.actions.proposal_review import do_review, do_submit, do_withdraw
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal, do_edit_proposal
from hub.actions.threads import do_create_thread
from hub.actions.vote_cast import do_cast
from hub.actions.votes import do_close_vote, do_open_vote
from hub.models import Proposal
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import access_proposal
from tests.conftest import csrf_of, sign_in
from tests.proposal_helpers import (
    NET,
    ROLES,
    TEXT,
    as_user,
    make_people,
    new_proposal,
    proposal_in,
    state_of,
)
from tests.test_board_pages import counting
from tests.vote_helpers import soon

S = ProposalStatus
FORM = {
    "title": TEXT.title,
    "summary": TEXT.summary,
    "problem": TEXT.problem,
    "solution": TEXT.solution,
    "legal_act": TEXT.legal_act,
    "legal_article": TEXT.legal_article,
    "impact": TEXT.impact,
}


def email(role: str) -> str:
    return f"{role.replace('_', '.')}@example.org"


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


@asynccontextmanager
async def browser_as(app: Any, role: str, language: str = "en") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        if role != "anonymous":
            await sign_in(c, email(role))
        token = await csrf_of(c, "/signin" if role == "anonymous" else "/proposals/mine")
        await c.post("/language", data={"language": language, "next": "/", "csrf_token": token})
        yield c


async def post_form(
    c: httpx.AsyncClient, path: str, data: dict[str, str], page: str = "/proposals/mine"
) -> httpx.Response:
    token = await csrf_of(c, page)
    return await c.post(path, data={**data, "csrf_token": token})


def field_error(html: str, name: str) -> str | None:
    """The error shown beside field `name`, if the field points at it (aria-describedby)."""
    found = re.search(rf'<p class="error" id="f-{name}-error">([^<]*)</p>', html)
    if not found:
        return None
    control = re.search(rf'id="f-{name}"[^>]*', html, re.S)
    assert control and re.search(r'\saria-invalid="true"', control.group(0))
    described = re.search(r'\saria-describedby="([^"]*)"', control.group(0))
    assert described and f"f-{name}-error" in described.group(1).split()
    return found.group(1)


async def test_write_a_proposal_errors_beside_fields_text_kept(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    async with browser_as(app, "member") as c:
        page = await c.get(f"/networks/{NET}/proposals/new")
        assert page.status_code == 200
        for name in FORM:
            assert f'id="f-{name}"' in page.text
        bad = {**FORM, "title": "", "problem": "Široko objašnjenje\nu dva reda"}
        response = await post_form(c, f"/networks/{NET}/proposals/new", bad)
        assert response.status_code == 422
        assert field_error(response.text, "title")
        assert "Široko objašnjenje\nu dva reda</textarea>" in response.text
        assert TEXT.legal_act in response.text
        too_long = {**FORM, "legal_act": "x" * 301}
        response = await post_form(c, f"/networks/{NET}/proposals/new", too_long)
        assert response.status_code == 422
        assert field_error(response.text, "legal_act")
        assert FORM["impact"] in response.text
        response = await post_form(c, f"/networks/{NET}/proposals/new", FORM)
        assert response.status_code == 303
        location = response.headers["location"]
        shown = await c.get(location)
        assert shown.status_code == 200
        assert TEXT.problem in shown.text
        assert "Submit for review" in shown.text


async def test_edit_keeps_text_on_a_co_authors_save_and_shows_409(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await new_proposal(seeded, people)
    async with browser_as(app, "author") as c:
        form = await c.get(f"/proposals/{pid}/edit")
        assert form.status_code == 200
        version = re.search(r'name="version" value="(\d+)"', form.text)
        assert version
        await as_user(
            seeded,
            people["coauthor"],
            lambda ctx: do_edit_proposal(ctx, pid, ProposalText(summary="Koautor je menjao.")),
        )
        mine = {**FORM, "summary": "Moj novi sažetak", "version": version.group(1)}
        response = await post_form(c, f"/proposals/{pid}/edit", mine)
        assert response.status_code == 409
        assert "A co-author changed this proposal meanwhile" in response.text
        assert "Moj novi sažetak" in response.text
        again = await c.get(f"/proposals/{pid}/edit")
        current = re.search(r'name="version" value="(\d+)"', again.text)
        assert current
        response = await post_form(
            c, f"/proposals/{pid}/edit", {**mine, "version": current.group(1)}
        )
        assert response.status_code == 303
        history = await c.get(f"/proposals/{pid}/history")
        assert history.status_code == 200
        assert "Koautor je menjao." in history.text  # the difference, removed line
        assert "Moj novi sažetak" in history.text


async def test_a_draft_is_not_found_for_others(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await new_proposal(seeded, people)
    for role, status in [
        ("author", 200),
        ("coauthor", 200),
        ("invitee", 200),
        ("member", 404),
        ("coordinator", 404),
        ("outsider", 404),
    ]:
        async with browser_as(app, role) as c:
            for path in (f"/proposals/{pid}", f"/proposals/{pid}/history"):
                assert (await c.get(path)).status_code == status, (role, path)
            listed = await c.get(f"/networks/{NET}/proposals")
            assert (TEXT.title in listed.text) == (status == 200), role


class Rollback(Exception):
    """Raised after an action succeeded, so that trying it changes nothing."""


async def accepts(rt: Runtime, uid: int, fn: Any) -> bool:
    """Would the action accept this actor now? Tried, then rolled back."""
    try:
        async with act(rt, actor_id=uid) as ctx:
            await fn(ctx)
            raise Rollback
    except Rollback:
        return True
    except ActionError:
        return False


def tries(pid: int, survivor: int, people: dict[str, int], uid: int) -> dict[str, Any]:
    """Each button of the proposal page, and the action it calls."""

    async def accept(ctx: Context) -> None:
        was = (await access_proposal(ctx, pid)).is_author(uid)
        after = await do_accept_coauthor(ctx, pid)
        if was or not after.is_author(uid):
            raise ActionError("nothing to accept")

    def review(choice: str, **kw: Any) -> Any:
        return lambda ctx: do_review(ctx, pid, action=choice, note="Zato.", **kw)

    return {
        "edit": lambda ctx: do_edit_proposal(ctx, pid, ProposalText(summary="Drugačije.")),
        "submit": lambda ctx: do_submit(ctx, pid),
        "withdraw": lambda ctx: do_withdraw(ctx, pid),
        "invite": lambda ctx: do_invite_coauthor(ctx, pid, people["member"]),
        "accept": accept,
        "approve": review("approve"),
        "request_changes": review("request_changes"),
        "reject": review("reject"),
        "merge": review("merge", into=survivor),
        # The vote section (hub.web.pages.vote_section)
        "open_vote": lambda ctx: do_open_vote(ctx, pid, closes_at=soon(), quorum=50, threshold=50),
        "cast": lambda ctx: do_cast(ctx, pid, "yes"),
        "close_vote": lambda ctx: do_close_vote(ctx, pid),
    }


def shown_actions(html: str) -> set[str]:
    found = set(re.findall(r'id="form-([a-z_]+)"', html))
    if re.search(r'href="/proposals/\d+/edit"', html):
        found.add("edit")
    return found


MATRIX_STATES = [S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED, S.REJECTED, S.MERGED]
MATRIX_STATES += [S.VOTING, S.WITHDRAWN]


async def test_every_button_shown_exactly_to_whom_the_action_allows(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    survivor = await proposal_in(seeded, people, S.SUBMITTED)
    in_state = {status: await proposal_in(seeded, people, status) for status in MATRIX_STATES}
    seen_any: set[str] = set()
    for role in ROLES:
        async with browser_as(app, role) as c:
            for status, pid in in_state.items():
                page = await c.get(f"/proposals/{pid}")
                readable = await accepts(
                    seeded, people[role], lambda ctx, p=pid: access_proposal(ctx, p)
                )
                assert page.status_code == (200 if readable else 404), (role, status)
                allowed = {
                    name
                    for name, fn in tries(pid, survivor, people, people[role]).items()
                    if await accepts(seeded, people[role], fn)
                }
                assert shown_actions(page.text) == allowed, (role, status)
                seen_any |= allowed
    assert seen_any == set(tries(0, 0, people, 0))  # every button appears somewhere


async def test_new_proposal_button_for_those_who_may_write(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    for role in ROLES:
        may = await accepts(seeded, people[role], lambda ctx: do_create_proposal(ctx, NET, TEXT))
        async with browser_as(app, role) as c:
            page = await c.get(f"/networks/{NET}/proposals")
            assert page.status_code == 200
            button = f'href="/networks/{NET}/proposals/new"' in page.text
            assert button == may, role
            form = await c.get(f"/networks/{NET}/proposals/new")
            assert (form.status_code == 200) == may, role


async def test_a_raced_move_shows_the_current_state_and_keeps_the_note(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    async with browser_as(app, "coordinator") as c:
        page = await c.get(f"/proposals/{pid}")
        assert 'id="form-reject"' in page.text
        empty = await post_form(c, f"/proposals/{pid}/review", {"action": "reject", "note": ""})
        assert empty.status_code == 422
        assert field_error(empty.text, "reject-note") == "Tell the authors why, please."
        await as_user(
            seeded, people["coordinator"], lambda ctx: do_review(ctx, pid, action="approve")
        )
        before = await state_of(seeded, pid)
        late = await post_form(
            c, f"/proposals/{pid}/review", {"action": "reject", "note": "Nije u nadležnosti."}
        )
        assert late.status_code == 409
        assert "This proposal is already approved" in late.text
        assert "Nije u nadležnosti.</textarea>" in late.text
        assert await state_of(seeded, pid) == before


async def test_timeline_merge_links_thread_and_history(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    survivor = await proposal_in(seeded, people, S.SUBMITTED)
    merged = await proposal_in(seeded, people, S.SUBMITTED)
    async with browser_as(app, "coordinator") as c:
        response = await post_form(
            c,
            f"/proposals/{merged}/review",
            {"action": "merge", "into": str(survivor), "note": "Isti predlog."},
        )
        assert response.status_code == 303
        page = await c.get(f"/proposals/{merged}")
        assert f'href="/proposals/{survivor}"' in page.text
        steps = re.search(r'<ol class="timeline-list">(.*?)</ol>', page.text, re.S)
        assert steps and steps.group(1).count("<li>") == 3  # written, submitted, merged
        assert "Isti predlog." in steps.group(1)
        other = await c.get(f"/proposals/{survivor}")
        assert f'href="/proposals/{merged}"' in other.text
        thread = re.search(r'href="/threads/(\d+)">Discussion', other.text)
        assert thread and (await c.get(f"/threads/{thread.group(1)}")).status_code == 200


async def test_merged_duplicates_cost_the_same_queries_however_many(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    survivor = await proposal_in(seeded, people, S.SUBMITTED)
    counts = []
    async with browser_as(app, "coordinator") as c:
        await c.get(f"/proposals/{survivor}")  # warm up: connections, caches
        for duplicates in (1, 3):
            while len(await merged_into(seeded, survivor)) < duplicates:
                pid = await proposal_in(seeded, people, S.SUBMITTED)
                async with act(seeded, actor_id=people["coordinator"]) as ctx:
                    await do_review(ctx, pid, action="merge", into=survivor, note="Isti.")
            with counting(seeded) as statements:
                page = await c.get(f"/proposals/{survivor}")
            assert page.status_code == 200
            for pid in await merged_into(seeded, survivor):
                assert f'href="/proposals/{pid}"' in page.text
            counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def merged_into(rt: Runtime, survivor: int) -> list[int]:
    async with rt.sessionmaker() as db:
        rows = await db.exec(select(Proposal.id).where(Proposal.merged_into_id == survivor))
        return [int(i) for i in rows.all() if i is not None]


async def test_review_queue_oldest_first_and_counted_on_the_dashboard(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    first = await proposal_in(seeded, people, S.SUBMITTED)
    second = await proposal_in(seeded, people, S.SUBMITTED)
    await proposal_in(seeded, people, S.APPROVED)
    async with browser_as(app, "coordinator") as c:
        queue = await c.get(f"/networks/{NET}/review-queue")
        assert queue.status_code == 200
        ids = [int(i) for i in re.findall(r'id="proposal-(\d+)"', queue.text)]
        assert ids == [first, second]
        home = await c.get("/")
        assert "2 proposals to review" in home.text
        assert f'href="/networks/{NET}/review-queue"' in home.text
    async with browser_as(app, "member") as c:
        assert (await c.get(f"/networks/{NET}/review-queue")).status_code == 403
        assert "to review" not in (await c.get("/")).text


async def test_list_filters_by_state_with_counts_and_pages(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    submitted = [await proposal_in(seeded, people, S.SUBMITTED) for _ in range(3)]
    approved = await proposal_in(seeded, people, S.APPROVED)
    async with browser_as(app, "member") as c:
        page = await c.get(f"/networks/{NET}/proposals")
        ids = [int(i) for i in re.findall(r'id="proposal-(\d+)"', page.text)]
        assert ids[0] > ids[-1] and approved in ids
        assert 'in review <span class="count">(3)</span>' in page.text
        only = await c.get(f"/networks/{NET}/proposals?status=submitted")
        found = [int(i) for i in re.findall(r'id="proposal-(\d+)"', only.text)]
        assert found == sorted(submitted, reverse=True)
        older = await c.get(f"/networks/{NET}/proposals?status=submitted&cursor={submitted[1]}")
        assert [int(i) for i in re.findall(r'id="proposal-(\d+)"', older.text)] == [submitted[0]]
        board = await c.get(f"/networks/{NET}")
        assert f'href="/networks/{NET}/proposals"' in board.text


async def test_my_proposals_lists_drafts_invitations_and_authored(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    draft = await new_proposal(seeded, people)
    submitted = await proposal_in(seeded, people, S.SUBMITTED)
    async with browser_as(app, "invitee") as c:
        page = await c.get("/proposals/mine")
        assert "invitation to co-author" in page.text and f"/proposals/{draft}" in page.text
        assert 'href="/proposals/mine"' in (await c.get("/")).text
    async with browser_as(app, "author") as c:
        page = await c.get("/proposals/mine")
        drafts = page.text.split('id="drafts"')[1].split("</section>")[0]
        assert f"/proposals/{draft}" in drafts and f"/proposals/{submitted}" not in drafts
        assert f"/proposals/{submitted}" in page.text
    async with browser_as(app, "member") as c:
        assert f"/proposals/{draft}" not in (await c.get("/proposals/mine")).text


async def test_board_filter_with_proposals_lists_their_threads(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    await new_proposal(seeded, people, title="Nacrt bez teme")
    async with act(seeded, actor_id=people["member"]) as ctx:
        await do_create_thread(ctx, NET, title="Obična tema", body="Bez predloga")
        access = await access_proposal(ctx, pid)
    async with browser_as(app, "member") as c:
        everything = await c.get(f"/networks/{NET}")
        assert "Obična tema" in everything.text
        filtered = await c.get(f"/networks/{NET}?filter=proposals")
        assert filtered.status_code == 200
        assert f'id="thread-{access.proposal.thread_id}"' in filtered.text
        assert "Obična tema" not in filtered.text and "Nacrt bez teme" not in filtered.text


async def test_the_form_only_while_the_authors_hold_it(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    draft = await new_proposal(seeded, people)
    submitted = await proposal_in(seeded, people, S.SUBMITTED)
    async with browser_as(app, "author") as c:
        assert (await c.get(f"/proposals/{draft}/edit")).status_code == 200
        refused = await c.get(f"/proposals/{submitted}/edit")
        assert refused.status_code == 409
        assert "submitted and waiting for review" in refused.text
        before = await state_of(seeded, submitted)
        late = await post_form(c, f"/proposals/{submitted}/edit", {**FORM, "title": "Kasno"})
        assert late.status_code == 409 and "Kasno" in late.text  # shown, kept, not written
        assert await state_of(seeded, submitted) == before
    async with browser_as(app, "coordinator") as c:
        assert (await c.get(f"/proposals/{draft}/edit")).status_code == 404
        assert (await c.get(f"/proposals/{submitted}/edit")).status_code == 403
    async with browser_as(app, "anonymous") as c:  # the network is for those signed in
        assert (await c.get(f"/proposals/{submitted}/edit")).status_code == 404
