"""What an initiative's document says, gathered from the database in the compilation's language.

One plain structure (dicts and lists of strings) that the HTML template (and through it the PDF)
and the DOCX writer both read, so the formats cannot say different things. Every text is in the
chosen script already (hub.i18n.script.for_script); the number is left as it is.

Secret ballots (V5): neither who voted what nor the reasons given leave the tally, so the
document then lists neither the supporting local governments nor dissenting reasons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from hub import i18n
from hub.actions.context import Context
from hub.actions.errors import N_
from hub.i18n.script import for_script
from hub.models import (
    Municipality,
    Post,
    Proposal,
    ProposalAuthor,
    ProposalTransition,
    Reaction,
    User,
    Vote,
    VoteBallot,
    VoteElector,
)
from hub.models.initiatives import InitiativeRevision, KeyPost
from hub.reads.initiatives import InitiativeAccess

TOP_REACTED = 5  # most-reacted posts quoted besides the key ones
QUOTE_MAX = 600  # characters of a post quoted in the digest

STATUS_WORDS = {
    "draft": N_("drafted"),
    "submitted": N_("submitted for review"),
    "changes_requested": N_("changes requested"),
    "approved": N_("approved for a vote"),
    "rejected": N_("rejected"),
    "merged": N_("merged into another proposal"),
    "voting": N_("put to a vote"),
    "passed": N_("passed the vote"),
    "failed": N_("failed the vote"),
    "withdrawn": N_("withdrawn"),
}
COUNTING_WORDS = {
    "member": N_("one member, one vote"),
    "municipality": N_("one local government, one vote"),
}
BALLOT_WORDS = {"open": N_("open ballot"), "secret": N_("secret ballot")}


class Writer:
    """Texts in the compilation's language and script."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str | None) -> str:
        return for_script(text or "", self.language)

    def _(self, message: str, **params: Any) -> str:
        return i18n.gettext(self.language, message, **params)

    def date(self, value: dt.datetime | dt.date | None) -> str:
        return "" if value is None else i18n.format_date_in_text(value, self.language)


def _quote(w: Writer, post: Post, author: User | None, **extra: Any) -> dict[str, Any]:
    body = " ".join(post.body.split())
    if len(body) > QUOTE_MAX:
        body = body[: QUOTE_MAX - 1] + "…"
    return {
        "author": w(author.name if author else w._("a former member")),
        "date": w.date(post.created_at),
        "text": w(body),
        **extra,
    }


async def _digest(ctx: Context, w: Writer, thread_id: int | None) -> dict[str, list[Any]]:
    if thread_id is None:
        return {"key": [], "reacted": []}
    shown = (
        col(Post.thread_id) == thread_id,
        col(Post.deleted_at).is_(None),
        col(Post.hidden_at).is_(None),
    )
    key_rows = await ctx.db.exec(
        select(Post, User)
        .join(KeyPost, col(KeyPost.post_id) == Post.id)
        .join(User, col(User.id) == Post.author_id, isouter=True)
        .where(*shown)
        .order_by(col(Post.id))
    )
    key = [_quote(w, p, u) for p, u in key_rows.all()]
    key_ids = {q for q in await _key_ids(ctx, thread_id)}
    count = func.count(col(Reaction.id)).label("n")
    reacted_rows = await ctx.db.exec(
        select(Post, User, count)
        .join(Reaction, col(Reaction.post_id) == Post.id)
        .join(User, col(User.id) == Post.author_id, isouter=True)
        .where(*shown, col(Post.id).not_in(key_ids) if key_ids else True)
        .group_by(col(Post.id), col(User.id))
        .order_by(count.desc(), col(Post.id))
        .limit(TOP_REACTED)
    )
    reacted = [_quote(w, p, u, reactions=n) for p, u, n in reacted_rows.all()]
    return {"key": key, "reacted": reacted}


async def _key_ids(ctx: Context, thread_id: int) -> list[int]:
    rows = await ctx.db.exec(
        select(KeyPost.post_id)
        .join(Post, col(Post.id) == KeyPost.post_id)
        .where(Post.thread_id == thread_id)
    )
    return list(rows.all())


