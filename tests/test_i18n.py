"""Catalogs, pages in each language, locale formats and transliteration."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.support import NullTranslations

from hub import i18n
from hub.i18n import build
from hub.i18n.script import html_for_script, to_cyrillic, to_latin
from hub.models import User
from hub.plumbing.runtime import Runtime
from hub.reads.mentions import link_mentions
from hub.web.routes import page_routes
from hub.web.visitor import LANG_COOKIE
from tests.conftest import make_user, sign_in

# --- the catalogs in the tree -------------------------------------------------------------


def test_every_msgid_is_translated_and_cyrillic_is_generated() -> None:
    problems = build.problems()
    assert problems == [], "run `python -m hub.i18n.build` and translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", ["sr_Latn", "sr_Cyrl"])
def test_serbian_catalogs_declare_three_plural_forms(locale: str) -> None:
    catalog = build.read(build.po_path(locale), locale)
    assert catalog is not None
    assert catalog.plural_forms == build.SERBIAN_PLURALS
    assert catalog.locale_identifier == locale


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        (
            "sr-Latn",
            {1: "1 poruka", 2: "2 poruke", 5: "5 poruka", 11: "11 poruka", 22: "22 poruke"},
        ),
        ("sr-Cyrl", {1: "1 порука", 3: "3 поруке", 12: "12 порука", 21: "21 порука"}),
        ("en", {1: "1 post", 2: "2 posts"}),
    ],
)
def test_plural_forms_follow_the_language(language: str, forms: dict[int, str]) -> None:
    for n, expected in forms.items():
        assert i18n.ngettext(language, "%(num)d post", "%(num)d posts", n) == expected


# --- the build on catalogs of our own ------------------------------------------------------


def _catalog(locale: str | None, *entries: tuple[str | tuple[str, str], object]) -> Catalog:
    catalog = Catalog(locale=locale, fuzzy=False)
    for msgid, msgstr in entries:
        catalog.add(msgid, msgstr, [("templates/x.html", 1)])
    return catalog


POST = ("%(num)d post", "%(num)d posts")


def test_update_keeps_translations_adds_new_msgids_empty_and_drops_obsolete() -> None:
    template = _catalog(None, ("Save", None), ("New", None), (POST, None))
    old = _catalog("sr_Latn", ("Save", "Sačuvaj"), ("Gone", "Nestalo"))
    latin = build.update(template, old, "sr_Latn")
    assert latin.get("Save").string == "Sačuvaj"
    assert latin.get("New").string == ""
    assert latin.get("Gone") is None
    assert latin.get(POST).string == ("", "", "")
    assert not latin.get("New").fuzzy
    english = build.update(template, None, "en")
    assert english.get(POST).string == POST
    assert english.get("Save").string == ""


def test_cyrillic_is_transliterated_then_corrected_by_the_overrides(tmp_path: Path) -> None:
    overrides_file = tmp_path / "overrides.toml"
    overrides_file.write_text(
        '[words]\n"injekcij*" = "инјекциј"\n"h" = "ч"\n[messages]\n"Code" = "Шифра user.created"\n',
        encoding="utf-8",
    )
    latin = _catalog(
        "sr_Latn",
        ("Shot", "Injekcija za %(name)s, važi 2 h: https://skgo.org/nj"),
        ("Code", "Šifra user.created"),
        (POST, ("%(num)d injekcija", "%(num)d injekcije", "%(num)d injekcija")),
        ("Later", ""),
    )
    cyrillic = build.cyrillic(latin, build.Overrides.load(overrides_file))
    assert cyrillic.get("Shot").string == "Инјекција за %(name)s, важи 2 ч: https://skgo.org/nj"
    assert cyrillic.get("Code").string == "Шифра user.created"
    assert cyrillic.get(POST).string == (
        "%(num)d инјекција",
        "%(num)d инјекције",
        "%(num)d инјекција",
    )
    assert cyrillic.get("Later").string == ""
    assert cyrillic.plural_forms == build.SERBIAN_PLURALS


def test_check_reports_untranslated_broken_and_stale() -> None:
    template = _catalog(None, ("Save", None), ("Hi %(name)s", None), (POST, None), ("New", None))
    latin = _catalog(
        "sr_Latn",
        ("Save", "Sačuvaj"),
        ("Hi %(name)s", "Zdravo %(ime)s"),
        (POST, ("%(num)d poruka", "%(num)d poruke", "")),
    )
    overrides = build.Overrides()
    fresh = build.render(build.cyrillic(latin, overrides))
    found = build.find_problems(template, latin, fresh, overrides)
    assert found == [
        "placeholders differ (templates/x.html): 'Hi %(name)s' -> 'Zdravo %(ime)s'",
        "untranslated (templates/x.html): ('%(num)d post', '%(num)d posts')",
        "untranslated (templates/x.html): 'New'",
    ]
    stale = build.find_problems(template, latin, b"", overrides)
    assert stale[-1].startswith("sr_Cyrl/messages.po differs")


def test_check_rejects_a_lone_percent_sign() -> None:
    template = _catalog(None, ("Half", None))
    latin = _catalog("sr_Latn", ("Half", "50% gotovo"))
    overrides = build.Overrides()
    fresh = build.render(build.cyrillic(latin, overrides))
    assert build.find_problems(template, latin, fresh, overrides) == [
        "placeholders differ (templates/x.html): 'Half' -> '50% gotovo'"
    ]


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "foreign"),
    [("sr-Latn", "Prijav", "Пријав"), ("sr-Cyrl", "Пријав", "Prijav"), ("en", "Sign in", "Prijav")],
)
async def test_signin_page_speaks_the_language_of_the_cookie(
    client: httpx.AsyncClient, language: str, expected: str, foreign: str
) -> None:
    client.cookies.set(LANG_COOKIE, language)
    page = await client.get("/signin")
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert expected in page.text
    assert foreign not in page.text


class _Misses(NullTranslations):
    """A catalog's fallback: it sees exactly the messages the catalog has no translation for."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def gettext(self, message: str) -> str:
        self.seen.add(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self.seen.add(msgid1)
        return msgid1 if n == 1 else msgid2


@contextmanager
def missing_translations(language: str) -> Iterator[set[str]]:
    catalog = i18n.translations(language)
    misses = _Misses()
    catalog.add_fallback(misses)
    try:
        yield misses.seen
    finally:
        catalog._fallback = None


# Pages a signed-in visitor is sent away from; they are checked signed out.
_ANONYMOUS = ("/signin", "/reset", "/no-such-page")
# GET routes that answer with a file, not a page.
_FILES = ("/attachments/",)
# Pages that must render in full; the others may answer with a (translated) error page when the
# admin may not use them on this sample (editing someone else's post, say).
_MUST_RENDER = (
    "/",
    "/networks",
    "/committees",
    "/profile",
    "/admin",
    "/networks/elektronska-uprava",
    "/committees/sistemska-pitanja",
)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), m.group(0)), path)


