"""What a person's digest holds, read as that person (only what they may read now): first what
they must do, deadlines first (votes closing that they have not voted in, soonest first;
proposals awaiting their review; initiatives awaiting their committee's decision), then what
happened since their last digest (vote results, initiative decisions and follow-ups in their
networks, the busiest threads). The mail's text is made here too, in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_
from hub.models import Initiative, Network, Notification, Post, Proposal, Thread
from hub.models.notifications import NotificationKind
from hub.models.proposals import ProposalStatus
from hub.models.votes import Vote, VoteBallot, VoteElector, VoteStatus
from hub.permissions import Action
from hub.reads.committee_inbox import DECIDABLE
from hub.reads.notifications import KIND_TEXT
from hub.reads.proposal_lists import readable_clause

LIMIT = 10  # items per group
BUSIEST = 5  # threads
BUSY = 2  # new posts that make a thread busy (a new proposal's thread starts with one)
RESULT_TEXT = {"passed": N_("passed"), "failed": N_("failed")}


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    note: str = ""  # a msgid (a kind, a result), translated when the mail is written
    when: dt.datetime | None = None  # a vote's closing time
    count: int = 0  # a thread's new posts


@dataclass
class Digest:
    votes: list[Item] = field(default_factory=list)
    reviews: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)
    results: list[Item] = field(default_factory=list)
    initiatives: list[Item] = field(default_factory=list)
    threads: list[Item] = field(default_factory=list)

    def to_do(self) -> list[tuple[str, list[Item]]]:
        """Deadlines first: the groups of what the reader must do, in this order."""
        return [
            (N_("Votes closing that you have not voted in"), self.votes),
            (N_("Proposals awaiting your review"), self.reviews),
            (N_("Initiatives awaiting your committee's decision"), self.decisions),
        ]

    def happened(self) -> list[tuple[str, list[Item]]]:
        return [
            (N_("Vote results"), self.results),
            (N_("Decisions and follow-ups on initiatives"), self.initiatives),
            (N_("Busiest threads"), self.threads),
        ]

    @property
    def size(self) -> int:
        return sum(len(items) for _h, items in self.to_do() + self.happened())


async def _readable(ctx: Context, ids: Iterable[int | None]) -> set[int]:
    """Of these networks, those the reader may read now."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    rows = await ctx.db.exec(select(Network).where(col(Network.id).in_(wanted)))
    return {n.id or 0 for n in rows.all() if ctx.may(Action.VIEW_NETWORK, n)}


async def _member_networks(ctx: Context, role: str | None = None) -> set[int]:
    ids = [i for i, r in ctx.principal.networks.items() if role is None or r == role]
    return await _readable(ctx, ids)


async def _votes(ctx: Context, uid: int, now: dt.datetime) -> list[Item]:
    voted = select(VoteBallot.vote_id).where(VoteBallot.voter_id == uid)
    rows = (
        await ctx.db.exec(
            select(Proposal.id, Proposal.title, Proposal.network_id, Vote.closes_at)
            .join(Vote, col(Vote.proposal_id) == Proposal.id)
            .join(VoteElector, col(VoteElector.vote_id) == Vote.id)
            .where(
                VoteElector.user_id == uid,
                Vote.status == VoteStatus.OPEN,
                col(Vote.closes_at) > now,
                col(Vote.id).not_in(voted),
            )
            .order_by(col(Vote.closes_at), col(Proposal.id))
            .limit(LIMIT)
        )
    ).all()
    readable = await _readable(ctx, [r[2] for r in rows])
    return [
        Item(title, f"/proposals/{pid}#vote", when=closes)
        for pid, title, network_id, closes in rows
        if network_id in readable
    ]


async def _reviews(ctx: Context) -> list[Item]:
    networks = await _member_networks(ctx)
    rows = await ctx.db.exec(select(Network).where(col(Network.id).in_(networks)))
    reviewed = [n.id for n in rows.all() if ctx.may(Action.REVIEW_PROPOSALS, n)]
    if not reviewed:
        return []
    proposals = await ctx.db.exec(
        select(Proposal.id, Proposal.title)
        .where(col(Proposal.network_id).in_(reviewed), Proposal.status == ProposalStatus.SUBMITTED)
        .order_by(col(Proposal.submitted_at), col(Proposal.id))
        .limit(LIMIT)
    )
    return [Item(title, f"/proposals/{pid}") for pid, title in proposals.all()]


