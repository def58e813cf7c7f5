"""The vote benchmark's data, made fast: the association's seed through the action, then the
voters, their memberships and API tokens by bulk inserts (one password hash for all, no
argon2 per person), then a proposal written, submitted and approved through the actions.

The vote itself is opened over HTTP by the coordinator (POST /api/v1/proposals/{id}/voting),
so that the electorate is frozen by the real path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NETWORK = "elektronska-uprava"
PASSWORD = "bench-password-123"
COORDINATOR = "koordinator@bench.test"


@dataclass
class Seeded:
    proposal_id: int
    tokens: list[str]  # one API token per voter, in voter order
    voter_ids: list[int]
    municipality_of: dict[int, int | None]  # voter id -> local government id


async def reset_postgres(url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database (its name must contain
    "bench": a guard against emptying a real one)."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to reset {name!r}: the database name must contain 'bench'")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def populate(env: Mapping[str, str], voters: int) -> Seeded:
    from sqlalchemy import insert
    from sqlmodel import select

    from hub.actions.context import act
    from hub.actions.proposal_review import do_review, do_submit
    from hub.actions.proposal_text import ProposalText
    from hub.actions.proposals import do_create_proposal
    from hub.actions.seed import do_seed
    from hub.auth import hash_password, new_token, token_hash
    from hub.config import load_settings
    from hub.db import utcnow
    from hub.models.auth import ApiToken
    from hub.models.bodies import Network, NetworkMembership
    from hub.models.municipalities import Municipality
    from hub.models.users import User
    from hub.plumbing.runtime import open_runtime

    settings = load_settings(env).with_(run_worker=False)
    password_hash = hash_password(PASSWORD)
    now = utcnow()
    async with open_runtime(settings, with_jobs=False) as runtime:
        async with act(runtime, system=True) as ctx:
            await do_seed(ctx)
            network = (await ctx.db.exec(select(Network).where(Network.slug == NETWORK))).one()
            places = list((await ctx.db.exec(select(Municipality.id).order_by("id"))).all())
            people: list[dict[str, object]] = [
                {
                    "email": COORDINATOR,
                    "handle": "koordinator",
                    "name": "Koordinatorka Benč",
                    "password_hash": password_hash,
                    "municipality_id": None,
                    "created_at": now,
                }
            ]
            for i in range(voters):
                people.append(
                    {
                        "email": f"glasac{i}@bench.test",
                        "handle": f"glasac{i}",
                        "name": f"Glasač Benč {i}",
                        "password_hash": password_hash,
                        # A few local governments, several members each (counting per
                        # municipality has majorities and ties to count).
                        "municipality_id": places[i % min(len(places), 40)] if places else None,
                        "created_at": now,
                    }
                )
            await ctx.db.exec(insert(User).values(people))
            rows = (await ctx.db.exec(select(User.id, User.email, User.municipality_id))).all()
            by_email = {email: (uid or 0, place) for uid, email, place in rows}
            coordinator_id = by_email[COORDINATOR][0]
            voter_ids = [by_email[f"glasac{i}@bench.test"][0] for i in range(voters)]
            members = [(coordinator_id, "coordinator")] + [(v, "member") for v in voter_ids]
            await ctx.db.exec(
                insert(NetworkMembership).values(
                    [
                        {"network_id": network.id, "user_id": u, "role": r, "created_at": now}
                        for u, r in members
                    ]
                )
            )
            tokens = [f"hub_{new_token()}" for _ in voter_ids]
            await ctx.db.exec(
                insert(ApiToken).values(
                    [
                        {
                            "token_hash": token_hash(t),
                            "user_id": v,
                            "name": "bench",
                            "created_at": now,
                        }
                        for t, v in zip(tokens, voter_ids, strict=True)
                    ]
                )
            )
        text = ProposalText(
            title="Jedinstveni portal za e-zakazivanje u svim opštinama",
            summary="Predlog da sve opštine koriste isti portal za zakazivanje termina.",
            problem="Građani u svakoj opštini zakazuju na drugačiji način.",
            solution="Zajednički portal, povezan sa portalom eUprava.",
            legal_act="Zakon o elektronskoj upravi",
            legal_article="član 12",
            impact="Kraće čekanje i manje troškove za opštine.",
        )
        async with act(runtime, actor_id=voter_ids[0]) as ctx:
            access = await do_create_proposal(ctx, NETWORK, text)
            proposal_id = access.proposal.id or 0
        async with act(runtime, actor_id=voter_ids[0]) as ctx:
            await do_submit(ctx, proposal_id)
        async with act(runtime, actor_id=coordinator_id) as ctx:
            await do_review(ctx, proposal_id, action="approve")
        return Seeded(
            proposal_id=proposal_id,
            tokens=tokens,
            voter_ids=voter_ids,
            municipality_of={
                v: by_email[f"glasac{i}@bench.test"][1] for i, v in enumerate(voter_ids)
            },
        )
