"""Casting a ballot (`do_cast`), in as few statements as it takes.

The rules are those of hub.actions.votes; what this module adds is how cheaply a cast keeps them:

- the vote, its proposal's network and the actor's right to see it in one query (the proposal's
  full access, with its 404 and its 409 naming the state, only when it has no vote);
- the rate limit (S6) in one round trip to Redis;
- the ballot in one statement: `INSERT ... SELECT ... FROM vote_electors ... ON CONFLICT DO
  UPDATE ... RETURNING` writes only an elector's ballot and rewrites the one row of (vote,
  voter) (V1, V2). On PostgreSQL the same statement holds the vote row `FOR SHARE` while it is
  open and before its time (V4): casts do not wait for each other, the close's UPDATE waits for
  every cast in flight, and a cast after the close writes nothing (409). SQLite has no shared
  row locks: there the cast first raises `ballots_version` with a conditional UPDATE, which takes
  the database's write lock until the commit, as before;
- the audit row `vote.cast` (never the choice, V5);
- the live tally after the commit, coalesced per vote (hub.actions.vote_live), instead of a
  count and an event per ballot.

On PostgreSQL a member's cast on a vote this process has seen open is one statement and one
round trip (`_cast_at_once`): the ballot and its audit row in one `WITH`, which PostgreSQL runs
atomically on its own, so it needs no transaction around it (no BEGIN, no COMMIT); the vote's
id and network come from memory (they never change once it is open), its state from the
statement's guard. Anything else (a refusal, a first cast, SQLite) takes the full path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import JSON, Integer, Row, TextualSelect, bindparam, text, update
from sqlmodel import col, select

from hub import ratelimit
from hub.actions.context import Context
from hub.actions.errors import N_, Forbidden, Invalid, NotFound, RateLimited
from hub.actions.proposal_text import conflict_in_state
from hub.actions.validate import check_choice, check_text
from hub.actions.vote_live import tally_soon
from hub.actions.votes import _closed_conflict, close_apart, is_due, vote_of
from hub.db import UTCDateTime, execute, has_begun, utcnow
from hub.models import Network, Proposal
from hub.models.votes import REASON_MAX, Vote, VoteBallot, VoteStatus
from hub.permissions import Action
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import NO_PROPOSAL, access_proposal
from hub.reads.vote_count import CHOICES


async def check_vote_rate(ctx: Context, user_id: int) -> None:
    """At most HUB_VOTES_PER_MINUTE ballots cast or changed a minute per person (S6): one
    round trip to Redis."""
    limit = ctx.runtime.settings.votes_per_minute
    if limit <= 0:
        return
    wait = await ratelimit.take(ctx.runtime.redis, f"vote:user:{user_id}", limit, 60)
    if wait:
        raise RateLimited(
            N_("You are voting very fast. Try again in %(seconds)d seconds."),
            retry_after=wait,
            seconds=wait,
        )


# The ballot in one statement: written only for an elector of the vote (the SELECT from
# vote_electors finds no row otherwise), a change rewriting the one row of (vote, voter) (V1).
_BALLOT = """
INSERT INTO vote_ballots (vote_id, voter_id, choice, reason, cast_at, changed_at, changes)
SELECT e.vote_id, e.user_id, :choice, :reason, :now, :now, 0
FROM vote_electors AS e {guard}
WHERE e.vote_id = :vote AND e.user_id = :user
ON CONFLICT (vote_id, voter_id) DO UPDATE SET
    choice = excluded.choice,
    reason = excluded.reason,
    changed_at = excluded.changed_at,
    changes = vote_ballots.changes
        + CASE WHEN vote_ballots.choice <> excluded.choice THEN 1 ELSE 0 END
