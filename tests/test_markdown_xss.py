"""Sanitising: every payload of the XSS corpus renders to HTML within the allow-list.

The output is parsed (stdlib html.parser) and each tag and attribute checked against the
allow-list written out here, independently of hub.text.markdown; then Chromium loads all of it and
must open no dialog and make no request.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from hub.models import User
from hub.reads.mentions import link_mentions
from hub.text.markdown import render
from tests.browser import browser
from tests.xss_corpus import PAYLOADS

ALLOWED: dict[str, set[str]] = {
    **{tag: set() for tag in ("p", "br", "hr", "strong", "em", "del", "s", "pre", "blockquote")},
    **{tag: set() for tag in ("ul", "li", "table", "thead", "tbody", "tr")},
    **{f"h{n}": set() for n in range(1, 7)},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
}
NEVER = {"script", "style", "iframe", "object", "embed", "form", "meta", "base", "link", "svg"}
URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"http", "https", "mailto"}
REL = "noopener noreferrer nofollow ugc"
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def unknown_decl(self, data: str) -> None:
        self.declarations.append(data)


def scheme_of(url: str) -> str | None:
    """The scheme a browser would see in a (decoded) attribute value: blanks and invisible
    characters gone, case folded. A value without one is a relative URL of this site."""
    cleaned = _IGNORED_IN_URLS.sub("", url).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else None


def problems(output: str) -> list[str]:
    """Everything in rendered HTML outside the allow-list (empty when it is safe)."""
    found: list[str] = []
    if re.search(r"<\s*script", output, re.IGNORECASE):
        found.append("a <script")
    parser = Elements()
    parser.feed(output)
    parser.close()
    if parser.comments or parser.declarations:
        found.append(f"comments or declarations {parser.comments + parser.declarations}")
    for tag, attrs in parser.found:
        if tag in NEVER or tag not in ALLOWED:
            found.append(f"tag <{tag}>")
            continue
        for name, value in attrs:
            value = value or ""
            if name not in ALLOWED[tag] or name.startswith("on") or name == "style":
                found.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES:
                scheme = scheme_of(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL in {name}")
            if tag == "code" and name == "class" and not re.fullmatch(r"language-\w+", value):
                found.append(f"class {value!r} on <code>")
            if tag == "a" and name == "rel" and value != REL:
                found.append(f"rel={value!r}")
        if tag == "a" and "href" in dict(attrs) and dict(attrs).get("rel") != REL:
            found.append("a link without rel")
    return found


def test_the_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def test_the_checker_catches_what_it_must() -> None:
    """The check itself must fail on unsafe HTML, or the corpus test proves nothing."""
    unsafe = [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="java&#x09;script:alert(1)" rel="noopener noreferrer nofollow ugc">x</a>',
        '<a href=" JAVASCRIPT:alert(1)" rel="noopener noreferrer nofollow ugc">x</a>',
        '<img src="data:image/svg+xml,x">',
        '<p style="color:red">x</p>',
        "<svg></svg>",
        "<iframe></iframe>",
        '<a href="https://example.com">no rel</a>',
        '<code class="x onclick">y</code>',
        "<!-- hidden -->",
        '<span class="mention">x</span>',
    ]
    for sample in unsafe:
        assert problems(sample), sample
    assert problems('<p><a href="/t/1" rel="noopener noreferrer nofollow ugc">x</a></p>') == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_is_neutralised(payload: str) -> None:
    output = render(payload)
    assert problems(output) == [], output


def test_normal_markdown_survives() -> None:
    source = (
        "# Naslov\n\n"
        "**podebljano**, _kurziv_, ~~precrtano~~ i `kod`.\n\n"
        "- prva\n- druga\n\n"
        "3. tri\n4. četiri\n\n"
        "> citat\n\n"
        "```python\nprint('zdravo')\n```\n\n"
        "| Opština | Broj |\n|:--|--:|\n| Niš | 12 |\n\n"
        '[sajt](https://skgo.org "SKGO") i <https://example.com/a?b=1&c=2> i '
        "[pošta](mailto:info@skgo.org) i [tema](/threads/5)\n\n"
        "![mapa](/static/map.png)\n\n---\n"
    )
    output = render(source)
    assert problems(output) == [], output
    for fragment in (
        "<h1>Naslov</h1>",
        "<strong>podebljano</strong>",
        "<em>kurziv</em>",
        "<s>precrtano</s>",
        "<code>kod</code>",
        "<ul>\n<li>prva</li>",
        '<ol start="3">',
        "<blockquote>",
        "<pre><code class=\"language-python\">print('zdravo')",
        "<table>",
        "<th>Opština</th>",
        "<td>Niš</td>",
        f'<a href="https://skgo.org" title="SKGO" rel="{REL}">sajt</a>',
        f'<a href="https://example.com/a?b=1&amp;c=2" rel="{REL}">',
        f'<a href="mailto:info@skgo.org" rel="{REL}">pošta</a>',
        f'<a href="/threads/5" rel="{REL}">tema</a>',
        '<img src="/static/map.png" alt="mapa">',
        "<hr>",
    ):
        assert fragment in output, (fragment, output)


def test_mentions_escape_the_name() -> None:
    evil = User(id=7, email="e@x.rs", handle="ana", name='"><img src=x onerror=alert(1)>')
    output = link_mentions(render("Pozdrav @ana i `@ana`"), {"ana": evil})
    parser = Elements()
    parser.feed(output)
    assert [tag for tag, _attrs in parser.found] == ["p", "span", "code"]
    assert dict(parser.found[1][1]) == {
        "class": "mention",
        "data-user-id": "7",
        "title": evil.name,  # only as the text of the attribute
    }


def page_of(outputs: list[str]) -> str:
    items = "\n".join(f'<article id="p{i}">{o}</article>' for i, o in enumerate(outputs))
    return f"<!doctype html><html><head><title>x</title></head><body>{items}</body></html>"


_DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script','iframe','object','embed','form','meta','base','svg','style','link','math']
        .includes(tag) && el.closest('article')) bad.push(tag);
    for (const a of el.attributes) {
      if (a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc') bad.push(a.name);
    }
    for (const name of ['href', 'src', 'action', 'formaction', 'data', 'poster']) {
      const value = el.getAttribute(name);
      if (value === null) continue;
      const scheme = new URL(value, 'https://hub.example/').protocol;
      if (!['http:', 'https:', 'mailto:'].includes(scheme)) bad.push(name + '=' + value);
    }
  }
  return bad;
}"""


_POKE = """() => {
  for (const el of document.querySelectorAll('article *')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'animationstart', 'toggle']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
}"""


@pytest.mark.browser
async def test_chromium_runs_nothing_and_requests_nothing() -> None:
    outputs = [render(p) for p in PAYLOADS]
    dialogs: list[str] = []
    requests: list[str] = []
    async with browser() as chromium:
        page: Any = await chromium.new_page()  # type: ignore[attr-defined]

        async def refuse(route: Any) -> None:
            requests.append(route.request.url)
            await route.abort()

        async def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", dismiss)
        page.on("request", lambda request: requests.append(request.url))
        await page.route("**/*", refuse)
        await page.set_content(page_of(outputs), wait_until="load")
        await page.evaluate(_POKE)
        assert await page.evaluate(_DOM_CHECK) == []
        assert await page.locator("article").count() == len(PAYLOADS)
    assert dialogs == []
    assert requests == []
