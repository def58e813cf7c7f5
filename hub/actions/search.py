"""The search index (kept by the actions that write threads and posts) and search itself.

Each query word matches a document word that starts with it (in the normalised text) or that has
one of its stems (in the stems beside it), and ranking weighs the first kind of match well above
the second, so the exact form comes first. PostgreSQL matches with a GIN full-text index over
both ('simple' config, text weighted A, stems D); SQLite with the FTS5 table search_fts (columns
text and stems, bm25 weighted). Results are only what the reader may read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, text, update
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.db import execute
from hub.ids import as_id
from hub.models import Network, Post, SearchDocument, Thread, User
from hub.models.proposals import Proposal
from hub.permissions import Action
from hub.text.search_terms import Term, normalize, parse_query, plain_text, snippet, stem_text
from hub.upsert import upsert

MAX_QUERY = 200
PAGE_SIZE = 20


def _sqlite(ctx: Context) -> bool:
    return ctx.db.get_bind().dialect.name == "sqlite"


async def index_document(
    ctx: Context,
    *,
    kind: str,
    object_id: int,
    network_id: int,
    thread_id: int | None,
    author_id: int | None,
    content: str,
    new: bool = False,
) -> None:
    """Insert or replace the searchable text of one object (`new`: it has none yet)."""
    # An upsert: two edits of one post at once both replace its row instead of both inserting.
    fields = {"network_id": network_id, "thread_id": thread_id, "author_id": author_id}
    normalised = normalize(content)
    stems = stem_text(content)
    doc_id = await upsert(
        ctx.db,
        SearchDocument,
        {"kind": kind, "object_id": object_id, "text": normalised, "stems": stems, **fields},
        ("kind", "object_id"),
        _REPLACED,
    )
    if _sqlite(ctx):  # SQLite runs one writer at a time: no race between these two
        if not new:
            await execute(ctx.db, _FTS_DELETE, {"id": doc_id})
        await execute(ctx.db, _FTS_INSERT, {"id": doc_id, "text": normalised, "stems": stems})


_REPLACED = ("text", "stems", "network_id", "thread_id", "author_id")  # what an edit replaces
_FTS_DELETE = text("DELETE FROM search_fts WHERE rowid = :id")
_FTS_INSERT = text("INSERT INTO search_fts (rowid, text, stems) VALUES (:id, :text, :stems)")


async def index_post(ctx: Context, post: Post, network_id: int, *, new: bool = False) -> None:
    """Insert or replace a post's searchable text (its body as it is now)."""
    await index_document(
        ctx,
        kind="post",
        object_id=post.id or 0,
        network_id=network_id,
        thread_id=post.thread_id,
        author_id=post.author_id,
        content=post.body,
        new=new,
    )


def proposal_content(proposal: Proposal) -> str:
    """What search finds a proposal by: its whole text."""
    parts = [proposal.title, proposal.summary, proposal.problem, proposal.solution]
    parts += [proposal.legal_act, proposal.legal_article, proposal.impact]
    return "\n".join(p for p in parts if p)


async def index_proposal(ctx: Context, proposal: Proposal) -> None:
    """Insert or replace a public proposal's searchable text; a draft is never indexed."""
    if proposal.submitted_at is None:
        return
    await index_document(
        ctx,
        kind="proposal",
        object_id=proposal.id or 0,
        network_id=proposal.network_id,
        thread_id=proposal.thread_id,
        author_id=proposal.created_by_id,
        content=proposal_content(proposal),
    )


async def reindex_proposals(ctx: Context) -> int:
    """Index every public proposal again (proposals submitted before search knew them)."""
    rows = await ctx.db.exec(
        select(Proposal).where(col(Proposal.submitted_at).is_not(None)).order_by(col(Proposal.id))
    )
    count = 0
    for proposal in rows.all():
        await index_proposal(ctx, proposal)
        count += 1
    return count