RETURNING id, cast_at, changes
"""
# PostgreSQL (V4): the vote row under a shared lock, only while open and before its time. Casts
# do not wait for each other; the close's UPDATE waits for every cast holding it, and a cast
# after the close finds no open row, so writes nothing.
_GUARD_PG = """JOIN (
    SELECT id FROM votes
    WHERE id = :vote AND status = 'open' AND closes_at > :now
    FOR SHARE
) AS open_vote ON open_vote.id = e.vote_id"""


def _ballot_statement(dialect: str) -> TextualSelect:
    statement = text(_BALLOT.format(guard=_GUARD_PG if dialect == "postgresql" else ""))
    return statement.bindparams(bindparam("now", type_=UTCDateTime())).columns(
        id=Integer(), cast_at=UTCDateTime(), changes=Integer()
    )


_STATEMENTS = {d: _ballot_statement(d) for d in ("postgresql", "sqlite")}

# PostgreSQL: the ballot and its audit row (never the choice, V5) in one statement, which runs
# atomically by itself: no row of either unless the ballot was written.
_WITH_AUDIT = """
WITH ballot AS ({ballot}), audit AS (
    INSERT INTO audit_log (at, actor_id, action, object_type, object_id, data, ip)
    SELECT :now, :user, 'vote.cast', 'votes', :vote_key, :audit, :ip FROM ballot
)
SELECT id, cast_at, changes FROM ballot
"""
_CAST_AT_ONCE = (
    text(_WITH_AUDIT.format(ballot=_BALLOT.format(guard=_GUARD_PG)))
    .bindparams(bindparam("now", type_=UTCDateTime()), bindparam("audit", type_=JSON()))
    .columns(id=Integer(), cast_at=UTCDateTime(), changes=Integer())
)


@dataclass(frozen=True)
class _Target:
    """An open vote as a cast needs it: neither changes once the vote is open."""

    vote_id: int
    network_id: int


def _targets(runtime: Runtime) -> dict[int, _Target]:
    """The votes this process has seen open, by proposal."""
    targets: dict[int, _Target] | None = runtime.extras.get("vote_targets")
    if targets is None or len(targets) > 10_000:
        targets = runtime.extras["vote_targets"] = {}
    return targets


_VOTE_FOR_CAST = (  # built once: building it cost as much CPU as running it
    select(Vote, Network)
    .join(Proposal, col(Proposal.id) == Vote.proposal_id)
    .join(Network, col(Network.id) == Proposal.network_id)
    .where(col(Vote.proposal_id) == bindparam("proposal_id"))
    .execution_options(populate_existing=True)
)


async def _vote_for_cast(ctx: Context, proposal_id: int) -> tuple[Vote, int]:
    """The proposal's vote and its network's id in one query, if the actor may see it; the
    proposal's full access (404, 409 naming its state) only when there is no vote."""
    found = (await ctx.db.exec(_VOTE_FOR_CAST, params={"proposal_id": proposal_id})).first()
    if found is None:  # no such proposal, not visible, or no vote on it
        access = await access_proposal(ctx, proposal_id)
        raise conflict_in_state(access.proposal.status)
    vote, network = found
    # A proposal with a vote was submitted: it is visible to whoever may see its network.
    if not ctx.may(Action.VIEW_NETWORK, network):
        raise NotFound(NO_PROPOSAL)
    return vote, network.id or 0


