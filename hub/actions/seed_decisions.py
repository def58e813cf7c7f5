"""Demo proposals at every stage of the decision flow, made through the actions people use.

`hub seed --demo` (and so `make run`) shows a newcomer the whole road from an idea to an
initiative: a draft, a proposal in the coordinator's queue, one whose vote is open, and one
that passed, whose initiative the worker of `hub serve` then compiles and delivers to the
committee of its network. Each is written by its demo authors and moved by the network's demo
coordinator, so it is audited, searchable, announced and counted like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlmodel import select

from hub.actions.context import Context, load_principal
from hub.actions.proposal_coauthors import do_accept_coauthor
from hub.actions.proposal_review import do_review, do_submit
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal
from hub.actions.vote_cast import do_cast
from hub.actions.votes import do_close_vote, do_open_vote
from hub.db import utcnow
from hub.models import Proposal, User

NETWORK = "elektronska-uprava"
COORDINATOR = "vesna.radovic"


@dataclass(frozen=True)
class DemoProposal:
    stage: str  # draft | submitted | voting | passed
    author: str
    text: ProposalText
    coauthors: tuple[str, ...] = ()
    ballots: tuple[tuple[str, str, str], ...] = field(default=())  # (voter, choice, reason)


_DEMO = [
    DemoProposal(
        "draft",
        "milica.ilic",
        ProposalText(
            title="Jedinstveni obrazac za elektronsko zakazivanje termina",
            summary="Predlog da sve lokalne samouprave koriste isti obrazac za zakazivanje.",
            problem="Svaka opština ima svoj obrazac, pa građani i dobavljači ne mogu da ih "
            "povežu ni da ih porede.",
            solution="SKGO da pripremi model obrasca i preporuku za njegovu primenu.",
            legal_act="Zakon o elektronskoj upravi",
            legal_article="član 22",
            impact="Manje troškova razvoja i lakše korišćenje za građane.",
        ),
    ),
    DemoProposal(
        "submitted",
        "marko.nikolic",
        ProposalText(
            title="Dvofaktorska prijava za sve elektronske usluge lokalne samouprave",
            summary="Prijava na lokalne e-usluge preko Portala eID, sa drugim faktorom.",
            problem="Deo opština još koristi samo lozinke, što je već dovelo do zloupotreba "
            "naloga.",
            solution="Izmenom uredbe propisati prijavu preko Portala eID za usluge sa ličnim "
            "podacima.",
            legal_act="Uredba o bližim uslovima za uspostavljanje elektronske uprave",
            legal_article="član 9",
            impact="Bolja zaštita podataka građana; jednokratni trošak povezivanja.",
        ),
    ),
    DemoProposal(
        "voting",
        "milica.ilic",
        ProposalText(
            title="Zajednička platforma za elektronsko plaćanje lokalnih taksi",
            summary="Jedna platforma za plaćanje lokalnih administrativnih taksi karticom.",
            problem="Građani i dalje plaćaju takse uplatnicom, a svaka opština posebno "
            "ugovara naplatu sa bankama.",
            solution="Da Vlada omogući lokalnim samoupravama pristup Portalu za e-plaćanje "
            "bez naknade.",
            legal_act="Zakon o lokalnim administrativnim taksama",
            legal_article="član 5",
            impact="Brža naplata i manje odlazaka na šalter.",
        ),
        coauthors=("marko.nikolic",),
        ballots=(
            ("marko.nikolic", "yes", "Kod nas bi to skratilo čekanje na šalteru."),
            ("jelena.petrovic", "abstain", ""),
        ),
    ),
    DemoProposal(
        "passed",
        "jelena.petrovic",
        ProposalText(
            title="Rok za povezivanje lokalnih registara sa Servisnom magistralom",
            summary="Realan rok i podrška države za povezivanje registara lokalnih samouprava.",
            problem="Propisani rok je kratak, a manje opštine nemaju ni ljude ni sredstva "
            "da se povežu na vreme.",
            solution="Produžiti rok za dve godine i obezbediti tehničku pomoć Kancelarije za "
            "IT i eUpravu.",
            legal_act="Zakon o elektronskoj upravi",
            legal_article="član 61",
            impact="Povezivanje bez kazni, uz jednake uslove za male i velike opštine.",
        ),
        ballots=(
            ("marko.nikolic", "yes", ""),
            ("milica.ilic", "yes", "Subotica je već počela, ali rok je nerealan."),
            ("jelena.petrovic", "yes", ""),
            ("vesna.radovic", "abstain", ""),
        ),
    ),
]


async def seed_decisions(ctx: Context, users: dict[str, User]) -> int:
    """Add the demo proposals whose titles are not there yet; how many were added."""
    titles = set((await ctx.db.exec(select(Proposal.title))).all())
    added = 0
    for demo in _DEMO:
        if demo.text.title not in titles:
            await _bring(ctx, users, demo)
            added += 1
    return added


async def _bring(ctx: Context, users: dict[str, User], demo: DemoProposal) -> None:
    async with _as(ctx, users[demo.author]):
        coauthors = [users[c].id or 0 for c in demo.coauthors]
        access = await do_create_proposal(ctx, NETWORK, demo.text, coauthor_ids=coauthors)
    pid = access.proposal.id or 0
    for local in demo.coauthors:
        async with _as(ctx, users[local]):
            await do_accept_coauthor(ctx, pid)
    if demo.stage == "draft":
        return
    async with _as(ctx, users[demo.author]):
        await do_submit(ctx, pid)
    if demo.stage == "submitted":
        return
    async with _as(ctx, users[COORDINATOR]):
        await do_review(ctx, pid, action="approve")
        await do_open_vote(
            ctx, pid, closes_at=utcnow() + dt.timedelta(days=7), quorum=50, threshold=50
        )
    for voter, choice, reason in demo.ballots:
        async with _as(ctx, users[voter]):
            await do_cast(ctx, pid, choice, reason)
    if demo.stage == "passed":  # closed early by the coordinator, as a network may decide
        async with _as(ctx, users[COORDINATOR]):
            await do_close_vote(ctx, pid)


@asynccontextmanager
async def _as(ctx: Context, user: User) -> AsyncIterator[None]:
    """Act as `user`, with their own rights rather than the operator's, then as before."""
    before = ctx.actor, ctx.principal
    ctx.actor, ctx.principal = user, await load_principal(ctx.db, user)
    try:
        yield
    finally:
        ctx.actor, ctx.principal = before