def _pages(samples: dict[str, str]) -> list[str]:
    """Every GET page without a token in its path, its parameters filled in from `samples`."""
    pages = []
    for route in page_routes():
        path: str = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or ()
        if "GET" not in methods or "{token}" in path or path in _ANONYMOUS:
            continue
        if path.startswith(_FILES):
            continue
        values = {**samples, "slug": samples["committee"]} if "/committees/" in path else samples
        path = _fill(path, values)
        assert "{" not in path, f"add a sample for {path} to the test"
        pages.append(path)
    return pages


async def _sample_proposal(rt: Runtime, member: int) -> int:
    """A submitted, edited proposal of `member`, with another one to merge it into."""
    from hub.actions.context import act
    from hub.actions.proposal_review import do_review, do_submit
    from hub.actions.proposal_text import ProposalText
    from hub.actions.proposals import do_create_proposal, do_edit_proposal

    text = ProposalText("Predlog", "Sažetak", "Problem", "Rešenje", "Zakon", "član 1", "Efekat")
    ids = []
    for _ in range(2):
        async with act(rt, actor_id=member) as ctx:
            access = await do_create_proposal(ctx, "elektronska-uprava", text)
            ids.append(access.proposal.id or 0)
            await do_edit_proposal(ctx, ids[-1], ProposalText(summary="Drugi sažetak"))
            await do_submit(ctx, ids[-1])
    async with act(rt, system=True) as ctx:
        await do_review(ctx, ids[0], action="request_changes", note="Dopunite.")
    return ids[0]