async def _vote(ctx: Context, w: Writer, proposal: Proposal) -> dict[str, Any] | None:
    vote = (await ctx.db.exec(select(Vote).where(Vote.proposal_id == proposal.id))).first()
    if vote is None:
        return None
    out: dict[str, Any] = {
        "yes": vote.yes or 0,
        "no": vote.no or 0,
        "abstain": vote.abstain or 0,
        "turnout": vote.turnout or 0,
        "electorate_size": vote.electorate_size,
        "quorum": vote.quorum,
        "threshold": vote.threshold,
        "counting": w._(COUNTING_WORDS.get(vote.counting, vote.counting)),
        "ballot": w._(BALLOT_WORDS.get(vote.ballot, vote.ballot)),
        "secret": vote.ballot == "secret",
        "opened": w.date(vote.opened_at),
        "closed": w.date(vote.closed_at),
        "supporting": None,
        "dissent": None,
    }
    if vote.ballot == "secret":
        return out
    per_place = await ctx.db.exec(
        select(Municipality.name, VoteBallot.choice, func.count(col(VoteBallot.id)))
        .join(
            VoteElector,
            (col(VoteElector.vote_id) == VoteBallot.vote_id)
            & (col(VoteElector.user_id) == VoteBallot.voter_id),
        )
        .join(Municipality, col(Municipality.id) == VoteElector.municipality_id)
        .where(VoteBallot.vote_id == vote.id)
        .group_by(col(Municipality.name), col(VoteBallot.choice))
    )
    tally: dict[str, dict[str, int]] = {}
    for name, choice, n in per_place.all():
        tally.setdefault(name, {})[choice] = n
    by_majority = vote.counting == "municipality"
    out["supporting"] = sorted(
        w(name)
        for name, t in tally.items()
        if (t.get("yes", 0) > t.get("no", 0) if by_majority else t.get("yes", 0) > 0)
    )
    dissent = await ctx.db.exec(
        select(VoteBallot, User)
        .join(User, col(User.id) == VoteBallot.voter_id)
        .where(VoteBallot.vote_id == vote.id, VoteBallot.choice == "no", VoteBallot.reason != "")
        .order_by(col(VoteBallot.cast_at))
    )
    out["dissent"] = [
        {"author": w(u.name), "date": w.date(b.changed_at), "text": w(b.reason)}
        for b, u in dissent.all()
    ]
    return out


async def _authors(ctx: Context, w: Writer, proposal_id: int) -> tuple[list[str], list[str]]:
    rows = await ctx.db.exec(
        select(ProposalAuthor, User)
        .join(User, col(User.id) == ProposalAuthor.user_id)
        .where(
            ProposalAuthor.proposal_id == proposal_id, col(ProposalAuthor.accepted_at).is_not(None)
        )
        .order_by(col(ProposalAuthor.id))
    )
    authors: list[str] = []
    coauthors: list[str] = []
    for a, u in rows.all():
        (authors if a.role == "author" else coauthors).append(w(u.name))
    return authors, coauthors


async def _timeline(ctx: Context, w: Writer, proposal_id: int) -> list[dict[str, str]]:
    rows = await ctx.db.exec(
        select(ProposalTransition)
        .where(ProposalTransition.proposal_id == proposal_id)
        .order_by(col(ProposalTransition.id))
    )
    return [
        {"date": w.date(t.at), "text": w._(STATUS_WORDS.get(t.to_status, t.to_status))}
        for t in rows.all()
    ]


async def document_data(
    ctx: Context, access: InitiativeAccess, revision: InitiativeRevision
) -> dict[str, Any]:
    """Everything the document says, in the revision's language."""
    w = Writer(revision.language)
    i = access.initiative
    proposals = []
    for proposal, network in access.proposals:
        assert proposal.id is not None
        authors, coauthors = await _authors(ctx, w, proposal.id)
        proposals.append(
            {
                "title": w(proposal.title),
                "network": w(network.name),
                "summary": w(proposal.summary),
                "problem": w(proposal.problem),
                "solution": w(proposal.solution),
                "legal_act": w(proposal.legal_act),
                "legal_article": w(proposal.legal_article),
                "impact": w(proposal.impact),
                "authors": authors,
                "coauthors": coauthors,
                "vote": await _vote(ctx, w, proposal),
                "digest": await _digest(ctx, w, proposal.thread_id),
                "timeline": await _timeline(ctx, w, proposal.id),
            }
        )
    return {
        "language": revision.language,
        "association": w._("Standing Conference of Towns and Municipalities"),
        "committee": w(access.committee.name),
        "number": i.number,
        "revision": revision.revision,
        "date": w.date(revision.created_at),
        "title": w(i.title),
        "proposals": proposals,
        "compiled": [
            {"date": w.date(i.created_at), "text": w._("initiative made")},
            {
                "date": w.date(revision.created_at),
                "text": w._("revision %(n)d compiled", n=revision.revision),
            },
        ],
    }
