"""S10's corpus: the app's route table walked with the inputs a fuzzer and a security review
sent, as a user who may do everything (an administrator who coordinates every network), on
SQLite and PostgreSQL. Every case gets its documented 4xx (the error page or the API's JSON, or
the page's form with the error), no row is written, and no case is ever a 500.

The inputs: ids in Unicode digits, beyond 32 bits or signed; NUL in paths, queries, form fields
and JSON; lone surrogates (JSON escapes, a multipart form declaring a charset that makes them);
text of invisible characters only; cursors huge, deep, out of range or forged; numbers too large
for any column. The /ws frames are in test_realtime_frames.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import SQLModel
from starlette.routing import BaseRoute, Mount, Route

from hub.actions.context import act
from hub.actions.invitations import do_invite
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_create_proposal
from hub.actions.validate import UNSTORABLE_MESSAGE
from hub.db import utcnow
from hub.i18n import gettext
from hub.plumbing.runtime import Runtime
from hub.web.routes import all_routes
from tests.conftest import PASSWORD, api_token, csrf_of, make_user, sign_in
from tests.test_board_pages import NETWORKS, World, make_world

BOSS = "boss@example.org"
COMMITTEE = "urbanizam"
MUNICIPALITY = "novi-sad"

# -- the inputs --------------------------------------------------------------------------------

BAD_IDS = ["%D9%A3", "%C2%B2", "1%D9%A3", "99999999999999999999", "2147483648", "-1", "0x1", "1e3"]
NUL = "a\x00b"
SURROGATE = "a\ud800b"
INVISIBLE = ["\u202e\u200b", "\u200b\u200b\ufeff", "\u3164", "\u2066\u2069 \u00ad"]


def cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    "%25%25%25",
    "not-a-cursor",
    cursor(b'[0, "2024-01-01T00:00:00+00:00", 1e400]'),  # an id of infinity
    cursor(b'[0, "2024-01-01T00:00:00+00:00", 1' + b"0" * 400 + b"]"),
    cursor(b'[0, "2024-01-01T00:00:00+00:00", 2147483648]'),
    cursor(b'[0, "0001-01-01T00:00:00+14:00", 1]'),  # before year 1 in UTC
    cursor(b'[0, "9999-12-31T23:59:59-14:00", 1]'),  # after 9999 in UTC
    cursor(b'[0, "2024-01-01T00:00:00", 1]'),  # no offset
    cursor(b'[0, "2024-01-01", NaN]'),
    cursor(b"[" * 700),  # deep nesting
    cursor(b"[" * 5000),  # and longer than any cursor
    cursor(b'{"a": 1}'),
    cursor(b'["\\u0000", 1]'),
    cursor(b'["\\ud800", 1]'),
    cursor(b"[1.5]"),
    cursor(b"\xff\xfe"),
]
BAD_NUMBERS = ["%D9%A3", "%C2%B2", "99999999999999999999", "-1", "1e3", "0x10", "%EF%BC%91"]

# Query parameters with a parser, by route: each bad value gets the status given.
QUERY_READS: dict[tuple[str, str], dict[str, tuple[list[str], int]]] = {
    ("GET", "/networks/{slug}"): {"cursor": (BAD_CURSORS, 422), "filter": (["x", "%C2%B2"], 422)},
    ("GET", "/api/v1/networks/{slug}/threads"): {
        "cursor": (BAD_CURSORS, 422),
        "filter": (["x"], 422),
        "limit": (BAD_NUMBERS, 422),
    },
    ("GET", "/api/v1/threads/{thread_id}/posts"): {
        "after": (BAD_NUMBERS, 422),
        "limit": (BAD_NUMBERS, 422),
    },
    ("GET", "/threads/{thread_id}"): {
        name: (BAD_NUMBERS, 422) for name in ("after", "before", "around", "quote", "reply_to")
    },
    ("GET", "/admin/users"): {"after": (BAD_CURSORS, 422)},
    ("GET", "/admin/audit"): {"after": (BAD_CURSORS, 422), "actor": (BAD_NUMBERS, 200)},
    ("GET", "/api/v1/search"): {"cursor": (BAD_NUMBERS, 422), "author": (BAD_NUMBERS, 422)},
    # A search form: a bad author is shown beside its field (200); a bad offset is page one.
    ("GET", "/search"): {"offset": (BAD_NUMBERS, 200), "author": (BAD_NUMBERS, 200)},
    ("GET", "/api/v1/municipalities"): {"kind": (["x", "%C2%B2"], 422)},
    ("GET", "/api/v1/networks/{slug}/proposals"): {
        "status": (["x", "%C2%B2"], 422),
        "cursor": (BAD_NUMBERS, 422),
        "limit": (BAD_NUMBERS, 422),
    },
    ("GET", "/api/v1/networks/{slug}/review-queue"): {
        "cursor": (BAD_NUMBERS, 422),
        "limit": (BAD_NUMBERS, 422),
    },
    ("GET", "/api/v1/proposals/{proposal_id}/voters"): {
        "cursor": (BAD_NUMBERS, 422),
        "limit": (BAD_NUMBERS, 422),
    },
    ("GET", "/api/v1/proposals/{proposal_id}/votes"): {
        "cursor": (BAD_NUMBERS, 422),
        "limit": (BAD_NUMBERS, 422),
    },
    # The proposals' pages: an unknown state shows them all; a bad cursor or version is 422.
    ("GET", "/networks/{slug}/proposals"): {
        "status": (["x", "%C2%B2"], 200),
        "cursor": (BAD_NUMBERS, 422),
    },
    ("GET", "/networks/{slug}/review-queue"): {"cursor": (BAD_NUMBERS, 422)},
    ("GET", "/proposals/{proposal_id}/history"): {
        "from": (BAD_NUMBERS, 422),
        "to": (BAD_NUMBERS, 422),
    },
}

# The proposal form (hub/web/pages/proposal_forms.py), every field valid.
PROPOSAL_FORM = {
    "title": "Registar taksi",
    "summary": "Jedan registar.",
    "problem": "Svako vodi svoj.",
    "solution": "Zajednički registar.",
    "legal_act": "Zakon o finansiranju lokalne samouprave",
    "legal_article": "",
    "impact": "Manje posla.",
}

# The fields each page form reads ([] for forms that read none). Text that must show something
# is in REQUIRED_TEXT with a form that would otherwise succeed.
FORM_FIELDS: dict[str, list[str]] = {
    "/signin": ["email", "password", "next"],
    "/signout": [],
    "/language": ["language", "next"],
    "/invite/{token}": ["name", "password"],
    "/reset": ["email"],
    "/reset/{token}": ["password"],
    "/profile": ["name", "title", "language"],
    "/profile/password": ["current_password", "new_password"],
    "/profile/notifications": ["digest", "net_socijalna-zastita", "email_mentioned"],
    "/notifications/read": ["id", "all"],
    "/unsubscribe/{token}": [],
    "/admin/users": ["email", "name", "password", "municipality", "title"],
    "/admin/users/{user_id:id}": ["name", "municipality", "title"],
    "/admin/users/{user_id:id}/flags": ["is_admin", "is_active"],
    "/admin/invitations": ["email", "name", "network", "role", "municipality"],
    "/admin/invitations/{invitation_id:id}/revoke": ["next"],
    "/admin/networks/{slug}": ["name", "name_en", "description", "committee", "visibility"],
    "/admin/committees/{slug}": ["name", "name_en", "description"],
    "/admin/committees/{slug}/members": ["email", "role"],
    "/admin/committees/{slug}/members/{user_id:id}": ["role"],
    "/admin/committees/{slug}/members/{user_id:id}/remove": ["next"],
    "/admin/municipalities/{slug}": ["name", "is_member", "confirmed"],
    "/networks/{slug}/members": ["email", "role"],
    "/networks/{slug}/members/{user_id:id}": ["role"],
    "/networks/{slug}/members/{user_id:id}/remove": ["next"],
    "/networks/{slug}/read": [],
    "/networks/{slug}/threads/new": ["title", "body"],
    "/threads/{thread_id}/posts": ["body", "reply_to"],
    "/threads/{thread_id}/pin": ["on"],
    "/threads/{thread_id}/lock": ["on"],
    "/threads/{thread_id}/move": ["network"],
    "/posts/{post_id}/edit": ["body"],
    "/posts/{post_id}/delete": ["next"],
    "/posts/{post_id}/reactions": ["kind", "on"],
    "/posts/{post_id}/flag": ["reason"],
    "/posts/{post_id}/hide": ["reason", "next"],
    "/posts/{post_id}/unhide": ["next"],
    "/networks/{slug}/proposals/new": [*PROPOSAL_FORM],
    "/proposals/{proposal_id}/edit": [*PROPOSAL_FORM, "version"],
    "/proposals/{proposal_id}/submit": [],
    "/proposals/{proposal_id}/withdraw": ["note"],
    "/proposals/{proposal_id}/review": ["action", "note", "into"],
    "/proposals/{proposal_id}/coauthors": ["user_id"],
    "/proposals/{proposal_id}/coauthors/accept": [],
    # The vote section of the proposal page (hub.web.pages.vote_forms)
    "/proposals/{proposal_id}/voting": ["closes_at", "quorum", "threshold", "counting", "ballot"],
    "/proposals/{proposal_id}/voting/close": [],
    "/proposals/{proposal_id}/vote": ["choice", "reason"],
    "/initiatives/{initiative_id}/comments": ["body"],
    "/initiatives/{initiative_id}/review": [],
    "/initiatives/{initiative_id}/decision": ["decision", "note"],
    "/initiatives/{initiative_id}/updates": ["kind", "date", "note"],
    "/initiatives/{initiative_id}/recompile": [],
    "/initiatives/{initiative_id}/proposals/{proposal_id}/revise": ["title", "summary", "impact"],
    "/initiatives/{initiative_id}/retry": [],
}
MULTIPART = {"/networks/{slug}/threads/new", "/threads/{thread_id}/posts"}

# A valid body for each API write, its text fields that must show something, its lookups.
PROPOSAL: dict[str, Any] = {
    "title": "Registar taksi",
    "summary": "Jedan registar.",
    "problem": "Svako vodi svoj.",
    "solution": "Zajednički registar.",
    "legal_basis": {"act": "Zakon o finansiranju lokalne samouprave", "article": ""},
    "impact": "Manje posla.",
}
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/token"): {"email": BOSS, "password": PASSWORD, "name": "t"},
    ("DELETE", "/api/v1/auth/token"): {},  # revokes the caller's token: no case may reach it
    ("POST", "/api/v1/users"): {"email": "nova@example.org", "name": "Nova", "municipality": None},
    ("POST", "/api/v1/invitations"): {
        "email": "pozvana@example.org",
        "name": "Pozvana",
        "network": NETWORKS["public"],
        "municipality": MUNICIPALITY,
    },
    ("PUT", "/api/v1/networks/{slug}/members/{user_id}"): {"role": "member"},
    ("DELETE", "/api/v1/networks/{slug}/members/{user_id}"): {},
    ("PUT", "/api/v1/committees/{slug}/members/{user_id}"): {"role": "member"},
    ("DELETE", "/api/v1/committees/{slug}/members/{user_id}"): {},
    ("POST", "/api/v1/networks/{slug}/threads"): {"title": "Naslov", "body": "Telo"},
    ("POST", "/api/v1/threads/{thread_id}/posts"): {"body": "Telo", "reply_to": None},
    ("POST", "/api/v1/threads/{thread_id}/pin"): {},
    ("POST", "/api/v1/threads/{thread_id}/unpin"): {},
    ("POST", "/api/v1/threads/{thread_id}/lock"): {},
    ("POST", "/api/v1/threads/{thread_id}/unlock"): {},
    ("POST", "/api/v1/threads/{thread_id}/move"): {"network": "sport"},
    ("PATCH", "/api/v1/posts/{post_id}"): {"body": "Izmena"},
    ("DELETE", "/api/v1/posts/{post_id}"): {},
    ("PUT", "/api/v1/posts/{post_id}/reactions/{kind}"): {},
    ("DELETE", "/api/v1/posts/{post_id}/reactions/{kind}"): {},
    ("POST", "/api/v1/posts/{post_id}/flags"): {"reason": "Neumesno"},
    ("POST", "/api/v1/posts/{post_id}/hide"): {"reason": "Van teme"},
    ("POST", "/api/v1/posts/{post_id}/unhide"): {},
    ("POST", "/api/v1/attachments"): {},  # multipart: the form cases below
    ("POST", "/api/v1/networks/{slug}/proposals"): {**PROPOSAL, "coauthors": None},
    ("PATCH", "/api/v1/proposals/{proposal_id}"): {"title": "Izmena", "impact": "Manje posla"},
    ("POST", "/api/v1/proposals/{proposal_id}/submit"): {},
    ("POST", "/api/v1/proposals/{proposal_id}/withdraw"): {"note": "Ipak ne."},
    ("POST", "/api/v1/proposals/{proposal_id}/review"): {"action": "reject", "note": "Ne."},
    ("POST", "/api/v1/proposals/{proposal_id}/coauthors"): {"user_id": 1},
    ("POST", "/api/v1/notifications/read"): {"all": True},
    ("PUT", "/api/v1/me/preferences"): {"digest": "weekly"},
    ("POST", "/api/v1/proposals/{proposal_id}/coauthors/accept"): {},
    ("POST", "/api/v1/initiatives/{initiative_id}/comments"): {"body": "Komentar"},
    ("POST", "/api/v1/initiatives/{initiative_id}/review"): {},
    ("POST", "/api/v1/initiatives/{initiative_id}/decision"): {"decision": "adopt", "note": "Da."},
    ("POST", "/api/v1/initiatives/{initiative_id}/updates"): {
        "kind": "sent",
        "note": "Poslato.",
        "date": "2026-11-01",
    },
    ("POST", "/api/v1/initiatives/{initiative_id}/recompile"): {},
    ("POST", "/api/v1/initiatives/{initiative_id}/proposals/{proposal_id}/revise"): {
        "title": "Izmena"
    },
    ("POST", "/api/v1/proposals/{proposal_id}/voting"): {
        "closes_at": (utcnow() + dt.timedelta(days=1)).isoformat(),
        "quorum": 50,
        "threshold": 50,
    },
    ("POST", "/api/v1/proposals/{proposal_id}/voting/close"): {},
    ("PUT", "/api/v1/proposals/{proposal_id}/vote"): {"choice": "yes", "reason": "Zato."},
    # Bad bodies only: whatever the body, nothing can be written.
    ("POST", "/api/v1/initiatives"): {"proposal_ids": [1], "committee": COMMITTEE},
    ("POST", "/api/v1/initiatives/{initiative_id}/retry"): {},
    ("POST", "/api/v1/posts/{post_id}/key"): {"key": True},
}
REQUIRED_TEXT: list[tuple[str, str, str, dict[str, str]]] = [
    # (method, path template, field, the rest of a form or body that would succeed)
    ("POST", "/api/v1/users", "name", {"email": "nova@example.org"}),
    ("POST", "/api/v1/invitations", "name", {"email": "pozvana@example.org"}),
    ("POST", "/api/v1/networks/{slug}/threads", "title", {"body": "Telo"}),
    ("POST", "/api/v1/networks/{slug}/threads", "body", {"title": "Naslov"}),
    ("POST", "/api/v1/threads/{thread_id}/posts", "body", {}),
    ("PATCH", "/api/v1/posts/{post_id}", "body", {}),
    ("POST", "/api/v1/posts/{post_id}/flags", "reason", {}),
    ("POST", "/api/v1/posts/{post_id}/hide", "reason", {}),
    *(
        ("POST", "/api/v1/networks/{slug}/proposals", name, PROPOSAL)
        for name in ("title", "summary", "problem", "solution", "impact")
    ),
    ("PATCH", "/api/v1/proposals/{proposal_id}", "title", {}),
    ("PATCH", "/api/v1/proposals/{proposal_id}", "problem", {}),
    ("FORM", "/networks/{slug}/threads/new", "title", {"body": "Telo"}),
    ("FORM", "/networks/{slug}/threads/new", "body", {"title": "Naslov"}),
    ("FORM", "/threads/{thread_id}/posts", "body", {}),
    ("FORM", "/posts/{post_id}/edit", "body", {}),
    ("FORM", "/posts/{post_id}/flag", "reason", {}),
    ("FORM", "/posts/{post_id}/hide", "reason", {}),
    *(
        ("FORM", path, name, PROPOSAL_FORM)
        for path in ("/networks/{slug}/proposals/new", "/proposals/{proposal_id}/edit")
        for name in ("title", "summary", "problem", "solution", "legal_act", "impact")
    ),
    ("FORM", "/profile", "name", {"language": "sr-Latn"}),
    ("FORM", "/admin/users", "name", {"email": "nova@example.org"}),
    ("FORM", "/admin/users/{user_id:id}", "name", {}),
    ("FORM", "/admin/invitations", "name", {"email": "pozvana@example.org"}),
    ("FORM", "/admin/networks/{slug}", "name", {"visibility": "public"}),
    ("FORM", "/admin/committees/{slug}", "name", {}),
    ("FORM", "/admin/municipalities/{slug}", "name", {"is_member": "1"}),
]


# -- the route table ---------------------------------------------------------------------------


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from walk(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path


ROUTES = list(walk(all_routes()))


def test_the_corpus_knows_every_route() -> None:
    """A new route, form or API write must be added to the tables above to be walked."""
    writes = {(m, p) for m, p in ROUTES if m != "GET"}
    pages = {p for m, p in writes if not p.startswith("/api/")}
    assert pages == set(FORM_FIELDS)
    assert {(m, p) for m, p in writes if p.startswith("/api/")} == set(JSON_BODIES)
    assert set(QUERY_READS) <= set(ROUTES)
    assert {p for _, p, _, _ in REQUIRED_TEXT} <= {p for _, p in ROUTES}


# -- running a case ----------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    method: str
    url: str
    expected: set[int]
    kwargs: dict[str, Any] = field(default_factory=dict)
    message: str | None = None  # a message the answer must carry (in sr-Latn)


@dataclass
class Corpus:
    runtime: Runtime
    world: World
    values: dict[str, str]
    api: dict[str, str]
    csrf: str

    def path(self, template: str, **override: str) -> str:
        path = template
        for name in (
            "slug",
            "thread_id",
            "post_id",
            "attachment_id",
            "filename",
            "user_id",
            "proposal_id",
            "initiative_id",
        ):
            value = override.get(name, self.value_of(name, template))
            path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:id}}", value)
        for name in ("invitation_id", "token", "kind"):
            value = override.get(name, self.values[name])
            path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:id}}", value)
        return path

    def value_of(self, name: str, template: str) -> str:
        if name == "slug" and "committees/" in template:
            return COMMITTEE
        if name == "slug" and "municipalities/" in template:
            return MUNICIPALITY
        return self.values[name]

    def headers(self, path: str) -> dict[str, str]:
        return self.api if path.startswith("/api/") else {"X-CSRF-Token": self.csrf}


def path_cases(corpus: Corpus) -> Iterator[Case]:
    for method, template in ROUTES:
        api = template.startswith("/api/")
        yield Case("NUL after the path", method, corpus.path(template) + "%00", {404})
        for name in (
            "slug",
            "thread_id",
            "post_id",
            "attachment_id",
            "filename",
            "user_id",
            "proposal_id",
            "initiative_id",
        ):
            if f"{{{name}" not in template:
                continue
            yield Case(f"NUL in {name}", method, corpus.path(template, **{name: "a%00b"}), {404})
            if name.endswith("_id"):
                # An API write gets a valid (empty) JSON body: the id alone is at fault.
                body = {"json": {}} if api and method != "GET" else {}
                for bad in BAD_IDS:
                    url = corpus.path(template, **{name: bad})
                    yield Case(f"{name}={bad}", method, url, {404, 422} if api else {404}, body)
        if "{invitation_id" in template:
            for bad in BAD_IDS:
                url = corpus.path(template, invitation_id=bad)
                yield Case(f"invitation_id={bad}", method, url, {404})
        for name in ("token", "kind"):
            if f"{{{name}}}" in template:
                yield Case(
                    f"NUL in {name}", method, corpus.path(template, **{name: "a%00b"}), {404}
                )


def query_cases(corpus: Corpus) -> Iterator[Case]:
    nul = "The address contains a character that is not allowed (NUL)."
    for method, template in ROUTES:
        path = corpus.path(template)
        for name in ("q", "cursor", "next", *QUERY_READS.get((method, template), {})):
            yield Case(f"NUL in ?{name}", method, f"{path}?{name}=a%00b", {400}, message=nul)
        for name, (values, status) in QUERY_READS.get((method, template), {}).items():
            for bad in values:
                yield Case(f"?{name}={bad[:30]}", method, f"{path}?{name}={bad}", {status})


def form_cases(corpus: Corpus) -> Iterator[Case]:
    for template, fields in FORM_FIELDS.items():
        url = corpus.path(template)
        for name in fields:
            if template in MULTIPART:
                files = {name: (None, NUL.encode())}
                yield Case(
                    f"NUL in {name}", "POST", url, {422}, {"files": files}, UNSTORABLE_MESSAGE
                )
                body, content_type = multipart_with_charset(name, b"\\ud800")
                kwargs = {"content": body, "headers": {"Content-Type": content_type}}
                yield Case(f"surrogate in {name}", "POST", url, {422}, kwargs, UNSTORABLE_MESSAGE)
            else:
                data = {name: NUL}
                yield Case(f"NUL in {name}", "POST", url, {422}, {"data": data}, UNSTORABLE_MESSAGE)
    upload = "/api/v1/attachments"
    files = {"note": (None, NUL.encode()), "file": ("a.txt", b"a", "text/plain")}
    yield Case("NUL in a field", "POST", upload, {422}, {"files": files}, UNSTORABLE_MESSAGE)
    body, content_type = multipart_with_charset("note", b"\\udfff")
    kwargs = {"content": body, "headers": {"Content-Type": content_type}}
    yield Case("surrogate in a field", "POST", upload, {422}, kwargs, UNSTORABLE_MESSAGE)


def multipart_with_charset(name: str, raw: bytes) -> tuple[bytes, str]:
    """A form whose declared charset (unicode_escape) turns `raw` into a lone surrogate."""
    boundary = "corpusboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + raw
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; charset=unicode_escape; boundary={boundary}"


def json_cases(corpus: Corpus) -> Iterator[Case]:
    for (method, template), baseline in JSON_BODIES.items():
        if not baseline:  # reads no body: a bad one would not be looked at
            continue
        url = corpus.path(template)
        for name, value in baseline.items():
            if value is not None and not isinstance(value, str):
                continue
            for label, bad in (("NUL", NUL), ("a lone surrogate", SURROGATE)):
                content = json.dumps({**baseline, name: bad})  # "\\u0000", "\\ud800" escapes
                kwargs = {"content": content, "headers": {"Content-Type": "application/json"}}
                yield Case(f"{label} in {name}", method, url, {400, 422}, kwargs)
        deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        kwargs = {"content": deep, "headers": {"Content-Type": "application/json"}}
        yield Case("JSON nested 100,000 deep", method, url, {400, 413, 422}, kwargs)
        huge = b'{"n": 1' + b"0" * 5000 + b"}"
        kwargs = {"content": huge, "headers": {"Content-Type": "application/json"}}
        yield Case("a 5,000-digit number", method, url, {400, 422}, kwargs)
    post = corpus.path("/api/v1/threads/{thread_id}/posts")
    thread = corpus.path("/api/v1/networks/{slug}/threads")
    for bad in (10**30, 2**31, -1, 0, "٣", "1", 1.5, True, "1e400"):
        literal = "1e400" if bad == "1e400" else json.dumps(bad)
        content = '{"body": "Telo", "reply_to": ' + literal + "}"
        kwargs = {"content": content, "headers": {"Content-Type": "application/json"}}
        yield Case(f"reply_to={literal}", "POST", post, {422}, kwargs)
        content = '{"title": "N", "body": "T", "attachments": [' + literal + "]}"
        kwargs = {"content": content, "headers": {"Content-Type": "application/json"}}
        yield Case(f"attachments=[{literal}]", "POST", thread, {422}, kwargs)


def invisible_cases(corpus: Corpus) -> Iterator[Case]:
    for method, template, name, rest in REQUIRED_TEXT:
        url = corpus.path(template)
        for bad in INVISIBLE:
            if method == "FORM" and template in MULTIPART:
                files = {k: (None, v.encode()) for k, v in {**rest, name: bad}.items()}
                yield Case(f"invisible {name}", "POST", url, {422}, {"files": files})
            elif method == "FORM":
                yield Case(f"invisible {name}", "POST", url, {422}, {"data": {**rest, name: bad}})
            else:
                yield Case(f"invisible {name}", method, url, {422}, {"json": {**rest, name: bad}})


# -- the test ----------------------------------------------------------------------------------


async def row_counts(runtime: Runtime) -> dict[str, int]:
    """Every table's row count, in one query."""
    tables = list(SQLModel.metadata.sorted_tables)
    query = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(query)).one()
    return {t.name: int(n) for t, n in zip(tables, row, strict=True)}