async def test_every_page_is_fully_translated_in_serbian_latin(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    from hub.actions.context import act
    from hub.actions.threads import do_create_thread

    admin = await make_user(
        seeded,
        "admin@example.org",
        admin=True,
        networks={"elektronska-uprava": "coordinator"},
        committees={"sistemska-pitanja": "chair"},
    )
    member = await make_user(seeded, "clan@example.org", networks={"elektronska-uprava": "member"})
    async with act(seeded, actor_id=member) as ctx:
        thread, post = await do_create_thread(
            ctx, "elektronska-uprava", title="Prva tema", body="Dobar dan svima."
        )
    proposal = await _sample_proposal(seeded, member)
    samples = {
        "slug": "elektronska-uprava",
        "committee": "sistemska-pitanja",
        "user_id": str(admin),
        "thread_id": str(thread.id),
        "post_id": str(post.id),
        "proposal_id": str(proposal),
        # None exists here: its 404 page is checked; tests/test_initiative_page.py the page.
        "initiative_id": "1",
    }
    with missing_translations("sr-Latn") as anonymous_misses:
        for path in _ANONYMOUS:
            assert (await client.get(path)).status_code < 500
    assert anonymous_misses == set()
    await sign_in(client, "admin@example.org")
    pages = _pages(samples)
    must_render = {*_MUST_RENDER, f"/threads/{thread.id}", f"/posts/{post.id}/history"}
    must_render |= {f"/proposals/{proposal}", f"/proposals/{proposal}/history"}
    must_render |= {"/proposals/mine", "/networks/elektronska-uprava/proposals"}
    must_render |= {"/networks/elektronska-uprava/review-queue"}
    assert must_render <= set(pages)
    with missing_translations("sr-Latn") as misses:
        for path in pages:
            response = await client.get(path)
            assert response.status_code < 500, path
            assert response.status_code == 200 or path not in must_render, path
    assert misses == set()


# --- locale formats ------------------------------------------------------------------------


def test_dates_and_numbers_in_each_language() -> None:
    day = dt.date(2026, 2, 5)
    assert i18n.format_date(day, "sr-Latn") == "5. februar 2026."
    assert i18n.format_date(day, "sr-Cyrl") == "5. фебруар 2026."
    assert i18n.format_date(day, "en") == "February 5, 2026"
    assert i18n.format_number(1234.5, "sr-Latn") == "1.234,5"
    assert i18n.format_number(1234.5, "sr-Cyrl") == "1.234,5"
    assert i18n.format_number(1234.5, "en") == "1,234.5"


# --- transliteration -----------------------------------------------------------------------


def test_latin_to_cyrillic_handles_digraphs_in_every_case() -> None:
    assert to_cyrillic("LJUBAV Njegoš") == "ЉУБАВ Његош"
    assert to_cyrillic("Džep, ljiljan, Đurđevdan, DŽEP") == "Џеп, љиљан, Ђурђевдан, ЏЕП"


def test_latin_to_cyrillic_leaves_placeholders_markup_and_links_alone() -> None:
    text = 'Zdravo %(name)s, %(num)d nova: <a href="/networks/nis">mreža</a> https://skgo.org/sr/nj'
    assert to_cyrillic(text) == (
        'Здраво %(name)s, %(num)d нова: <a href="/networks/nis">мрежа</a> https://skgo.org/sr/nj'
    )
    assert to_cyrillic("Pišite na info@skgo.org ili {name}") == "Пишите на info@skgo.org или {name}"
    assert to_cyrillic("Word, PowerPoint, PNG i SKGO") == "Word, PowerPoint, PNG и СКГО"


def test_a_mentions_tooltip_is_in_the_readers_script() -> None:
    rendered = link_mentions(
        "<p>Pitaj @ana.j o tome</p>",
        {"ana.j": User(id=7, name="Ana Jovanović & Đorđe", handle="ana.j")},
    )
    cyrillic = html_for_script(rendered, "sr-Cyrl")
    assert cyrillic == (
        '<p>Питај <span class="mention" data-user-id="7" title="Ана Јовановић &amp; Ђорђе">'
        "@ana.j</span> о томе</p>"
    )
    assert html_for_script(cyrillic, "sr-Latn") == rendered
    assert html_for_script(rendered, "en") == rendered


def test_mechanical_transliteration_cannot_see_prefixes() -> None:
    # in-jekcija has two letters n and j, which only the overrides file knows (correct: инјекција).
    assert to_cyrillic("injekcija") == "ињекција"
    assert build.Overrides.load().fix_words(to_cyrillic("injekcija")) == "инјекција"


@pytest.mark.parametrize(
    "word", ["Njegoš", "ljubav", "džep", "Đurđevdan", "čačak", "šećer", "žaba", "Ćuprija"]
)
def test_cyrillic_to_latin_round_trip_of_ordinary_words(word: str) -> None:
    assert to_latin(to_cyrillic(word)) == word


def test_cyrillic_capitals_become_latin_capitals() -> None:
    assert to_latin("ЉУБАВ, ЊЕГОШ, ЏЕП, ДОЊИ") == "LJUBAV, NJEGOŠ, DŽEP, DONJI"
    assert to_latin("Љиљана и Његош") == "Ljiljana i Njegoš"
