"""The bell and the notifications page, without JavaScript: the count in the header, the list
grouped by day with links, marking one or all read with forms, reading the thread marks read."""

from __future__ import annotations

import re

import httpx
import pytest

from hub.plumbing.runtime import Runtime
from tests.conftest import csrf_of, sign_in
from tests.proposal_helpers import make_people
from tests.test_notification_api import mention, read_marks

_BELL = re.compile(r"data-bell-count(?: hidden)?>(\d+)<")


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def bell(client: httpx.AsyncClient, path: str = "/") -> int:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = _BELL.search(page.text)
    assert found, "no bell"
    return int(found.group(1))


async def test_the_bell_the_page_and_marking_read(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    await mention(seeded, people["author"], [people["member"], people["coordinator"]], times=2)
    await sign_in(client, "member@example.org")
    assert await bell(client) == 2
    page = await client.get("/notifications")
    assert page.text.count('class="notification unread"') == 2
    links = re.findall(r'href="(/threads/\d+#post-\d+)"', page.text)
    assert len(links) == 2
    ids = [int(i) for i in re.findall(r'name="id" value="(\d+)"', page.text)]
    token = await csrf_of(client, "/notifications")

    # reading the thread marks its notice read, and the bell on that page already shows it
    assert await bell(client, links[0].split("#")[0]) == 1

    # a form with another person's id: nothing changes for anyone
    coordinator_ids = {n for n in range(1, max(ids) + 10)} - set(ids)
    for other in sorted(coordinator_ids)[:5]:
        await client.post("/notifications/read", data={"id": str(other), "csrf_token": token})
    assert (await read_marks(seeded))[people["coordinator"]] == 0

    done = await client.post("/notifications/read", data={"all": "1", "csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/notifications?done=read"
    assert await bell(client) == 0
    assert (await read_marks(seeded))[people["member"]] == 2
    assert 'class="notification unread"' not in (await client.get("/notifications")).text


async def test_one_is_marked_read_by_its_form(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    await mention(seeded, people["author"], [people["member"]], times=2)
    await sign_in(client, "member@example.org")
    page = await client.get("/notifications")
    first = re.findall(r'name="id" value="(\d+)"', page.text)[0]
    token = await csrf_of(client, "/notifications")
    await client.post("/notifications/read", data={"id": first, "csrf_token": token})
    assert await bell(client) == 1


async def test_signed_out_goes_to_sign_in(client: httpx.AsyncClient, seeded: Runtime) -> None:
    response = await client.get("/notifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/notifications"


async def save_settings(client: httpx.AsyncClient, form: dict[str, str]) -> httpx.Response:
    """Post the settings form as the browser does: its fields and the page's CSRF token."""
    token = await csrf_of(client, "/profile/notifications")
    return await client.post("/profile/notifications", data={"csrf_token": token, **form})


async def test_the_settings_page_saves_without_javascript(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    await sign_in(client, "coordinator@example.org")
    page = await client.get("/profile/notifications")
    assert page.status_code == 200
    assert 'name="email_mentioned" checked' in page.text
    assert re.search(r'name="net_socijalna-zastita">\s*<option value="all" selected', page.text)
    form = {
        "email_mentioned": "on",
        "net_socijalna-zastita": "none",
        "net_romska-pitanja": "mine",
        "digest": "daily",
    }
    saved = await save_settings(client, form)
    assert saved.status_code == 303
    got = (await client.get("/api/v1/me/preferences")).json()
    assert got["digest"] == "daily" and got["networks"]["socijalna-zastita"] == "none"
    assert got["email"]["mentioned"] and not got["email"]["reply"]
    bad = await save_settings(client, {**form, "digest": "hourly"})
    assert bad.status_code == 422 and 'id="f-digest-error"' in bad.text
    assert (await client.get("/api/v1/me/preferences")).json() == got


async def test_reading_a_proposal_marks_its_notices_read(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    from tests.proposal_helpers import proposal_in

    pid = await proposal_in(seeded, people, "submitted")  # the coordinator is told of it
    await sign_in(client, "coordinator@example.org")
    before = await bell(client)
    assert before >= 1
    page = await client.get("/notifications")
    assert f'href="/proposals/{pid}"' in page.text
    assert await bell(client, f"/proposals/{pid}") == before - 1
    assert await bell(client) == before - 1


async def test_after_a_422_the_form_keeps_what_was_typed(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    await sign_in(client, "coordinator@example.org")
    saved = (await client.get("/api/v1/me/preferences")).json()
    typed = {  # every box unticked but one, the levels changed, and a digest that is no choice
        "email_vote_result": "on",
        "net_socijalna-zastita": "none",
        "net_romska-pitanja": "all",
        "digest": "hourly",
    }
    bad = await save_settings(client, typed)
    assert bad.status_code == 422
    assert 'id="f-digest-error"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'name="email_vote_result" checked' in bad.text
    assert 'name="email_mentioned" checked' not in bad.text  # saved as ticked, typed unticked
    assert selected(bad.text, "net_socijalna-zastita") == ["none"]
    assert selected(bad.text, "net_romska-pitanja") == ["all"]
    assert selected(bad.text, "digest") == []  # "hourly" is no choice: none is selected
    assert (await client.get("/api/v1/me/preferences")).json() == saved  # nothing changed
    # a bad level for a network: the error beside the networks, the typed digest kept
    bad = await save_settings(client, {**typed, "digest": "daily", "net_romska-pitanja": "x"})
    assert bad.status_code == 422 and 'class="field has-error"' in bad.text
    assert selected(bad.text, "digest") == ["daily"]
    assert (await client.get("/api/v1/me/preferences")).json() == saved


def selected(page: str, name: str) -> list[str]:
    """The selected options of the <select name=`name`> in `page`."""
    found = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select {name}"
    return re.findall(r'value="([^"]*)" selected', found.group(1))
