"""The administration pages and the network members page, through the real app on both backends."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from hub.models import AuditEntry, Municipality, Network, NetworkMembership, User
from hub.plumbing.runtime import Runtime
from hub.reads.admin import USERS_PER_PAGE
from tests.conftest import csrf_of, make_user, sign_in

ADMIN = "admin@example.org"

ADMIN_PAGES = [
    "/admin",
    "/admin/users",
    "/admin/invitations",
    "/admin/networks",
    "/admin/networks/sport",
    "/admin/committees",
    "/admin/committees/finansije",
    "/admin/municipalities",
    "/admin/municipalities?kind=grad",
    "/admin/audit",
]


async def _english(client: httpx.AsyncClient) -> None:
    """Read the pages in English, so assertions do not depend on the Serbian catalog."""
    token = await csrf_of(client, "/profile")
    response = await client.post("/language", data={"language": "en", "csrf_token": token})
    assert response.status_code == 303


async def _admin(client: httpx.AsyncClient, runtime: Runtime) -> int:
    user_id = await make_user(runtime, ADMIN, name="Ana Admin", admin=True)
    await sign_in(client, ADMIN)
    await _english(client)
    return user_id


def _new_client(app: Any) -> httpx.AsyncClient:
    """A second browser."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _post(client: httpx.AsyncClient, page: str, path: str, **data: str) -> httpx.Response:
    """Submit a form as a browser would: with the CSRF token of the page that shows it."""
    token = await csrf_of(client, page)
    return await client.post(path, data={**data, "csrf_token": token})


async def _scalar(runtime: Runtime, query: Any) -> Any:
    async with runtime.sessionmaker() as db:
        return (await db.exec(query)).one()


async def _user_count(runtime: Runtime) -> int:
    return int(await _scalar(runtime, select(func.count()).select_from(User)))


async def _role(runtime: Runtime, slug: str, user_id: int) -> str | None:
    async with runtime.sessionmaker() as db:
        row = await db.exec(
            select(NetworkMembership.role)
            .join(Network, col(Network.id) == NetworkMembership.network_id)
            .where(Network.slug == slug, NetworkMembership.user_id == user_id)
        )
        return row.first()


