"""The vote section of the proposal page: what each role sees, the coordinator's open-vote form
(errors beside the fields, values kept, nothing written), ballots through the page form with a
confirmation, refusals shown (409 closed, 403 not an elector), the frozen result, "votes
waiting for me" on the dashboard, and V5: a secret ballot's page never ties a voter to a
choice, for any viewer."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.proposal_helpers import ROLES, S, make_people, proposal_in, state_of
from tests.test_proposal_pages import browser_as, post_form
from tests.vote_helpers import cast, make_due, open_vote, vote_row, written

VOTERS = ("author", "coauthor", "member", "coordinator")


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


def section(html: str) -> str:
    found = re.search(r'<section id="vote".*?</section>', html, re.S)
    assert found, "no vote section"
    return found.group(0)


async def test_the_coordinator_opens_a_vote_errors_beside_fields_values_kept(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await proposal_in(seeded, people, S.APPROVED)
    page = f"/proposals/{pid}"
    async with browser_as(app, "member") as c:
        assert 'id="form-open_vote"' not in (await c.get(page)).text
    async with browser_as(app, "coordinator") as c:
        shown = section((await c.get(page)).text)
        assert 'id="form-open_vote"' in shown
        default = re.search(r'name="closes_at" required value="([^"]+)"', shown)
        assert default and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", default.group(1))
        before = await written(seeded)
        bad = {
            "closes_at": "2001-01-01T10:00",
            "quorum": "40",
            "threshold": "60",
            "counting": "member",
            "ballot": "secret",
        }
        response = await post_form(c, f"{page}/voting", bad, page)
        assert response.status_code == 422
        assert 'id="f-open_vote-closes_at-error"' in response.text
        assert "The closing time must be in the future." in response.text
        assert 'value="2001-01-01T10:00"' in response.text and 'value="40"' in response.text
        assert 'value="secret" checked' in response.text
        response = await post_form(
            c, f"{page}/voting", {**bad, "closes_at": default.group(1), "threshold": "20"}, page
        )
        assert response.status_code == 422
        assert 'id="f-open_vote-threshold-error"' in response.text
        assert 'id="f-vote-threshold" name="threshold"' in response.text
        assert await written(seeded) == before
        good = {**bad, "closes_at": default.group(1)}
        response = await post_form(c, f"{page}/voting", good, page)
        assert response.status_code == 303, response.text
        shown = section((await c.get(response.headers["location"])).text)
    assert "The vote is open." in shown
    assert "40% of the electorate must take part" in shown
    assert "secret: only who has voted is shown" in shown
    assert 'id="form-close_vote"' in shown
    assert (await state_of(seeded, pid))[0] == S.VOTING


async def test_each_role_sees_its_part_and_a_ballot_is_confirmed_then_changed(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    page = f"/proposals/{pid}"
    for role in ROLES:
        async with browser_as(app, role) as c:
            response = await c.get(page)
            if role == "outsider":  # the network's proposals are its members' and visitors'
                continue
            assert response.status_code == 200, (role, response.status_code)
            shown = section(response.text)
            assert ('id="form-cast"' in shown) == (role in (*VOTERS, "invitee")), role
            assert ('id="form-close_vote"' in shown) == (role in ("coordinator", "admin")), role
            assert "vote-chart" in shown
    async with browser_as(app, "member") as c:
        response = await post_form(
            c, f"{page}/vote", {"choice": "yes", "reason": "Dobro je."}, page
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith("?done=voted#vote-done")
        shown = section((await c.get(response.headers["location"])).text)
        assert "Recorded: your vote is “Yes”." in shown
        assert "Change my vote" in shown and 'value="yes" required checked' in shown
        response = await post_form(c, f"{page}/vote", {"choice": "maybe"}, page)
        assert response.status_code == 422
        assert 'id="f-cast-choice-error"' in response.text
        response = await post_form(c, f"{page}/vote", {"choice": "no"}, page)
        shown = section((await c.get(response.headers["location"])).text)
        assert "Recorded: your vote is “No”." in shown
    async with browser_as(app, "author") as c:
        shown = section((await c.get(page)).text)
        # An open ballot: who voted what, with the reason... (the reason was replaced: empty)
        assert re.search(r"person-name\">[^<]+</span> <span class=\"badge choice-no\">No", shown)
        assert 'data-key="no" data-value="1"' in shown


async def test_refusals_are_shown_beside_the_ballot_form(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    page = f"/proposals/{pid}"
    async with browser_as(app, "other_coordinator") as c:
        response = await post_form(c, f"{page}/vote", {"choice": "yes"}, page)
        assert response.status_code == 403
        assert "Only members of the network may vote." in section(response.text)
    async with browser_as(app, "member") as c:
        token_page = (await c.get(page)).text
        assert 'id="form-cast"' in token_page
        await make_due(seeded, pid)
        response = await post_form(c, f"{page}/vote", {"choice": "yes", "reason": "kasno"}, page)
        assert response.status_code == 409
        shown = section(response.text)
        assert 'id="f-cast-form-error"' in shown
        assert 'id="form-cast"' not in shown  # closed: the form is gone, the result is shown
        assert "The vote is closed: the proposal failed." in shown


async def test_the_coordinator_closes_now_and_everyone_sees_the_frozen_result(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, quorum=25)
    for role in ("author", "member"):
        await cast(seeded, people[role], pid, "yes", "Za.")
    await cast(seeded, people["coauthor"], pid, "no")
    page = f"/proposals/{pid}"
    async with browser_as(app, "coordinator") as c:
        response = await post_form(c, f"{page}/voting/close", {}, page)
        assert response.status_code == 303
        shown = section((await c.get(response.headers["location"])).text)
        assert "The vote is closed." in shown
        response = await post_form(c, f"{page}/voting/close", {}, page)
        assert response.status_code == 409
        assert 'id="f-close_vote-form-error"' in response.text
    async with browser_as(app, "member") as c:
        shown = section((await c.get(page)).text)
    assert "The vote is closed: the proposal passed." in shown
    assert 'data-key="yes" data-value="2"' in shown and 'data-key="no" data-value="1"' in shown
    assert "Your vote: “Yes”." in shown
    assert 'id="form-cast"' not in shown and 'id="form-close_vote"' not in shown
    assert (await state_of(seeded, pid))[0] == S.PASSED


async def test_a_secret_ballot_page_never_ties_a_voter_to_a_choice(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, ballot="secret")
    choices = {"author": "yes", "coauthor": "no", "member": "abstain"}
    for role, choice in choices.items():
        await cast(seeded, people[role], pid, choice, f"tajni razlog {role}")
    page = f"/proposals/{pid}"

    async def check(open_: bool) -> None:
        for viewer in ROLES:
            async with browser_as(app, viewer) as c:
                response = await c.get(page)
                if response.status_code != 200:
                    continue
                html = response.text
                shown = section(html)
                for role in choices:
                    reason = f"tajni razlog {role}"
                    # Only the voter's own reason and choice, to the voter alone.
                    assert (reason in html) == (viewer == role and open_), (viewer, role)
                assert "badge choice-" not in shown
                assert "vote-voters" in shown  # who has voted: names only
                if open_:
                    assert (
                        'data-key="yes"' not in shown
                        and 'data-key="turnout" data-value="3"' in shown
                    )
                else:
                    assert 'data-key="yes" data-value="1"' in shown

    await check(True)
    await make_due(seeded, pid)
    await check(False)
    assert (await vote_row(seeded, pid)) is not None


async def test_votes_waiting_for_me_on_the_dashboard(
    app: Any, seeded: Runtime, people: dict[str, int]
) -> None:
    later = await open_vote(seeded, people)
    async with browser_as(app, "member") as c:
        home = (await c.get("/")).text
        assert "Votes waiting for me" in home and f'href="/proposals/{later}#vote"' in home
        await cast(seeded, people["member"], later, "yes")
        assert f'href="/proposals/{later}#vote"' not in (await c.get("/")).text
    async with browser_as(app, "outsider") as c:
        assert "Votes waiting for me" not in (await c.get("/")).text


async def test_voting_too_fast_shows_the_message_beside_the_form_choice_kept(
    seeded: Runtime, people: dict[str, int]
) -> None:
    limited = dataclasses.replace(seeded, settings=seeded.settings.with_(votes_per_minute=2))
    app = create_app(limited.settings, runtime=limited)
    pid = await open_vote(seeded, people)
    page = f"/proposals/{pid}"
    async with browser_as(app, "member") as c:
        for choice in ("yes", "no"):
            response = await post_form(c, f"{page}/vote", {"choice": choice}, page)
            assert response.status_code == 303
        response = await post_form(
            c, f"{page}/vote", {"choice": "abstain", "reason": "Brzo."}, page
        )
        assert response.status_code == 429
        shown = section(response.text)
        assert 'id="f-cast-form-error"' in shown and "You are voting very fast" in shown
        assert 'value="abstain" required checked' in shown and "Brzo.</textarea>" in shown
        assert "Recorded now: “No”" in shown  # what is recorded, said plainly
