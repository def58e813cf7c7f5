"""Making proposals in each state through the actions, for the proposals' tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from sqlalchemy import func
from sqlmodel import select

from hub.actions.context import Context, act
from hub.actions.proposal_coauthors import do_accept_coauthor
from hub.actions.proposal_review import do_review, do_submit, do_withdraw
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal
from hub.db import utcnow
from hub.models import AuditEntry, Proposal, ProposalTransition
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, make_user

S = ProposalStatus
T = TypeVar("T")
NET = "socijalna-zastita"  # visible to everyone signed in
CLOSED = "romska-pitanja"  # visible to its members only
OTHER = "javne-nabavke"

TEXT = ProposalText(
    title="Jedinstveni registar korisnika socijalne pomoći",
    summary="Jedan registar za sve opštine.",
    problem="Podaci o korisnicima su razbacani po opštinama.",
    solution="Zajednički registar koji vodi ministarstvo.",
    legal_act="Zakon o socijalnoj zaštiti",
    legal_article="član 12",
    impact="Brža pomoć i manje papira.",
)
BODY: dict[str, Any] = {
    "title": TEXT.title,
    "summary": TEXT.summary,
    "problem": TEXT.problem,
    "solution": TEXT.solution,
    "legal_basis": {"act": TEXT.legal_act, "article": TEXT.legal_article},
    "impact": TEXT.impact,
}
ROLES = [
    "author",  # created it
    "coauthor",  # invited and accepted
    "invitee",  # invited, not yet accepted
    "member",  # of the network, not an author
    "coordinator",  # of the network
    "other_coordinator",  # of another network
    "outsider",  # signed in, in no network
    "admin",
]


async def make_people(rt: Runtime) -> dict[str, int]:
    members = {NET: "member", CLOSED: "member"}
    spec: dict[str, dict[str, Any]] = {
        "author": {"networks": members},
        "coauthor": {"networks": members},
        "invitee": {"networks": members},
        "member": {"networks": members},
        "coordinator": {"networks": {NET: "coordinator", CLOSED: "coordinator"}},
        "other_coordinator": {"networks": {OTHER: "coordinator"}},
        "outsider": {},
        "admin": {"admin": True},
    }
    return {
        role: await make_user(rt, f"{role.replace('_', '.')}@example.org", **kw)
        for role, kw in spec.items()
    }


async def as_user(rt: Runtime, uid: int, fn: Callable[[Context], Awaitable[T]]) -> T:
    async with act(rt, actor_id=uid) as ctx:
        return await fn(ctx)


async def new_proposal(
    rt: Runtime, people: dict[str, int], network: str = NET, title: str | None = None
) -> int:
    """A draft by `author` with `coauthor` (accepted) and `invitee` (invited) on it."""
    text = TEXT if title is None else ProposalText(**{**TEXT.__dict__, "title": title})
    coauthors = [people["coauthor"], people["invitee"]]
    access = await as_user(
        rt, people["author"], lambda c: do_create_proposal(c, network, text, coauthor_ids=coauthors)
    )
    pid = access.proposal.id
    assert pid is not None
    await as_user(rt, people["coauthor"], lambda c: do_accept_coauthor(c, pid))
    return pid


async def proposal_in(rt: Runtime, people: dict[str, int], status: str) -> int:
    """A proposal brought to `status` the way people would get it there."""
    pid = await new_proposal(rt, people)
    author, coordinator = people["author"], people["coordinator"]
    if status == S.DRAFT:
        return pid
    if status == S.WITHDRAWN:
        await as_user(rt, author, lambda c: do_withdraw(c, pid))
        return pid
    await as_user(rt, author, lambda c: do_submit(c, pid))
    decisions = {
        S.CHANGES_REQUESTED: "request_changes",
        S.REJECTED: "reject",
        S.APPROVED: "approve",
        S.VOTING: "approve",
        S.PASSED: "approve",
        S.FAILED: "approve",
    }
    if status in decisions:
        choice = decisions[S(status)]
        await as_user(rt, coordinator, lambda c: do_review(c, pid, action=choice, note="Zato."))
    if status == S.MERGED:
        survivor = await proposal_in(rt, people, S.SUBMITTED)
        await as_user(rt, coordinator, lambda c: do_review(c, pid, action="merge", into=survivor))
    if status in (S.VOTING, S.PASSED, S.FAILED):
        await _vote_on(rt, people, pid, status)
    return pid


async def _vote_on(rt: Runtime, people: dict[str, int], pid: int, status: str) -> None:
    """Open a real vote (quorum 0, an hour long); to pass, `member` votes yes; then close it."""
    from hub.actions.vote_cast import do_cast
    from hub.actions.votes import do_close_vote, do_open_vote

    rules: dict[str, Any] = {"quorum": 0, "threshold": 50, "counting": "member", "ballot": "open"}
    closes_at = utcnow() + dt.timedelta(hours=1)
    coordinator = people["coordinator"]
    await as_user(rt, coordinator, lambda c: do_open_vote(c, pid, closes_at=closes_at, **rules))
    if status == S.PASSED:
        await as_user(rt, people["member"], lambda c: do_cast(c, pid, "yes"))
    if status != S.VOTING:
        await as_user(rt, coordinator, lambda c: do_close_vote(c, pid))


async def state_of(rt: Runtime, pid: int) -> tuple[str, int, int]:
    """The proposal's status, and how many timeline and audit rows there are in all."""
    async with rt.sessionmaker() as db:
        proposal = await db.get(Proposal, pid)
        assert proposal is not None
        steps = (await db.exec(select(func.count()).select_from(ProposalTransition))).one()
        audits = (await db.exec(select(func.count()).select_from(AuditEntry))).one()
        return proposal.status, int(steps), int(audits)


async def tokens(client: httpx.AsyncClient, people: dict[str, int]) -> dict[str, dict[str, str]]:
    return {
        role: await api_token(client, f"{role.replace('_', '.')}@example.org") for role in people
    }