async def unindex(ctx: Context, *, kind: str, object_id: int) -> None:
    found = await ctx.db.exec(
        select(SearchDocument.id).where(
            SearchDocument.kind == kind, SearchDocument.object_id == object_id
        )
    )
    doc_id = found.first()
    if doc_id is None:
        return
    if _sqlite(ctx):
        await execute(ctx.db, text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
    await ctx.db.exec(delete(SearchDocument).where(col(SearchDocument.id) == doc_id))


async def move_documents(ctx: Context, *, thread_id: int, network_id: int) -> None:
    """A thread moved to another network: its documents follow it."""
    await ctx.db.exec(
        update(SearchDocument)
        .where(col(SearchDocument.thread_id) == thread_id)
        .values(network_id=network_id)
    )


@dataclass(frozen=True)
class Hit:
    kind: str
    thread: Thread
    network: Network
    post: Post | None
    author: User | None
    snippet: str  # escaped HTML with <mark>s
    proposal: Proposal | None = None  # kind "proposal": the proposal (thread: its discussion)


async def search(
    ctx: Context,
    query: str | None,
    *,
    network: str | None = None,
    author_id: int | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[Hit], int | None]:
    """Ranked hits the actor may read, and the offset of the next page (or None)."""
    ctx.require_user()
    raw = (query or "").strip()
    if len(raw) > MAX_QUERY:
        raise Invalid(N_("At most %(max)d characters, please."), field="q", max=MAX_QUERY)
    words = parse_query(raw)
    if not words:
        raise Invalid(N_("Enter at least one word to search for."), field="q")
    readable = await _readable_network_ids(ctx, network)
    if not readable:
        return [], None
    ranked = await _match(ctx, words, readable, author_id, offset, limit + 1)
    more = len(ranked) > limit
    hits = await _load_hits(ctx, ranked[:limit], words)
    return hits, (offset + limit if more else None)


async def _readable_network_ids(ctx: Context, slug: str | None) -> list[int]:
    query = select(Network)
    if slug:
        query = query.where(Network.slug == slug)
    rows = await ctx.db.exec(query)
    return [n.id for n in rows.all() if n.id is not None and ctx.may(Action.VIEW_NETWORK, n)]


# A word's own form counts ten times a match by stem only (bm25's column weights).
_SQLITE_MATCH = text(
    "SELECT d.kind, d.object_id FROM search_fts f JOIN search_documents d ON d.id = f.rowid "
    "WHERE search_fts MATCH :match AND d.network_id IN :networks "
    "AND (CAST(:author AS INTEGER) IS NULL OR d.author_id = :author) "
    "ORDER BY bm25(search_fts, 10.0, 1.0), d.id DESC LIMIT :limit OFFSET :offset"
).bindparams(bindparam("networks", expanding=True))

# The expression of the GIN index ix_search_documents_fts (migration 0004), written the same
# here so PostgreSQL uses the index: the text weighted A (1.0 in ts_rank), the stems D (0.1).
POSTGRES_VECTOR = (
    "(setweight(to_tsvector('simple', text), 'A') || setweight(to_tsvector('simple', stems), 'D'))"
)
_POSTGRES_MATCH = text(
    "SELECT d.kind, d.object_id FROM search_documents d "  # noqa: S608 (constants only)
    f"WHERE {POSTGRES_VECTOR} @@ to_tsquery('simple', :match) "
    "AND d.network_id IN :networks "
    "AND (CAST(:author AS INTEGER) IS NULL OR d.author_id = :author) "
    f"ORDER BY ts_rank({POSTGRES_VECTOR}, to_tsquery('simple', :match)) DESC, "
    "d.id DESC LIMIT :limit OFFSET :offset"
).bindparams(bindparam("networks", expanding=True))


def _sqlite_match(words: list[Term]) -> str:
    def one(term: Term) -> str:
        stems = "".join(f' OR stems : "{s}"' for s in term.stems)
        return f'(text : "{term.word}"*{stems})'

    return " AND ".join(one(t) for t in words)


def _postgres_match(words: list[Term]) -> str:
    def one(term: Term) -> str:
        stems = "".join(f" | {s}:D" for s in term.stems)
        return f"({term.word}:*A{stems})"

    return " & ".join(one(t) for t in words)


async def _match(
    ctx: Context,
    words: list[Term],
    networks: list[int],
    author_id: int | None,
    offset: int,
    limit: int,
) -> list[tuple[str, int]]:
    # Words and stems are \w+ runs of normalised text, so they carry no query-syntax characters.
    if _sqlite(ctx):
        statement, match = _SQLITE_MATCH, _sqlite_match(words)
    else:
        statement, match = _POSTGRES_MATCH, _postgres_match(words)
    params = {
        "match": match,
        "networks": networks,
        "author": author_id,
        "limit": limit,
        "offset": offset,
    }
    rows = await execute(ctx.db, statement, params)
    return [(str(kind), int(object_id)) for kind, object_id in rows.all()]


async def _load_hits(ctx: Context, ranked: list[tuple[str, int]], words: list[Term]) -> list[Hit]:
    post_ids = [i for k, i in ranked if k == "post"]
    thread_ids = [i for k, i in ranked if k == "thread"]
    proposals = await _proposals(ctx, [i for k, i in ranked if k == "proposal"])
    thread_ids += [p.thread_id for p in proposals.values() if p.thread_id]
    posts: dict[int, Post] = {}
    if post_ids:
        rows = await ctx.db.exec(select(Post).where(col(Post.id).in_(post_ids)))
        posts = {p.id or 0: p for p in rows.all()}
    all_thread_ids = set(thread_ids) | {p.thread_id for p in posts.values()}
    threads: dict[int, tuple[Thread, Network]] = {}
    if all_thread_ids:
        rows2 = await ctx.db.exec(
            select(Thread, Network)
            .join(Network, col(Network.id) == Thread.network_id)
            .where(col(Thread.id).in_(all_thread_ids))
        )
        threads = {t.id or 0: (t, n) for t, n in rows2.all()}
    author_ids = {p.author_id for p in posts.values() if p.author_id} | {
        t.author_id for t, _ in threads.values() if t.author_id
    }
    author_ids |= {p.created_by_id for p in proposals.values() if p.created_by_id}
    authors: dict[int, User] = {}
    if author_ids:
        rows3 = await ctx.db.exec(select(User).where(col(User.id).in_(author_ids)))
        authors = {u.id or 0: u for u in rows3.all()}
    hits: list[Hit] = []
    for kind, object_id in ranked:
        if kind == "post" and object_id in posts:
            post = posts[object_id]
            if post.thread_id not in threads or post.deleted_at or post.hidden_at:
                continue
            thread, network = threads[post.thread_id]
            text_ = plain_text(post.body)
            hits.append(
                Hit(
                    "post",
                    thread,
                    network,
                    post,
                    authors.get(post.author_id or 0),
                    snippet(text_, words),
                )
            )
        elif kind == "proposal" and object_id in proposals:
            proposal = proposals[object_id]
            if proposal.thread_id not in threads:
                continue
            thread, network = threads[proposal.thread_id]
            content = proposal_content(proposal)
            author = authors.get(proposal.created_by_id or 0)
            found = snippet(content, words)
            hits.append(Hit("proposal", thread, network, None, author, found, proposal))
        elif kind == "thread" and object_id in threads:
            thread, network = threads[object_id]
            hits.append(
                Hit(
                    "thread",
                    thread,
                    network,
                    None,
                    authors.get(thread.author_id or 0),
                    snippet(thread.title, words),
                )
            )
    return hits


async def _proposals(ctx: Context, ids: list[int]) -> dict[int, Proposal]:
    """The proposals found, public ones only (a draft is never indexed; this makes sure)."""
    if not ids:
        return {}
    rows = await ctx.db.exec(
        select(Proposal).where(col(Proposal.id).in_(ids), col(Proposal.submitted_at).is_not(None))
    )
    return {p.id or 0: p for p in rows.all()}


async def find_author(ctx: Context, value: str | None) -> int | None:
    """The person a search is narrowed to, by user id or @handle; None when not given."""
    value = (value or "").strip().lstrip("@").lower()
    if not value:
        return None
    user_id = as_id(value)  # ASCII digits only: '²' is a handle that matches no one
    if user_id is not None:
        found = await ctx.db.exec(select(User.id).where(User.id == user_id))
    else:
        found = await ctx.db.exec(select(User.id).where(User.handle == value[:60]))
    user_id = found.first()
    if user_id is None:
        raise Invalid(N_("No such person."), field="author")
    return user_id
