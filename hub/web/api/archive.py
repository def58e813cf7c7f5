"""The public archive's endpoints (ROUTES), for anyone, signed in or not: adopted initiatives
with their follow-ups, their documents, and an Atom feed (RFC 4287) built with feedgen.

The feed's ids are the initiatives' page addresses under HUB_BASE_URL (permanent: an
initiative's id never changes); an entry's `updated` is its latest follow-up or its adoption.
"""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from lxml import etree
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import i18n
from hub.actions.errors import N_, NotFound
from hub.models import DocumentFormat
from hub.reads import initiative_archive as archive
from hub.reads.initiative_archive import Archived, archived_public, document_path
from hub.reads.initiatives import NO_INITIATIVE
from hub.web.api.initiatives import MEDIA
from hub.web.api.shapes import page, ref
from hub.web.api.spec import Param, Spec
from hub.web.forms import action, path_id, runtime_of

NOT_ADOPTED = "no such initiative, or not adopted"
_ATOM = "{http://www.w3.org/2005/Atom}"
FEED_LANGUAGE = "sr-Latn"
FEED_TITLE = N_("SKGO: adopted initiatives")
FEED_SUBTITLE = N_("Initiatives adopted by the committees of the Standing Conference")


def base_url(request: Request) -> str:
    return runtime_of(request).settings.base_url.rstrip("/")


LIST = Spec(
    summary="The public archive: adopted initiatives, most recently adopted first (anyone)",
    public=True,
    query=(
        Param("cursor", max_length=200, description="`next` of the previous page"),
        Param("limit", "int", minimum=1, maximum=archive.MAX_PAGE, description="default 20"),
    ),
    responses={
        200: ("a page of the archive", page(ref("ArchivedInitiative"))),
        422: "a cursor that is not valid, a limit out of range",
    },
)


@LIST
async def list_archive(request: Request) -> Response:
    query = LIST.params(request)
    async with action(request) as ctx:
        items, next_ = await archive.archive(
            ctx, cursor=query["cursor"], limit=query["limit"] or archive.PAGE
        )
    return JSONResponse({"items": [archived_public(i) for i in items], "next": next_})


@Spec(
    summary="One adopted initiative with its documents and follow-ups (anyone)",
    public=True,
    responses={200: ("the initiative", ref("ArchivedInitiative")), 404: NOT_ADOPTED},
)
async def get_archived(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    async with action(request) as ctx:
        item = await archive.archived(ctx, initiative_id)
    return JSONResponse(archived_public(item))


@Spec(
    summary="An adopted initiative's document: HTML, PDF or DOCX (anyone)",
    public=True,
    path=(Param("fmt", choices=tuple(DocumentFormat)),),
    responses={200: "the document", 404: NOT_ADOPTED + ", or no such document"},
)
async def archived_document(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA:
        raise NotFound(N_("No such document."))
    async with action(request) as ctx:
        item, content = await archive.archived_document(ctx, initiative_id, fmt)
    filename = f"{item.initiative.number}.{fmt}"
    disposition = "inline" if fmt == DocumentFormat.HTML else "attachment"
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _entry_links(item: Archived, base: str) -> list[dict[str, str]]:
    page = {"href": f"{base}/initiatives/{item.initiative.id}", "rel": "alternate"}
    documents = [
        {"href": base + document_path(item, f), "rel": "related", "type": MEDIA[f]}
        for f in item.formats
    ]
    return [{**page, "type": "text/html"}, *documents]


def atom(items: list[Archived], base: str) -> bytes:
    _ = i18n.translations(FEED_LANGUAGE).gettext
    feed = FeedGenerator()
    feed.id(f"{base}/initiatives")
    feed.title(_(FEED_TITLE))
    feed.subtitle(_(FEED_SUBTITLE))
    feed.language(FEED_LANGUAGE)
    feed.link(href=f"{base}/initiatives", rel="alternate", type="text/html")
    feed.link(href=f"{base}/api/v1/public/initiatives.atom", rel="self")
    updated = None
    for item in reversed(items):  # feedgen puts the last added first
        i = item.initiative
        entry_updated = max([i.status_changed_at] + [f.created_at for f in item.follow_ups])
        updated = max(updated, entry_updated) if updated else entry_updated
        entry = feed.add_entry()
        entry.id(f"{base}/initiatives/{i.id}")
        entry.title(f"{i.number}: {i.title}")
        for link in _entry_links(item, base):
            entry.link(**link)
        entry.published(i.status_changed_at)
        entry.updated(entry_updated)
        entry.author({"name": item.committee.name})
        entry.summary(f"{item.committee.name}: {i.title}")
    if updated is not None:
        feed.updated(updated)
    return _with_link_attributes(feed.atom_str(pretty=True), items, base)


def _with_link_attributes(xml: bytes, items: list[Archived], base: str) -> bytes:
    """feedgen 1.0.0 writes an entry's links with their href only (its FeedEntry.atom_entry
    reads rel and type from the element it just made): put them back, in the same order."""
    tree = etree.fromstring(xml)
    entries = tree.findall(f"{_ATOM}entry")
    for element, item in zip(entries, items, strict=True):
        for link, wanted in zip(
            element.findall(f"{_ATOM}link"), _entry_links(item, base), strict=True
        ):
            for key, value in wanted.items():
                link.set(key, value)
    result: bytes = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return result


@Spec(
    summary="The public archive as an Atom feed (anyone)",
    public=True,
    responses={200: "the Atom feed (application/atom+xml)"},
)
async def archive_feed(request: Request) -> Response:
    async with action(request) as ctx:
        items, _next = await archive.archive(ctx, limit=archive.MAX_PAGE)
    return Response(atom(items, base_url(request)), media_type="application/atom+xml")


ROUTES = [
    Route("/public/initiatives", list_archive, methods=["GET"]),
    Route("/public/initiatives.atom", archive_feed, methods=["GET"]),
    Route("/public/initiatives/{initiative_id}", get_archived, methods=["GET"]),
    Route("/public/initiatives/{initiative_id}/document.{fmt}", archived_document, methods=["GET"]),
]
