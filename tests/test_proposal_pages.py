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

from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_edit_proposal
from hub.models.proposals import ProposalStatus
from hub.runtime import Runtime
from tests.conftest import csrf_of, sign_in
from tests.proposal_helpers import (
    NET,
    TEXT,
    as_user,
    make_people,
    new_proposal,
)

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
    assert control and 'aria-invalid="true"' in control.group(0)
    assert f"f-{name}-error" in control.group(0)
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