async def test_admin_reaches_every_page(client: httpx.AsyncClient, seeded: Runtime) -> None:
    admin_id = await _admin(client, seeded)
    for path in [*ADMIN_PAGES, f"/admin/users/{admin_id}", "/networks/sport/members"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "<h1>" in response.text
    page = await client.get("/admin/networks")
    assert page.text.count("<tr>") == 29  # the header row and 28 networks
    assert "to be checked" in page.text


async def test_others_are_refused(client: httpx.AsyncClient, seeded: Runtime) -> None:
    paths = [*ADMIN_PAGES, "/admin/users/1", "/networks/sport/members"]
    for path in paths:
        anonymous = await client.get(path)
        assert anonymous.status_code == 303, path
        assert anonymous.headers["location"].startswith("/signin"), path
    await make_user(seeded, "member@example.org", networks={"sport": "member"})
    await sign_in(client, "member@example.org")
    for path in paths:
        assert (await client.get(path)).status_code == 403, path
    # A network the visitor may not even read stays hidden.
    assert (await client.get("/admin/networks/romska-pitanja")).status_code == 404
    assert (await client.get("/networks/romska-pitanja/members")).status_code == 404


async def test_admin_creates_a_user_through_the_form(
    app: Any, client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await _admin(client, seeded)
    response = await _post(
        client,
        "/admin/users",
        "/admin/users",
        email="Mila.Markovic@Example.org",
        name="Mila Marković",
        password="a long enough password",
        municipality="cacak",
        title="Head of IT",
    )
    assert response.status_code == 303
    assert re.fullmatch(r"/admin/users/\d+\?saved=created", response.headers["location"])
    page = await client.get(response.headers["location"])
    assert "The user is created." in page.text
    assert "mila.markovic@example.org" in page.text
    assert "Čačak" in page.text

    # Without a password, one is generated and shown on this response only; it works.
    response = await _post(
        client, "/admin/users", "/admin/users", email="petar@example.org", name="Petar Petrović"
    )
    assert response.status_code == 201
    found = re.search(r'<code class="secret-value">([^<]+)</code>', response.text)
    assert found
    async with _new_client(app) as other:
        await sign_in(other, "petar@example.org", found.group(1))
    user_page = await client.get("/admin/users")
    assert "Petar Petrović" in user_page.text
    assert found.group(1) not in user_page.text
    audit = await client.get("/admin/audit?action=user.created")
    assert audit.text.count('data-action="user.created"') == 3  # the admin and the two new users


async def test_a_form_error_is_shown_beside_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await _admin(client, seeded)
    before = await _user_count(seeded)
    response = await _post(
        client, "/admin/users", "/admin/users", email="not an address", name="Kept Name"
    )
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="f-email-error">[^<]+</p>', response.text)
    assert 'aria-invalid="true"' in response.text
    assert 'value="Kept Name"' in response.text
    assert 'value="not an address"' in response.text

    taken = await _post(client, "/admin/users", "/admin/users", email=ADMIN, name="Another Ana")
    assert taken.status_code == 409
    assert 'id="f-email-error"' in taken.text
    short = await _post(
        client, "/admin/users", "/admin/users", email="x@example.org", name="X", password="short"
    )
    assert short.status_code == 422
    assert 'id="f-password-error"' in short.text
    assert await _user_count(seeded) == before

    # The same on an edit form: an empty name keeps the stored one.
    renamed = await _post(
        client,
        "/admin/networks/sport",
        "/admin/networks/sport",
        name="   ",
        visibility="association",
    )
    assert renamed.status_code == 422
    assert 'id="f-name-error"' in renamed.text
    name = await _scalar(seeded, select(Network.name).where(Network.slug == "sport"))
    assert name == "Mreža za sport"


async def test_renaming_a_network_and_changing_its_committee_is_audited(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await _admin(client, seeded)
    response = await _post(
        client,
        "/admin/networks/sport",
        "/admin/networks/sport",
        name="Mreža za sport i rekreaciju",
        name_en="Sport and Recreation Network",
        description="Sport.",
        committee="finansije",
        visibility="public",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/networks/sport?saved=saved"
    page = await client.get(response.headers["location"])
    assert "Your changes are saved." in page.text
    assert 'value="finansije" selected' in page.text
    async with seeded.sessionmaker() as db:
        network = (await db.exec(select(Network).where(Network.slug == "sport"))).one()
        entry = (
            await db.exec(select(AuditEntry).where(AuditEntry.action == "network.updated"))
        ).one()
    assert network.name == "Mreža za sport i rekreaciju"
    assert network.committee_confirmed
    assert entry.data["before"]["name"] == "Mreža za sport"
    audit = await client.get("/admin/audit?action=network.&actor=ana")
    assert 'data-action="network.updated"' in audit.text
    assert '<a href="/admin/networks/sport">' in audit.text
    assert "Ana Admin" in audit.text
    assert "Mreža za sport" in audit.text  # the name before, in the details
    nobody = await client.get("/admin/audit?action=network.&actor=nobody")
    assert "<code>network.updated</code>" not in nobody.text


async def test_a_coordinator_manages_members_of_their_own_network_only(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "coord@example.org", networks={"sport": "coordinator"})
    expert = await make_user(seeded, "expert@example.org", name="Eva Expert", municipality="nis")
    await sign_in(client, "coord@example.org")
    await _english(client)
    members = "/networks/sport/members"
    assert 'href="/admin/invitations?network=sport"' in (await client.get(members)).text

    added = await _post(client, members, members, email="expert@example.org", role="member")
    assert added.status_code == 303
    assert added.headers["location"] == f"{members}?saved=added"
    page = await client.get(added.headers["location"])
    assert "Eva Expert" in page.text and "The member is added." in page.text
    assert await _role(seeded, "sport", expert) == "member"

    changed = await _post(client, members, f"{members}/{expert}", role="coordinator")
    assert changed.status_code == 303
    assert await _role(seeded, "sport", expert) == "coordinator"

    removed = await _post(client, members, f"{members}/{expert}/remove")
    assert removed.status_code == 303
    assert await _role(seeded, "sport", expert) is None

    unknown = await _post(client, members, members, email="nobody@example.org", role="member")
    assert unknown.status_code == 422
    assert 'id="f-email-error"' in unknown.text
    assert 'value="nobody@example.org"' in unknown.text

    other = "/networks/javne-nabavke/members"
    assert (await client.get(other)).status_code == 403
    token = await csrf_of(client, members)
    refused = await client.post(
        other, data={"email": "expert@example.org", "role": "member", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert await _role(seeded, "javne-nabavke", expert) is None


async def test_the_last_coordinator_stays_unless_an_admin_removes_them(
    app: Any, client: httpx.AsyncClient, seeded: Runtime
) -> None:
    coord = await make_user(seeded, "coord@example.org", networks={"sport": "coordinator"})
    await sign_in(client, "coord@example.org")
    await _english(client)
    members = "/networks/sport/members"
    removed = await _post(client, members, f"{members}/{coord}/remove")
    assert removed.status_code == 409
    assert "A network needs at least one coordinator." in removed.text
    demoted = await _post(client, members, f"{members}/{coord}", role="member")
    assert demoted.status_code == 409
    assert f'id="err-m{coord}"' in demoted.text
    assert await _role(seeded, "sport", coord) == "coordinator"

    # With a second coordinator, the first may step down (and leaves the page they manage).
    second = await make_user(seeded, "second@example.org", networks={"sport": "coordinator"})
    stepped = await _post(client, members, f"{members}/{coord}", role="member")
    assert stepped.status_code == 303
    assert stepped.headers["location"] == "/networks/sport"

    async with _new_client(app) as admin:
        await _admin(admin, seeded)
        gone = await _post(admin, members, f"{members}/{second}/remove")
        assert gone.status_code == 303
    assert await _role(seeded, "sport", second) is None


async def test_users_are_paged_and_searchable(client: httpx.AsyncClient, seeded: Runtime) -> None:
    await _admin(client, seeded)
    # Rows straight into the table: fifty password hashes would take most of the test's time,
    # and what is under test here is the listing, not account creation (tested above).
    async with seeded.sessionmaker() as db:
        for n in range(USERS_PER_PAGE):
            db.add(User(email=f"user{n:02d}@example.org", name=f"Korisnik {n:02d}"))
        await db.commit()
    seen: list[str] = []
    url = "/admin/users"
    for _ in range(3):
        page = await client.get(url)
        assert page.status_code == 200
        seen += re.findall(r'<th scope="row"><a href="/admin/users/\d+">([^<]+)</a>', page.text)
        found = re.search(r'<a href="(\?[^"]+)" rel="next">', page.text)
        if not found:
            break
        url = "/admin/users" + found.group(1).replace("&amp;", "&")
    assert len(seen) == USERS_PER_PAGE + 1 == len(set(seen))
    assert seen == sorted(seen)

    damaged = await client.get("/admin/users?after=not-a-cursor")
    # A damaged cursor is refused like every other (hub.reads.cursors), not read as page one.
    assert damaged.status_code == 422 and "The page cursor is not valid." in damaged.text
    search = await client.get("/admin/users?q=korisnik 07")
    assert "Korisnik 07" in search.text and "Korisnik 08" not in search.text
    by_mail = await client.get("/admin/users?q=USER13@")
    assert "Korisnik 13" in by_mail.text and "Korisnik 12" not in by_mail.text
    cyrillic = await client.get("/admin/users?q=Корисник 21")
    assert "Korisnik 21" in cyrillic.text


async def test_user_details_flags_and_memberships(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    admin_id = await _admin(client, seeded)
    user = await make_user(seeded, "mila@example.org", name="Mila", networks={"sport": "member"})
    page = f"/admin/users/{user}"
    shown = await client.get(page)
    assert '<a href="/networks/sport/members">' in shown.text

    edited = await _post(client, page, page, name="Mila M", municipality="nis", title="Expert")
    assert edited.status_code == 303
    made_admin = await _post(client, page, f"{page}/flags", is_admin="1")
    assert made_admin.status_code == 303
    off = await _post(client, page, f"{page}/flags", is_active="0")
    assert off.status_code == 303
    async with seeded.sessionmaker() as db:
        row = await db.get(User, user)
        municipality = (await db.exec(select(Municipality).where(Municipality.slug == "nis"))).one()
    assert row is not None
    assert (row.name, row.is_admin, row.is_active) == ("Mila M", True, False)
    assert row.municipality_id == municipality.id

    own = f"/admin/users/{admin_id}"
    refused = await _post(client, own, f"{own}/flags", is_admin="0")
    assert refused.status_code == 409
    assert "You cannot remove your own administrator rights" in refused.text


async def test_invitations_by_admins_and_coordinators(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "coord@example.org", networks={"sport": "coordinator"})
    await sign_in(client, "coord@example.org")
    await _english(client)
    page = await client.get("/admin/invitations?network=sport")
    assert page.status_code == 200
    network_select = re.search(r'<select id="f-network".*?</select>', page.text, re.DOTALL)
    assert network_select
    assert re.findall(r'<option value="([^"]*)"', network_select.group(0)) == ["sport"]
    assert 'value="sport" selected' in network_select.group(0)
    assert 'class="admin-nav"' not in page.text

    sent = await _post(
        client,
        "/admin/invitations",
        "/admin/invitations",
        email="new@example.org",
        name="Nova Osoba",
        network="sport",
        role="member",
    )
    assert sent.status_code == 303
    listed = await client.get(sent.headers["location"])
    assert "The invitation is sent." in listed.text and "Nova Osoba" in listed.text
    assert ">open</span>" in listed.text

    other = await _post(
        client,
        "/admin/invitations",
        "/admin/invitations",
        email="else@example.org",
        name="Else",
        network="javne-nabavke",
    )
    assert other.status_code == 403

    revoke = re.search(r'action="(/admin/invitations/\d+/revoke)"', listed.text)
    assert revoke
    revoked = await _post(client, "/admin/invitations", revoke.group(1))
    assert revoked.status_code == 303
    assert ">revoked</span>" in (await client.get("/admin/invitations")).text


async def test_committee_members_and_municipalities(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await _admin(client, seeded)
    member = await make_user(seeded, "chair@example.org", name="Čedomir Chair")
    page = "/admin/committees/finansije"
    added = await _post(client, page, f"{page}/members", email="chair@example.org", role="chair")
    assert added.status_code == 303
    shown = await client.get(page)
    assert "Čedomir Chair" in shown.text
    assert 'value="chair" selected' in shown.text
    demoted = await _post(client, page, f"{page}/members/{member}", role="member")
    assert demoted.status_code == 303
    removed = await _post(client, page, f"{page}/members/{member}/remove")
    assert removed.status_code == 303
    assert "Čedomir Chair" not in (await client.get(page)).text

    listing = "/admin/municipalities?kind=grad"
    grad = await client.get(listing)
    assert "to be checked against the association" in grad.text
    assert 'id="m-savski-venac"' not in grad.text  # a city municipality, filtered out
    saved = await _post(
        client,
        listing,
        "/admin/municipalities/cacak",
        name="Čačak",
        is_member="1",
        confirmed="1",
        kind="grad",
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/municipalities?kind=grad&saved=cacak#m-cacak"
    empty = await _post(
        client, listing, "/admin/municipalities/nis", name="", confirmed="1", kind="grad"
    )
    assert empty.status_code == 422
    assert 'id="err-nis"' in empty.text
    async with seeded.sessionmaker() as db:
        rows = await db.exec(
            select(Municipality).where(col(Municipality.slug).in_(["cacak", "nis"]))
        )
        by_slug = {m.slug: m for m in rows.all()}
    assert by_slug["cacak"].confirmed and not by_slug["nis"].confirmed
    assert by_slug["nis"].name == "Niš"


async def test_an_id_beyond_the_database_is_not_found(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    await sign_in(client, "admin@example.org")
    token = await csrf_of(client, "/admin/users")
    huge = "99999999999"  # beyond 32 bits: PostgreSQL would refuse it as a parameter
    assert (await client.get(f"/admin/users/{huge}")).status_code == 404
    removed = await client.post(
        f"/admin/committees/finansije/members/{huge}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 404
    assert (await client.get("/admin/users/999999999")).status_code == 404
