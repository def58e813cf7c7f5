"""Passed proposals with a closed vote, a discussion and the intent the passing close writes,
for the initiatives' tests (the voting actions are another slice: the rows are written here
as its close writes them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.posts import do_reply
from hub.db import utcnow
from hub.models import (
    Committee,
    JobIntent,
    Municipality,
    Network,
    Post,
    Proposal,
    Reaction,
    User,
    Vote,
    VoteBallot,
    VoteElector,
)
from hub.models.initiatives import KeyPost
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import NET, as_user, proposal_in

TITLE = "Čišćenje ćorsokaka: đubrište i šljunak u žutoj zoni"


async def committee_of(rt: Runtime, network: str = NET) -> Committee:
    async with rt.sessionmaker() as db:
        found = await db.exec(
            select(Committee)
            .join(Network, col(Network.committee_id) == Committee.id)
            .where(Network.slug == network)
        )
        return found.one()


async def passed_proposal(
    rt: Runtime,
    people: dict[str, int],
    *,
    title: str = TITLE,
    ballot: str = "open",
    posts: int = 3,
    intent: bool = True,
) -> int:
    """A proposal that passed an open (or secret) vote, with posts, a key post, reactions, a
    "no" with a reason; and, like the passing close, the compile intent."""
    pid = await proposal_in(rt, people, ProposalStatus.APPROVED)
    async with rt.sessionmaker() as db:
        await db.exec(update(Proposal).where(col(Proposal.id) == pid).values(title=title))
        await db.commit()
        proposal = await db.get(Proposal, pid)
        assert proposal is not None and proposal.thread_id is not None
        thread_id = proposal.thread_id
    for n in range(posts):
        body = f"Prilog {n}: slažem se, ali pazite na rokove. Đak, šuma, čaša."
        await as_user(rt, people["member"], lambda c, b=body: do_reply(c, thread_id, body=b))
    async with rt.sessionmaker() as db:
        post_ids = list(
            (
                await db.exec(
                    select(Post.id).where(Post.thread_id == thread_id).order_by(col(Post.id))
                )
            ).all()
        )
        place = (await db.exec(select(Municipality).order_by(col(Municipality.id)))).first()
        now = utcnow()
        vote = Vote(
            proposal_id=pid,
            closes_at=now,
            quorum=20,
            threshold=50,
            ballot=ballot,
            electorate_size=3,
            status="closed",
            closed_at=now,
            result="passed",
            yes=2,
            no=1,
            abstain=0,
            turnout=3,
        )
        db.add(vote)
        await db.flush()
        voters = [people["author"], people["coauthor"], people["member"]]
        for uid, choice in zip(voters, ["yes", "yes", "no"], strict=True):
            db.add(
                VoteElector(
                    vote_id=vote.id, user_id=uid, municipality_id=place.id if place else None
                )
            )
            reason = "Preskupo za male opštine." if choice == "no" else ""
            db.add(VoteBallot(vote_id=vote.id, voter_id=uid, choice=choice, reason=reason))
        if post_ids:
            db.add(KeyPost(post_id=post_ids[-1], marked_by_id=people["coordinator"]))
            db.add(Reaction(post_id=post_ids[0], user_id=people["author"], kind="heart"))
        await db.exec(
            update(Proposal).where(col(Proposal.id) == pid).values(status=ProposalStatus.PASSED)
        )
        if intent:
            committee = await committee_of(rt)
            db.add(
                JobIntent(
                    key=f"compile:proposal:{pid}",
                    kind="compile",
                    payload={"proposal_ids": [pid], "committee_id": committee.id},
                )
            )
        await db.commit()
    return pid


async def worker_ctx(rt: Runtime, job_try: int = 1) -> dict[str, Any]:
    """The ctx an arq worker hands a job, for running one in the test's process."""
    return {"runtime": rt, "job_try": job_try, "job_id": "test"}


async def user_name(rt: Runtime, uid: int) -> str:
    async with rt.sessionmaker() as db:
        user = await db.get(User, uid)
        assert user is not None
        return user.name
