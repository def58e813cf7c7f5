"""Migration 0004 indexes what was indexed before it again, with stems, on SQLite and PostgreSQL.

A scratch database is migrated to head and given threads and posts through the actions; taken
back to 0003 (the index as it was, without stems) a search by another ending finds nothing; up
to head again, the migration reindexes every document from its thread or post and it does.
Proposals, which came after that migration, are indexed again by `hub reindex-proposals`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, text
from sqlmodel import col

from hub.actions.context import act
from hub.actions.post_changes import do_delete_post
from hub.actions.posts import do_reply
from hub.actions.search import reindex_proposals, search
from hub.actions.seed import do_seed
from hub.actions.threads import do_create_thread
from hub.config import Settings, load_settings
from hub.models import SearchDocument
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime, open_runtime
from hub.text.search_terms import stem_text
from tests.conftest import make_user
from tests.proposal_helpers import make_people, new_proposal, proposal_in
from tests.test_migrations import BACKENDS, alembic, scratch_database


@pytest.fixture(params=BACKENDS)
async def scratch(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[Settings]:
    async with scratch_database(request.param, tmp_path) as url:
        settings = load_settings(
            {"HUB_DATA_DIR": str(tmp_path / "data"), "HUB_SECRET_KEY": "k" * 40}
        ).with_(database_url=url, redis_url=redis_url, run_worker=False)
        yield settings


async def found(rt: Runtime, uid: int, query: str) -> set[tuple[str, int]]:
    async with act(rt, actor_id=uid) as ctx:
        hits, _ = await search(ctx, query)
        return {(h.kind, (h.post.id if h.post else h.thread.id) or 0) for h in hits}


async def test_upgrade_reindexes_existing_documents_with_stems(scratch: Settings) -> None:
    url = scratch.database_url
    await alembic("upgrade", url, "head")
    async with open_runtime(scratch) as rt:
        await rt.redis.flushdb()
        async with act(rt, system=True) as ctx:
            await do_seed(ctx)
        uid = await make_user(rt, "ana@nis.rs", networks={"eko-poverenici": "member"})
        async with act(rt, actor_id=uid) as ctx:
            thread, first = await do_create_thread(
                ctx, "eko-poverenici", title="Divlje deponije", body="Мапирали смо депоније."
            )
            kept = (await do_reply(ctx, thread.id or 0, body="Elektronsko zakazivanje")).post
            gone = (await do_reply(ctx, thread.id or 0, body="Zakazivanje obrisano")).post
        async with act(rt, actor_id=uid) as ctx:
            await do_delete_post(ctx, gone.id or 0)
        expected = {("thread", thread.id or 0), ("post", first.id or 0)}
        assert await found(rt, uid, "deponija") == expected

    await alembic("downgrade", url, "0003")
    async with open_runtime(scratch) as rt, rt.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("search_documents")}
        )
        assert "stems" not in columns
        if conn.dialect.name == "sqlite":  # the old index still finds the exact words
            rows = await conn.execute(
                text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'deponije'")
            )
            assert len(rows.all()) == 2

    await alembic("upgrade", url, "head")
    async with open_runtime(scratch) as rt:
        assert await found(rt, uid, "deponija") == expected
        assert await found(rt, uid, "депонија") == expected
        assert await found(rt, uid, "zakazivanja") == {("post", kept.id or 0)}
        async with rt.engine.connect() as conn:
            stems = await conn.execute(
                text("SELECT stems FROM search_documents WHERE kind = 'post' AND object_id = :i"),
                {"i": first.id},
            )
            assert stems.scalar_one() == stem_text("Мапирали смо депоније.")


async def proposals_found(rt: Runtime, uid: int, query: str) -> set[int]:
    async with act(rt, actor_id=uid) as ctx:
        hits, _ = await search(ctx, query)
        return {h.proposal.id or 0 for h in hits if h.proposal is not None}


async def test_reindex_proposals_puts_public_ones_back(seeded: Runtime) -> None:
    people = await make_people(seeded)
    pid = await proposal_in(seeded, people, ProposalStatus.APPROVED)
    draft = await new_proposal(seeded, people)
    async with act(seeded, system=True) as ctx:
        await ctx.db.exec(delete(SearchDocument).where(col(SearchDocument.kind) == "proposal"))
        if ctx.db.get_bind().dialect.name == "sqlite":
            await ctx.db.exec(  # type: ignore[call-overload]
                text("DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_documents)")
            )
    assert await proposals_found(seeded, people["member"], "registar") == set()
    async with act(seeded, system=True) as ctx:
        assert await reindex_proposals(ctx) == 1
    assert await proposals_found(seeded, people["member"], "registar") == {pid}
    assert draft not in await proposals_found(seeded, people["author"], "registar")
