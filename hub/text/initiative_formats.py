"""An initiative's document in three formats from one outline: HTML (the template
hub/templates/initiatives/document.html with print CSS), PDF (WeasyPrint, from that same HTML,
with the DejaVu fonts shipped in hub/static/fonts) and DOCX (python-docx, the same sections as
Word headings, so staff can edit it).

`outline` turns the gathered data (hub.reads.initiative_document) into a list of blocks, each a
heading with its paragraphs, list items, quotes or table rows; both the template and the DOCX
writer walk that list, so the formats have the same sections in the same order.
No database and no web framework here: workers call it, in a thread (rendering is CPU work).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub import i18n
from hub.i18n import HTML_LANG

PACKAGE = Path(__file__).resolve().parent.parent  # the hub package: templates, static
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

Block = dict[str, Any]


def _block(level: int, heading: str, **parts: Any) -> Block:
    return {
        "level": level,
        "heading": heading,
        "paragraphs": [],
        "items": [],
        "quotes": [],
        "rows": [],
        **parts,
    }


def _vote_block(level: int, _: Callable[..., str], vote: dict[str, Any] | None) -> Block:
    if vote is None:
        return _block(level, _("Vote result"), paragraphs=[_("No vote was recorded.")])
    rows = [
        (_("Yes"), str(vote["yes"])),
        (_("No"), str(vote["no"])),
        (_("Abstained"), str(vote["abstain"])),
        (_("Turnout"), _("%(n)d of %(of)d", n=vote["turnout"], of=vote["electorate_size"])),
        (_("Electorate"), str(vote["electorate_size"])),
        (_("Quorum"), f"{vote['quorum']} %"),
        (_("Threshold"), f"{vote['threshold']} %"),
        (_("Counting"), vote["counting"]),
        (_("Ballot"), vote["ballot"]),
        (_("Closed"), vote["closed"]),
    ]
    return _block(level, _("Vote result"), rows=rows)


def _proposal_blocks(level: int, _: Callable[..., str], p: dict[str, Any]) -> list[Block]:
    vote = p["vote"]
    basis = ", ".join(x for x in (p["legal_act"], p["legal_article"]) if x)
    if vote is not None and vote["secret"]:
        supporting = _block(
            level,
            _("Supporting local governments"),
            paragraphs=[_("Not shown: the ballot was secret.")],
        )
        dissent = _block(
            level, _("Dissenting reasons"), paragraphs=[_("Not shown: the ballot was secret.")]
        )
    else:
        places = (vote or {}).get("supporting") or []
        supporting = _block(
            level,
            _("Supporting local governments"),
            items=places,
            paragraphs=[] if places else [_("None recorded.")],
        )
        reasons = (vote or {}).get("dissent") or []
        dissent = _block(
            level,
            _("Dissenting reasons"),
            quotes=reasons,
            paragraphs=[] if reasons else [_("None given.")],
        )
    people = [_("%(name)s (author)", name=n) for n in p["authors"]] + [
        _("%(name)s (co-author)", name=n) for n in p["coauthors"]
    ]
    key = [{**q, "label": _("key post")} for q in p["digest"]["key"]]
    reacted = [
        {**q, "label": _("reactions: %(n)d", n=q["reactions"])} for q in p["digest"]["reacted"]
    ]
    return [
        _block(level, _("Summary"), paragraphs=[p["summary"]]),
        _block(level, _("Problem and rationale"), paragraphs=[p["problem"]]),
        _block(
            level,
            _("Proposed change"),
            paragraphs=[p["solution"], _("Legal basis: %(basis)s", basis=basis)],
        ),
        _block(level, _("Expected effects"), paragraphs=[p["impact"]]),
        _vote_block(level, _, vote),
        supporting,
        _block(level, _("Authors and co-authors"), items=people),
        _block(
            level,
            _("Digest of the discussion"),
            quotes=key + reacted,
            paragraphs=[] if key or reacted else [_("No posts were quoted.")],
        ),
        dissent,
        _block(level, _("Timeline"), items=[f"{t['date']} — {t['text']}" for t in p["timeline"]]),
    ]


def outline(data: dict[str, Any]) -> list[Block]:
    """The document's sections in order (the title is level 1)."""
    language = data["language"]

    def _(message: str, **params: Any) -> str:
        return i18n.gettext(language, message, **params)

    blocks = [_block(1, data["title"])]
    joint = len(data["proposals"]) > 1
    for p in data["proposals"]:
        if joint:
            blocks.append(
                _block(
                    2, p["title"], paragraphs=[_("From the network %(name)s", name=p["network"])]
                )
            )
        blocks.extend(_proposal_blocks(3 if joint else 2, _, p))
    blocks.append(
        _block(
            2,
            _("The initiative"),
            items=[f"{t['date']} — {t['text']}" for t in data["compiled"]],
        )
    )
    return blocks


def render_html(data: dict[str, Any]) -> str:
    language = data["language"]

    def _(message: str, **params: Any) -> str:
        return i18n.gettext(language, message, **params)

    template = _env.get_template("initiatives/document.html")
    return template.render(d=data, blocks=outline(data), lang=HTML_LANG[language], _=_)


def _static_path(url: str) -> Path:
    """The package file behind a /static/... URL; ValueError for anything else."""
    path = urlsplit(url).path
    target = (STATIC / path.removeprefix("/static/")).resolve()
    if not path.startswith("/static/") or STATIC not in target.parents:
        raise ValueError(f"not fetched: {url}")
    return target


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # lazy: heavy (pango), loaded only where PDFs are made
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # lazy: as weasyprint above

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """The stylesheet and fonts from the package; nothing from the network."""

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            path = _static_path(url)
            kind = "text/css" if path.suffix == ".css" else "font/ttf"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    pdf = HTML(string=html, base_url="file:///", url_fetcher=StaticOnly()).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_docx(data: dict[str, Any]) -> bytes:
    from docx import Document  # lazy: python-docx (lxml) only where documents are made
    from docx.shared import Pt  # lazy: as docx above

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(10)
    header = document.sections[0].header.paragraphs[0]
    header.text = f"{data['association']} · {data['committee']} · {data['number']} · {data['date']}"
    document.add_paragraph(data["association"])
    document.add_paragraph(data["committee"])
    document.add_paragraph(f"{data['number']} · {data['date']}")
    for block in outline(data):
        document.add_heading(block["heading"], level=block["level"])
        for text in block["paragraphs"]:
            document.add_paragraph(text)
        if block["rows"]:
            table = document.add_table(rows=0, cols=2)
            for label, value in block["rows"]:
                cells = table.add_row().cells
                cells[0].text = label
                cells[1].text = value
        for item in block["items"]:
            document.add_paragraph(item, style="List Bullet")
        for quote in block["quotes"]:
            line = f"{quote['author']}, {quote['date']}"
            if quote.get("label"):
                line += f" ({quote['label']})"
            document.add_paragraph(quote["text"], style="Quote")
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
