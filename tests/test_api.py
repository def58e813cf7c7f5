"""The JSON API of the Foundation issue, against /work/shared/docs/contract.md."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.plumbing.runtime import Runtime
from tests.conftest import PASSWORD, api_token, make_user

pytestmark = pytest.mark.usefixtures("seeded")


def error_of(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


@pytest.fixture
async def admin(client: httpx.AsyncClient, seeded: Runtime) -> dict[str, str]:
    await make_user(seeded, "admin@example.org", admin=True)
    return await api_token(client, "admin@example.org")


async def test_token_exchange(client: httpx.AsyncClient, seeded: Runtime) -> None:
    user_id = await make_user(seeded, "ana@example.org", municipality="novi-sad")
    response = await client.post(
        "/api/v1/auth/token", json={"email": "Ana@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user"}
    assert body["user"]["id"] == user_id
    assert body["user"]["email"] == "ana@example.org"
    assert body["user"]["municipality"] == "novi-sad"
    assert "password_hash" not in json.dumps(body)
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    # A missing field is the same wrong-credentials answer, never a 500.
    error_of(await client.post("/api/v1/auth/token", json={"email": "ana@example.org"}), 422)
    error_of(await client.post("/api/v1/auth/token", json={"email": 5, "password": []}), 422)


async def test_me_lists_networks_and_committees_with_roles(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(
        seeded,
        "ana@example.org",
        networks={"sport": "coordinator", "javne-nabavke": "member"},
        committees={"finansije": "chair"},
    )
    headers = await api_token(client, "ana@example.org")
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["user"]["email"] == "ana@example.org"
    assert {n["slug"]: n["role"] for n in me["networks"]} == {
        "sport": "coordinator",
        "javne-nabavke": "member",
    }
    assert {c["slug"]: c["role"] for c in me["committees"]} == {"finansije": "chair"}
    assert all(n["name"] for n in me["networks"] + me["committees"])


async def test_create_user(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime
) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"email": "novi@example.org", "name": "Novi Korisnik", "municipality": "nis"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "novi@example.org" and body["municipality"] == "nis"
    generated = body["password"]
    assert len(generated) >= 10
    assert (
        await client.post(
            "/api/v1/auth/token", json={"email": "novi@example.org", "password": generated}
        )
    ).status_code == 200

    chosen = await client.post(
        "/api/v1/users",
        json={"email": "druga@example.org", "name": "Druga", "password": "a chosen password"},
        headers=admin,
    )
    assert chosen.status_code == 201
    assert "password" not in chosen.json()

    duplicate = await client.post(
        "/api/v1/users", json={"email": "NOVI@example.org", "name": "Again"}, headers=admin
    )
    assert error_of(duplicate, 409)["code"] == "conflict"
    bad = await client.post(
        "/api/v1/users", json={"email": "not-an-address", "name": "X"}, headers=admin
    )
    assert error_of(bad, 422)["field"] == "email"
    short = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "password": "short"},
        headers=admin,
    )
    assert error_of(short, 422)["field"] == "password"
    place = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "municipality": "atlantis"},
        headers=admin,
    )
    assert error_of(place, 422)["field"] == "municipality"
    nameless = await client.post("/api/v1/users", json={"email": "x@example.org"}, headers=admin)
    assert error_of(nameless, 422)["field"] == "name"

    await make_user(seeded, "coordinator@example.org", networks={"sport": "coordinator"})
    other = await api_token(client, "coordinator@example.org")
    refused = await client.post(
        "/api/v1/users", json={"email": "y@example.org", "name": "Y"}, headers=other
    )
    assert error_of(refused, 403)["code"] == "forbidden"
    made_admin = await client.post(
        "/api/v1/users",
        json={"email": "z@example.org", "name": "Z", "is_admin": True},
        headers=other,
    )
    error_of(made_admin, 403)


async def test_set_network_member(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime
) -> None:
    await make_user(seeded, "koord@example.org", networks={"sport": "coordinator"})
    await make_user(seeded, "clan@example.org", networks={"sport": "member"})
    target = await make_user(seeded, "target@example.org")
    coordinator = await api_token(client, "koord@example.org")
    member = await api_token(client, "clan@example.org")
    url = f"/api/v1/networks/sport/members/{target}"

    added = await client.put(url, json={"role": "member"}, headers=admin)
    assert added.status_code == 200
    assert added.json() == {"network": "sport", "user_id": target, "role": "member"}
    promoted = await client.put(url, json={"role": "coordinator"}, headers=coordinator)
    assert promoted.status_code == 200 and promoted.json()["role"] == "coordinator"
    me = await client.get("/api/v1/me", headers=await api_token(client, "target@example.org"))
    assert me.json()["networks"] == [
        {"slug": "sport", "name": me.json()["networks"][0]["name"], "role": "coordinator"}
    ]

    error_of(await client.put(url, json={"role": "member"}, headers=member), 403)
    # A coordinator of one network has no say in another.
    elsewhere = f"/api/v1/networks/javne-nabavke/members/{target}"
    error_of(await client.put(elsewhere, json={"role": "member"}, headers=coordinator), 403)
    error_of(
        await client.put(
            "/api/v1/networks/atlantis/members/1", json={"role": "member"}, headers=admin
        ),
        404,
    )
    error_of(
        await client.put(
            "/api/v1/networks/sport/members/999999", json={"role": "member"}, headers=admin
        ),
        404,
    )
    assert (
        error_of(await client.put(url, json={"role": "chair"}, headers=admin), 422)["field"]
        == "role"
    )
    assert error_of(await client.put(url, json={}, headers=admin), 422)["field"] == "role"
    assert (
        error_of(
            await client.put(
                "/api/v1/networks/sport/members/abc", json={"role": "member"}, headers=admin
            ),
            422,
        )["field"]
        == "user_id"
    )
    error_of(await client.put(url, json={"role": "member"}), 401)

    removed = await client.delete(url, headers=coordinator)
    assert removed.status_code == 204
    error_of(await client.delete(url, headers=coordinator), 404)


async def test_set_committee_member_is_for_admins(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime
) -> None:
    await make_user(seeded, "chair@example.org", committees={"finansije": "chair"})
    await make_user(seeded, "koord@example.org", networks={"sport": "coordinator"})
    target = await make_user(seeded, "target@example.org")
    url = f"/api/v1/committees/finansije/members/{target}"
    response = await client.put(url, json={"role": "chair"}, headers=admin)
    assert response.status_code == 200
    assert response.json() == {"committee": "finansije", "user_id": target, "role": "chair"}
    for email in ("chair@example.org", "koord@example.org"):
        headers = await api_token(client, email)
        error_of(await client.put(url, json={"role": "member"}, headers=headers), 403)
        error_of(await client.delete(url, headers=headers), 403)
    assert (
        error_of(await client.put(url, json={"role": "coordinator"}, headers=admin), 422)["field"]
        == "role"
    )
    error_of(
        await client.put(
            f"/api/v1/committees/atlantis/members/{target}", json={"role": "member"}, headers=admin
        ),
        404,
    )
    assert (await client.delete(url, headers=admin)).status_code == 204


async def test_reference_lists(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    networks = (await client.get("/api/v1/networks", headers=admin)).json()
    committees = (await client.get("/api/v1/committees", headers=admin)).json()
    municipalities = (await client.get("/api/v1/municipalities", headers=admin)).json()
    for listing in (networks, committees, municipalities):
        assert set(listing) == {"items", "next"}
        assert listing["next"] is None
    assert len(networks["items"]) == 28
    assert len(committees["items"]) == 8
    assert len(municipalities["items"]) == 170
    committee_slugs = {c["slug"] for c in committees["items"]}
    assert all(n["committee"] in committee_slugs for n in networks["items"])
    one = (await client.get("/api/v1/networks/sport", headers=admin)).json()
    assert one["slug"] == "sport" and one["committee"] in committee_slugs
    cities = (await client.get("/api/v1/municipalities?kind=grad", headers=admin)).json()
    assert {m["kind"] for m in cities["items"]} == {"grad"}
    assert "novi-sad" in {m["slug"] for m in cities["items"]}
    savski = next(m for m in municipalities["items"] if m["slug"] == "savski-venac")
    assert savski["parent"] is not None
    error_of(await client.get("/api/v1/municipalities?kind=village", headers=admin), 422)


async def test_a_members_only_network_is_not_found_to_others(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "insider@example.org", networks={"romska-pitanja": "member"})
    await make_user(seeded, "outsider@example.org", networks={"sport": "coordinator"})
    insider = await api_token(client, "insider@example.org")
    outsider = await api_token(client, "outsider@example.org")
    assert (await client.get("/api/v1/networks/romska-pitanja", headers=insider)).status_code == 200
    hidden = await client.get("/api/v1/networks/romska-pitanja", headers=outsider)
    missing = await client.get("/api/v1/networks/no-such-network", headers=outsider)
    assert error_of(hidden, 404) == error_of(missing, 404)
    listed = (await client.get("/api/v1/networks", headers=outsider)).json()["items"]
    assert "romska-pitanja" not in {n["slug"] for n in listed}
    assert len(listed) == 27
    # Managing its members does not reveal it either.
    target = await make_user(seeded, "t@example.org")
    put = await client.put(
        f"/api/v1/networks/romska-pitanja/members/{target}",
        json={"role": "member"},
        headers=outsider,
    )
    assert error_of(put, 404) == error_of(missing, 404)


async def test_malformed_bodies_are_422(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for raw in (b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"null"):
        response = await client.post(
            "/api/v1/users", content=raw, headers={**admin, "Content-Type": "application/json"}
        )
        error_of(response, 422)
    typed = await client.post(
        "/api/v1/users", json={"email": ["a@b.rs"], "name": "X"}, headers=admin
    )
    assert error_of(typed, 422)["field"] == "email"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/networks",
        "/api/v1/networks/sport",
        "/api/v1/committees",
        "/api/v1/municipalities",
    ],
)
async def test_anonymous_gets_401(client: httpx.AsyncClient, path: str) -> None:
    assert error_of(await client.get(path), 401)["code"] == "not_signed_in"
    bad_token = await client.get(path, headers={"Authorization": "Bearer hub_nonsense"})
    error_of(bad_token, 401)


async def test_anonymous_writes_get_401(client: httpx.AsyncClient, seeded: Runtime) -> None:
    target = await make_user(seeded, "t@example.org")
    for method, path, body in [
        ("POST", "/api/v1/users", {"email": "x@example.org", "name": "X"}),
        ("PUT", f"/api/v1/networks/sport/members/{target}", {"role": "member"}),
        ("PUT", f"/api/v1/committees/finansije/members/{target}", {"role": "member"}),
        ("DELETE", f"/api/v1/networks/sport/members/{target}", None),
    ]:
        response = await client.request(method, path, json=body)
        error_of(response, 401)


async def test_openapi_lists_the_paths(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.text)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path, method in [
        ("/api/v1/auth/token", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/networks", "get"),
        ("/api/v1/networks/{slug}", "get"),
        ("/api/v1/networks/{slug}/members/{user_id}", "put"),
        ("/api/v1/networks/{slug}/members/{user_id}", "delete"),
        ("/api/v1/committees", "get"),
        ("/api/v1/committees/{slug}/members/{user_id}", "put"),
        ("/api/v1/municipalities", "get"),
    ]:
        assert method in paths[path], (path, method)
        assert paths[path][method]["summary"]
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_a_body_over_the_limit_is_413(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime
) -> None:
    limit = seeded.settings.max_body_bytes
    big = json.dumps({"email": "x@example.org", "name": "x" * limit}).encode()
    declared = await client.post(
        "/api/v1/users", content=big, headers={**admin, "Content-Type": "application/json"}
    )
    assert error_of(declared, 413)["code"] == "too_large"

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit is counted as the body streams in.
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await client.post(
        "/api/v1/users", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert error_of(streamed, 413)["code"] == "too_large"
    # Just under the limit is fine (and a 422 for the over-long name, not a 413).
    small = json.dumps({"email": "x@example.org", "name": "x" * (limit - 100)}).encode()
    assert len(small) <= limit
    ok = await client.post(
        "/api/v1/users", content=small, headers={**admin, "Content-Type": "application/json"}
    )
    assert error_of(ok, 422)["field"] == "name"


async def test_unknown_api_paths_and_methods(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    assert (
        error_of(await client.get("/api/v1/nothing-here", headers=admin), 404)["code"]
        == "not_found"
    )
    error_of(await client.patch("/api/v1/users", json={}, headers=admin), 405)


async def test_a_form_over_the_limit_is_413(client: httpx.AsyncClient, seeded: Runtime) -> None:
    """Pages too: the CSRF check reads form bodies, and stops at the limit as well."""
    limit = seeded.settings.max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b"email=a%40b.rs&password="
        for _ in range(limit // 65536 + 1):
            yield b"x" * 65536

    response = await client.post(
        "/signin",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
