"""python -m bench.compile [--posts N]: compile an initiative over a long discussion.

Builds, in a temporary SQLite database and an embedded Redis, a proposal that passed an open
vote, with N posts (2,000 by default) in its discussion, reactions on a tenth of them and ten
key posts; then runs the compile job's steps and prints the seconds each format takes (the
gathering of the data, HTML, PDF, DOCX) and the job as a whole. Target: under 5 s for the three
formats together (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, update
from sqlmodel import col, select

from hub.actions.accounts import do_create_user
from hub.actions.bodies import do_set_network_member
from hub.actions.context import act
from hub.actions.proposal_review import do_review, do_submit
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal
from hub.actions.seed import do_seed
from hub.config import load_settings
from hub.db import utcnow
from hub.models import Committee, JobIntent, Network, Post, Proposal, Reaction, Vote
from hub.models.initiatives import Initiative, InitiativeRevision, KeyPost
from hub.plumbing.embedded_redis import EmbeddedRedis
from hub.plumbing.migrate import upgrade
from hub.plumbing.runtime import Runtime, open_runtime
from hub.reads.initiative_document import document_data
from hub.reads.initiatives import load_initiative
from hub.text.initiative_formats import render_docx, render_html, render_pdf
from workers.compile import compile_initiative

NETWORK = "socijalna-zastita"
TEXT = ProposalText(
    title="Čišćenje divljih deponija: đubrište, šljunak i žuta zona",
    summary="Jedinstven postupak za uklanjanje divljih deponija u svim opštinama.",
    problem="Opštine nemaju jasna ovlašćenja ni sredstva. " * 40,
    solution="Izmena zakona tako da komunalna inspekcija može da naloži čišćenje. " * 40,
    legal_act="Zakon o upravljanju otpadom",
    legal_article="član 12",
    impact="Čistija životna sredina i manji troškovi sanacije. " * 30,
)


async def _discussion(rt: Runtime, posts: int) -> str:
    async with act(rt, system=True) as ctx:
        await do_seed(ctx)
        author, _ = await do_create_user(
            ctx, email="autor@example.org", name="Đorđe Šćekić", password="bench-lozinka-1"
        )
        boss, _ = await do_create_user(
            ctx, email="koord@example.org", name="Žarko Čolić", password="bench-lozinka-1"
        )
        assert author.id is not None and boss.id is not None
        await do_set_network_member(ctx, NETWORK, author.id, role="member")
        await do_set_network_member(ctx, NETWORK, boss.id, role="coordinator")
    async with act(rt, actor_id=author.id) as ctx:
        pid = (await do_create_proposal(ctx, NETWORK, TEXT, coauthor_ids=[])).proposal.id
        assert pid is not None
        await do_submit(ctx, pid)
    async with act(rt, actor_id=boss.id) as ctx:
        await do_review(ctx, pid, action="approve", note="Za glasanje.")
    async with rt.sessionmaker() as db:
        proposal = await db.get(Proposal, pid)
        assert proposal is not None and proposal.thread_id is not None
        now = utcnow()
        rows = [
            {
                "thread_id": proposal.thread_id,
                "author_id": author.id if n % 2 else boss.id,
                "body": f"Prilog {n}: čišćenje đubrišta zahteva novac i ljude. " * 4,
                "html": f"<p>Prilog {n}</p>",
                "created_at": now,
            }
            for n in range(posts)
        ]
        await (await db.connection()).execute(insert(Post), rows)
        ids = list(
            (await db.exec(select(Post.id).where(Post.thread_id == proposal.thread_id))).all()
        )
        await (await db.connection()).execute(
            insert(Reaction),
            [
                {"post_id": i, "user_id": author.id, "kind": "heart", "created_at": now}
                for i in ids[::10]
            ],
        )
        for i in ids[:: max(1, len(ids) // 10)][:10]:
            db.add(KeyPost(post_id=i, marked_by_id=boss.id))
        db.add(
            Vote(
                proposal_id=pid,
                closes_at=now,
                quorum=20,
                threshold=50,
                electorate_size=40,
                status="closed",
                closed_at=now,
                result="passed",
                yes=25,
                no=5,
                abstain=2,
                turnout=32,
            )
        )
        await db.exec(update(Proposal).where(col(Proposal.id) == pid).values(status="passed"))
        committee = (
            await db.exec(
                select(Committee)
                .join(Network, col(Network.committee_id) == Committee.id)
                .where(Network.slug == NETWORK)
            )
        ).one()
        key = f"compile:proposal:{pid}"
        db.add(
            JobIntent(
                key=key,
                kind="compile",
                payload={"proposal_ids": [pid], "committee_id": committee.id},
            )
        )
        await db.commit()
    return key


def _timed(label: str, started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"{label:8} {seconds:6.2f} s", flush=True)
    return seconds


async def run(posts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        redis = EmbeddedRedis(root / "redis", persistent=False)
        url = redis.start()
        try:
            settings = load_settings({"HUB_DATA_DIR": str(root), "HUB_LOG_FORMAT": "text"}).with_(
                redis_url=url
            )
            await asyncio.to_thread(upgrade, settings.database_url)
            async with open_runtime(settings) as rt:
                key = await _discussion(rt, posts)
                print(f"an initiative over a {posts:,}-post discussion", flush=True)
                started = time.perf_counter()
                assert await compile_initiative({"runtime": rt, "job_try": 1}, key) == "done"
                _timed("job", started)
                async with act(rt, system=True) as ctx:
                    initiative = (await ctx.db.exec(select(Initiative))).one()
                    access = await load_initiative(ctx, initiative.id or 0)
                    revision = (await ctx.db.exec(select(InitiativeRevision))).one()
                    assert access is not None
                    started = time.perf_counter()
                    data = await document_data(ctx, access, revision)
                    _timed("gather", started)
                total = 0.0
                started = time.perf_counter()
                html = render_html(data)
                total += _timed("html", started)
                started = time.perf_counter()
                render_pdf(html)
                total += _timed("pdf", started)
                started = time.perf_counter()
                render_docx(data)
                total += _timed("docx", started)
                print(f"{'formats':8} {total:6.2f} s (target: under 5 s)", flush=True)
        finally:
            redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compile", description=__doc__)
    parser.add_argument("--posts", type=int, default=2000, help="posts in the discussion")
    asyncio.run(run(parser.parse_args().posts))


if __name__ == "__main__":
    main()
