"""Rendered fragments of a page kept and reused: a post, a board's thread row ("cooked" HTML).

A fragment is the output of its partial template for one set of inputs, so it is kept under a key
made of **every input that changes its markup**: the post's stored fields (its HTML included, so
an edit, a deletion or a hiding is a new key), its author's and replied-to author's names, its
attachments, reactions and the reader's own reactions, the reader's language (and so script),
and what the reader may do with this post (reply, react, edit, delete, flag, moderate), worked
out per request from their current rights. A revoked right changes the key at once; nothing is
invalidated, a stale entry is simply never asked for again and falls out of the LRU.

Forms in a fragment carry the reader's CSRF token, which is per session: fragments are rendered
with CSRF_SLOT in its place, a random string of this process that never leaves it, and
the reader's token is put in when the page is assembled (hub.web.templating.render) or the
fragment is sent (`fill_csrf`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from operator import itemgetter
from types import SimpleNamespace
from typing import TYPE_CHECKING

from markupsafe import Markup

from hub.web.templating import CSRF_SLOT, ENV, current_language, language, render_string

if TYPE_CHECKING:
    from hub.models import Municipality, Post
    from hub.reads.posts import PostView
    from hub.reads.threads import BoardRow
    from hub.web.pages.thread import Viewer

MAX_ENTRIES = 4096


class FragmentCache:
    """A small LRU of rendered HTML by key, in this process (one event loop: no locks)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, str] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], str]) -> str:
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            self.entries.move_to_end(key)
            return found
        self.misses += 1
        made = make()
        self.entries[key] = made
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return made

    def clear(self) -> None:
        self.entries.clear()
        self.hits = self.misses = 0


CACHE = FragmentCache()


def fill_csrf(html: str, token: str) -> str:
    """The reader's CSRF token in the forms of the fragments in `html`."""
    return html.replace(CSRF_SLOT, token)


# The post's stored fields its partial shows, read from the loaded row's values at once (the
# ORM's attribute access per field costs more than the rest of the key).
_POST_FIELDS = (
    "id",
    "thread_id",
    "author_id",
    "created_at",
    "edited_at",
    "deleted_at",
    "hidden_at",
    "hidden_reason",
    "html",
)
_post_fields = itemgetter(*_POST_FIELDS)


def _stored(post: Post) -> tuple[object, ...]:
    try:
        found: tuple[object, ...] = _post_fields(post.__dict__)
    except KeyError:  # a field not loaded (expired): through the ORM, which loads it
        found = tuple(getattr(post, name) for name in _POST_FIELDS)
    return found


def post_key(
    view: PostView, viewer: Viewer | None, places: dict[int, Municipality], lang: str
) -> Hashable:
    """Everything board/_post.html reads, as a key."""
    author, reply_author = view.author, view.reply_author
    place = None
    if author is not None and author.municipality_id in places:
        place = places[author.municipality_id].name
    return (
        "post",
        lang,
        _stored(view.post),
        (author.name, author.municipality_id) if author else None,
        place,
        view.reply_to.id if view.reply_to else None,
        reply_author.name if reply_author else None,
        tuple((a.id, a.filename, a.content_type, a.size) for a in view.attachments),
        tuple(sorted(view.reactions.items())),
        tuple(sorted(view.mine)),
        viewer.rights(view) if viewer is not None else None,
    )


def post_fragment(
    view: PostView,
    viewer: Viewer | None,
    places: dict[int, Municipality],
    lang: str | None = None,
) -> Markup:
    """board/_post.html for one post in `lang` (default: the current one), CSRF_SLOT in forms."""
    lang = lang or current_language.get()

    def make() -> str:
        with language(lang):
            return str(
                render_string(
                    "board/_post.html",
                    view=view,
                    viewer=viewer,
                    municipalities=places,
                    csrf_token=CSRF_SLOT,
                )
            )

    return Markup(CACHE.get(post_key(view, viewer, places, lang), make))  # noqa: S704


def thread_row_key(row: BoardRow, signed_in: bool, lang: str) -> Hashable:
    """Everything board/_thread_row.html reads, as a key."""
    t = row.thread
    return (
        "thread_row",
        lang,
        signed_in,
        t.id,
        t.title,
        t.pinned,
        t.locked,
        t.kind,
        t.post_count,
        t.last_activity_at,
        row.author.name if row.author else None,
        row.last_author.name if row.last_author else None,
        row.unread,
        row.opened,
    )


def thread_row_fragment(row: BoardRow, signed_in: bool, lang: str | None = None) -> Markup:
    """board/_thread_row.html for one row of a board, for a reader signed in or not."""
    lang = lang or current_language.get()

    def make() -> str:
        who = SimpleNamespace(signed_in=signed_in)  # all the row asks of the visitor
        with language(lang):
            return str(render_string("board/_thread_row.html", row=row, visitor=who))

    return Markup(CACHE.get(thread_row_key(row, signed_in, lang), make))  # noqa: S704


def thread_rows_fragment(rows: list[BoardRow], signed_in: bool) -> Markup:
    """A board's rows at once: one call from the template instead of one per row."""
    lang = current_language.get()
    return Markup("").join(thread_row_fragment(row, signed_in, lang) for row in rows)


# The pages' templates call these: board/thread.html and board/_board.html.
ENV.globals.update(post_html=post_fragment, thread_rows_html=thread_rows_fragment)