async def delivered_initiative(runtime: Runtime, proposal_id: int) -> int:
    """An initiative in COMMITTEE's inbox (written as a compilation leaves it), of the draft."""
    from sqlmodel import select as select_model

    from hub.models import Committee, Initiative, InitiativeProposal

    async with runtime.sessionmaker() as db:
        found = await db.exec(select_model(Committee).where(Committee.slug == COMMITTEE))
        committee = found.one()
        initiative = Initiative(
            number="SKGO-2026-1",
            prefix="SKGO",
            year=2026,
            seq=1,
            source_key="corpus",
            committee_id=committee.id or 0,
            title="Inicijativa",
            status="delivered",
        )
        db.add(initiative)
        await db.flush()
        db.add(InitiativeProposal(initiative_id=initiative.id or 0, proposal_id=proposal_id))
        await db.commit()
        return initiative.id or 0


async def prepare(app: Any, runtime: Runtime, c: httpx.AsyncClient) -> Corpus:
    world = await make_world(runtime)
    every = dict.fromkeys(NETWORKS.values(), "coordinator")
    boss = await make_user(
        runtime, BOSS, admin=True, networks=every, committees={COMMITTEE: "chair"}
    )
    async with act(runtime, actor_id=boss) as ctx:
        invitation = await do_invite(ctx, email="pozvan@example.org", name="Pozvan")
    async with act(runtime, actor_id=boss) as ctx:
        draft = await do_create_proposal(
            ctx,
            NETWORKS["public"],
            ProposalText(
                title="Nacrt",
                summary="Kratko.",
                problem="Problem.",
                solution="Rešenje.",
                legal_act="Zakon",
                legal_article="",
                impact="Uticaj.",
            ),
        )  # a draft: editable, submittable, its text checked before anything is written
    api = await api_token(c, BOSS)
    await sign_in(c, BOSS)
    csrf = await csrf_of(c, "/networks")
    values = {
        "slug": NETWORKS["public"],
        "thread_id": str(world.threads["public"]),
        "post_id": str(world.posts["public"]),
        "attachment_id": str(world.files["public"]),
        "filename": "plan.pdf",
        "user_id": str(world.users["member"]),
        "invitation_id": str(invitation.id),
        "token": "not-a-token",
        "kind": "thumbs_up",
        "proposal_id": str(draft.proposal.id),
        "initiative_id": str(await delivered_initiative(runtime, draft.proposal.id or 0)),
    }
    for (
        thread
    ) in world.threads.values():  # reading marks threads read once; later reads write nothing
        assert (await c.get(f"/threads/{thread}")).status_code == 200
    return Corpus(runtime, world, values, api, csrf)