async def do_cast(
    ctx: Context, proposal_id: int, choice: str | None, reason: str | None = ""
) -> VoteBallot:
    """Cast or change the actor's ballot (yes, no or abstain, with an optional reason): electors
    only, while the vote is open. Returns the caller's ballot as stored."""
    user = ctx.require_user()
    user_id = user.id or 0
    target = _targets(ctx.runtime).get(proposal_id)
    # At once only as the first use of the action's session: the cast commits by itself, so it
    # must not depend on (or outlive) anything the caller wrote before it in its transaction.
    if target is not None and ctx.principal.member_of(target.network_id) and not has_begun(ctx.db):
        try:
            choice_ = check_choice(choice, tuple(CHOICES), field="choice")
            reason_ = check_text(reason, "reason", REASON_MAX)
        except Invalid:
            pass  # the full path refuses it, after what it checks first
        else:
            if ctx.db.get_bind().dialect.name == "postgresql":
                return await _cast_at_once(ctx, target, proposal_id, choice_, reason_)
    vote, network_id = await _vote_for_cast(ctx, proposal_id)
    if vote.status != VoteStatus.OPEN:
        raise await _closed_conflict(ctx, proposal_id)
    if is_due(vote):
        await close_apart(ctx.runtime, proposal_id)
        raise await _closed_conflict(ctx, proposal_id)
    if not ctx.principal.member_of(network_id):
        raise Forbidden(N_("Only members of the network may vote."))
    choice_ = check_choice(choice, tuple(CHOICES), field="choice")
    reason_ = check_text(reason, "reason", REASON_MAX)
    _targets(ctx.runtime)[proposal_id] = _Target(vote.id or 0, network_id)
    await check_vote_rate(ctx, user_id)
    now = utcnow()
    dialect = ctx.db.get_bind().dialect.name
    if dialect != "postgresql":  # SQLite: the UPDATE takes the database's write lock (V4)
        held = await ctx.db.exec(
            update(Vote)
            .where(
                col(Vote.id) == vote.id,
                col(Vote.status) == VoteStatus.OPEN,
                col(Vote.closes_at) > now,
            )
            .values(ballots_version=Vote.ballots_version + 1)
            .execution_options(synchronize_session=False)
        )
        if held.rowcount != 1:  # closed meanwhile, or its time came: the close decides
            raise await _closed_conflict(ctx, proposal_id)
    values = {"vote": vote.id, "user": user_id, "choice": choice_, "reason": reason_, "now": now}
    row = (await execute(ctx.db, _STATEMENTS[dialect], values)).first()
    if row is None:  # closed meanwhile (PostgreSQL's guard), or not an elector
        await _refuse_cast(ctx, proposal_id, now)
    ctx.audit("vote.cast", vote, proposal=proposal_id)  # never the choice (V5)
    return _cast(ctx, proposal_id, vote.id or 0, user_id, choice_, reason_, now, row)


async def _cast_at_once(
    ctx: Context, target: _Target, proposal_id: int, choice: str, reason: str
) -> VoteBallot:
    """The cast on PostgreSQL for a member, on a vote known to be open a moment ago: one
    statement on a connection of its own, committed by itself (the caller's transaction has
    nothing to do with it). The guard in it decides whether the vote is still open (V4)."""
    user_id = ctx.require_user().id or 0
    await check_vote_rate(ctx, user_id)
    now = utcnow()
    values = {
        "vote": target.vote_id,
        "user": user_id,
        "choice": choice,
        "reason": reason,
        "now": now,
        "vote_key": str(target.vote_id),
        "audit": {"proposal": proposal_id},
        "ip": ctx.ip,
    }
    async with ctx.runtime.autocommit_engine.connect() as conn:
        row = (await conn.execute(_CAST_AT_ONCE, values)).first()
    if row is None:  # closed meanwhile or due, or not an elector: the reason is looked up
        await _refuse_cast(ctx, proposal_id, now)
    return _cast(ctx, proposal_id, target.vote_id, user_id, choice, reason, now, row)


def _cast(
    ctx: Context,
    proposal_id: int,
    vote_id: int,
    user_id: int,
    choice: str,
    reason: str,
    now: dt.datetime,
    row: Row[tuple[int, dt.datetime, int]],
) -> VoteBallot:
    """The ballot as stored (from the statement's RETURNING), the live tally asked for once the
    cast is committed."""
    runtime = ctx.runtime
    ctx.after_commit_calls.append(lambda: tally_soon(runtime, proposal_id))
    return VoteBallot(
        id=row.id,
        vote_id=vote_id,
        voter_id=user_id,
        choice=choice,
        reason=reason,
        cast_at=row.cast_at,
        changed_at=now,
        changes=row.changes,
    )


async def _refuse_cast(ctx: Context, proposal_id: int, now: dt.datetime) -> NoReturn:
    current = await vote_of(ctx, proposal_id)
    if current is not None and is_due(current, now):  # its time came: closed on the spot (V4)
        await close_apart(ctx.runtime, proposal_id, now)
    if current is None or current.status != VoteStatus.OPEN or current.closes_at <= now:
        raise await _closed_conflict(ctx, proposal_id)
    raise Forbidden(N_("Only those who were members of the network when the vote opened may vote."))
