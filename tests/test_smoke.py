"""The app starts on each backend, signs in the demo admin and shows the association."""

from __future__ import annotations

import httpx

from hub.plumbing.runtime import Runtime
from tests.conftest import make_user, sign_in


async def test_admin_sees_networks_and_committees(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    await sign_in(client, "admin@example.org")
    page = await client.get("/networks")
    assert page.status_code == 200
    assert page.text.count('class="directory-item"') == 28
    page = await client.get("/committees")
    assert page.text.count('class="directory-item"') == 8
