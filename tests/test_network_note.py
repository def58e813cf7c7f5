"""Unconfirmed networks: the admins' note is data (Network.confirmed), not part of a description.

Experts see the description only, on the network's page and in the API; an admin also sees a
note in their own language. Earlier seeds wrote the note into six descriptions: a re-seed takes
it out, once.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.accounts import do_update_profile
from hub.actions.context import act
from hub.actions.seed import do_seed, load_association
from hub.i18n import gettext
from hub.models import Network
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, make_user, sign_in

OLD_NOTE = "Privremeni naziv mreže koji treba da proveri administrator."
NOTE = (
    "Only administrators see this note: the name and description of this network are "
    "provisional, and an administrator should check them."
)
NETWORK = "lokalne-finansije"  # one of the placeholders, confirmed = false
CONFIRMED = "elektronska-uprava"


def seeded_descriptions() -> dict[str, str]:
    return {n["slug"]: n["description"] for n in load_association()["network"]}


async def descriptions(rt: Runtime) -> dict[str, str]:
    async with rt.sessionmaker() as db:
        return {n.slug: n.description for n in (await db.exec(select(Network))).all()}


def test_the_seed_data_keeps_the_note_out_of_descriptions() -> None:
    data = load_association()["network"]
    assert all(OLD_NOTE not in n["description"] for n in data)
    assert sum(not n.get("confirmed", True) for n in data) >= 6  # the mark is the flag


async def test_a_reseed_removes_the_old_note_once(seeded: Runtime) -> None:
    placeholders = [n["slug"] for n in load_association()["network"] if not n["confirmed"]]
    async with seeded.sessionmaker() as db:  # as an earlier seed left them
        await db.exec(
            update(Network)
            .where(col(Network.slug).in_(placeholders[:6]))
            .values(description=Network.description + " " + OLD_NOTE)
        )
        await db.commit()
    assert sum(OLD_NOTE in d for d in (await descriptions(seeded)).values()) == 6

    async with act(seeded, system=True) as ctx:
        first = await do_seed(ctx)
    assert first.created == {"descriptions cleaned": 6}
    assert await descriptions(seeded) == seeded_descriptions()

    async with act(seeded, system=True) as ctx:
        again = await do_seed(ctx)
    assert again.created == {} and not again.changed


@pytest.mark.parametrize("language", ["sr-Latn", "sr-Cyrl", "en"])
async def test_only_admins_see_the_note_in_their_language(
    app: Any, client: httpx.AsyncClient, seeded: Runtime, language: str
) -> None:
    await make_user(seeded, "ekspert@nis.rs", networks={NETWORK: "member"})
    admin = await make_user(seeded, "admin@skgo.test", admin=True)
    async with act(seeded, actor_id=admin) as ctx:
        await do_update_profile(ctx, name="Admin", language=language, title="")
    note = str(escape(gettext(language, NOTE)))
    assert language == "en" or note != NOTE  # translated

    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as expert:
        await sign_in(expert, "ekspert@nis.rs")
        page = await expert.get(f"/networks/{NETWORK}")
        assert page.status_code == 200
        assert str(escape(gettext("sr-Latn", NOTE))) not in page.text
        assert OLD_NOTE not in page.text
        headers = await api_token(expert, "ekspert@nis.rs")
        api = (await expert.get(f"/api/v1/networks/{NETWORK}", headers=headers)).json()
        assert OLD_NOTE not in str(api) and gettext("sr-Latn", NOTE) not in str(api)
        assert seeded_descriptions()[NETWORK] in str(api)

    await sign_in(client, "admin@skgo.test")
    assert note in (await client.get(f"/networks/{NETWORK}")).text
    assert note not in (await client.get(f"/networks/{CONFIRMED}")).text
    admin_page = (await client.get(f"/admin/networks/{NETWORK}")).text
    assert OLD_NOTE not in admin_page