async def test_no_bad_input_makes_a_500_or_writes_anything(app: Any, seeded: Runtime) -> None:
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.7", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        corpus = await prepare(app, seeded, c)
        before = await row_counts(seeded)
        failures: list[str] = []
        cases = [
            *path_cases(corpus),
            *query_cases(corpus),
            *form_cases(corpus),
            *json_cases(corpus),
            *invisible_cases(corpus),
        ]
        assert len(cases) > 1000, len(cases)  # the tables above are walked, not skipped
        for case in cases:
            kwargs = dict(case.kwargs)
            kwargs["headers"] = {**corpus.headers(case.url), **kwargs.get("headers", {})}
            response = await c.request(case.method, case.url, **kwargs)
            problem = judge(case, response)
            after = await row_counts(seeded)
            if after != before:
                changed = {t: (before[t], n) for t, n in after.items() if before[t] != n}
                problem = (problem or "") + f" wrote {changed}"
                before = after
            if problem:
                where = f"{case.method} {case.url[:90]!r} ({case.label}): {problem}"
                failures.append(where)
        assert not failures, "\n".join(failures)


def judge(case: Case, response: httpx.Response) -> str | None:
    """What is wrong with the answer to `case`, or None."""
    status = response.status_code
    if status not in case.expected:
        return f"{status} (expected {sorted(case.expected)}): {response.text[:200]!r}"
    if status >= 400:
        if case.url.startswith("/api/"):
            body = response.json()
            if not (set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]):
                return f"not the API's error shape: {body}"
        elif not response.headers["content-type"].startswith("text/html"):
            return f"a page answered {response.headers['content-type']}"
        if response.headers.get("x-content-type-options") != "nosniff":
            return "no security headers"
    if case.message:
        message = gettext("sr-Latn", case.message)
        api = case.url.startswith("/api/")
        shown = response.json()["error"]["message"] if api else response.text
        if message not in shown:
            return f"without the message {message!r}"
    return None