async def _decisions(ctx: Context) -> list[Item]:
    committees = list(ctx.principal.committees)
    if not committees:
        return []
    rows = await ctx.db.exec(
        select(Initiative.id, Initiative.title)
        .where(
            col(Initiative.committee_id).in_(committees),
            col(Initiative.status).in_(DECIDABLE),
            col(Initiative.superseded_by_id).is_(None),
        )
        .order_by(col(Initiative.delivered_at), col(Initiative.id))
        .limit(LIMIT)
    )
    return [Item(title, f"/initiatives/{iid}") for iid, title in rows.all()]


async def _results(ctx: Context, since: dt.datetime, now: dt.datetime) -> list[Item]:
    networks = await _member_networks(ctx)
    rows = await ctx.db.exec(
        select(Proposal.id, Proposal.title, Vote.result)
        .join(Vote, col(Vote.proposal_id) == Proposal.id)
        .where(
            col(Proposal.network_id).in_(networks),
            readable_clause(ctx),
            Vote.status == VoteStatus.CLOSED,
            col(Vote.closed_at) >= since,
            col(Vote.closed_at) < now,
        )
        .order_by(col(Vote.closed_at).desc(), col(Proposal.id))
        .limit(LIMIT)
    )
    return [
        Item(title, f"/proposals/{pid}#vote", note=RESULT_TEXT.get(result or "", ""))
        for pid, title, result in rows.all()
    ]


async def _initiatives(ctx: Context, uid: int, since: dt.datetime, now: dt.datetime) -> list[Item]:
    """Their decisions and follow-ups, as told to the reader (in their networks, when told),
    still in a network they may read now."""
    kinds = (NotificationKind.INITIATIVE_DECISION, NotificationKind.INITIATIVE_FOLLOW_UP)
    rows = list(
        (
            await ctx.db.exec(
                select(Notification)
                .where(
                    Notification.user_id == uid,
                    col(Notification.kind).in_(kinds),
                    col(Notification.created_at) >= since,
                    col(Notification.created_at) < now,
                )
                .order_by(col(Notification.id))
                .limit(LIMIT * 3)
            )
        ).all()
    )
    readable = await _readable(ctx, [n.network_id for n in rows])
    return [
        Item(n.title, n.url, note=KIND_TEXT[n.kind])
        for n in rows
        if n.network_id is None or n.network_id in readable
    ][:LIMIT]


async def _threads(ctx: Context, since: dt.datetime, now: dt.datetime) -> list[Item]:
    networks = await _member_networks(ctx)
    new_posts = func.count(col(Post.id))
    rows = await ctx.db.exec(
        select(Thread.id, Thread.title, new_posts)
        .join(Post, col(Post.thread_id) == Thread.id)
        .where(
            col(Thread.network_id).in_(networks),
            col(Post.created_at) >= since,
            col(Post.created_at) < now,
            col(Post.deleted_at).is_(None),
            col(Post.hidden_at).is_(None),
        )
        .group_by(col(Thread.id), col(Thread.title))
        .having(new_posts >= BUSY)
        .order_by(new_posts.desc(), col(Thread.id))
        .limit(BUSIEST)
    )
    return [Item(title, f"/threads/{tid}", count=int(n)) for tid, title, n in rows.all()]


async def collect(ctx: Context, now: dt.datetime, since: dt.datetime) -> Digest:
    """The digest of the actor (a person, read with their rights) at `now`."""
    user = ctx.require_user()
    uid = user.id or 0
    return Digest(
        votes=await _votes(ctx, uid, now),
        reviews=await _reviews(ctx),
        decisions=await _decisions(ctx),
        results=await _results(ctx, since, now),
        initiatives=await _initiatives(ctx, uid, since, now),
        threads=await _threads(ctx, since, now),
    )
