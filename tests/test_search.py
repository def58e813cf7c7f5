"""Search through the actions: Serbian scripts and diacritics, prefixes, ranking, who sees what."""

from __future__ import annotations

import pytest

from hub.actions.context import act
from hub.actions.errors import Invalid, NotSignedIn
from hub.actions.moderation import do_hide_post
from hub.actions.post_changes import do_delete_post, do_edit_post
from hub.actions.posts import do_reply
from hub.actions.search import MAX_QUERY, Hit, search
from hub.actions.threads import do_create_thread
from hub.plumbing.runtime import Runtime
from hub.text.search_terms import MAX_STEMMED, normalize, parse_query, stem_text, terms
from tests.conftest import make_user

OPEN = "elektronska-uprava"
OTHER = "javne-nabavke"
CLOSED = "romska-pitanja"


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    networks = {OPEN: "coordinator", OTHER: "member", CLOSED: "member"}
    return {
        "ana": await make_user(seeded, "ana@nis.rs", networks=networks),
        "bojan": await make_user(seeded, "bojan@cacak.rs", networks={OPEN: "member"}),
        "reader": await make_user(seeded, "citalac@novisad.rs"),
    }


async def new_thread(rt: Runtime, uid: int, slug: str, title: str, body: str) -> tuple[int, int]:
    async with act(rt, actor_id=uid) as ctx:
        thread, post = await do_create_thread(ctx, slug, title=title, body=body)
        return thread.id or 0, post.id or 0


async def post_in(rt: Runtime, uid: int, thread_id: int, body: str) -> int:
    async with act(rt, actor_id=uid) as ctx:
        return (await do_reply(ctx, thread_id, body=body)).post.id or 0


async def find(rt: Runtime, uid: int | None, q: str, **kw: object) -> list[Hit]:
    async with act(rt, actor_id=uid) as ctx:
        hits, _next = await search(ctx, q, **kw)  # type: ignore[arg-type]
        return hits


def post_ids(hits: list[Hit]) -> list[int]:
    return [h.post.id or 0 for h in hits if h.post is not None]


def test_normal_form() -> None:
    same = {normalize(w) for w in ("članovi", "clanovi", "чланови", "ČLANOVI", "Чланови")}
    assert same == {"clanovi"}
    assert normalize("Đorđević") == normalize("Djordjevic") == normalize("Ђорђевић") == "dordevic"
    assert terms("  Šta je,  šta? ") == ["sta", "je"]
    assert terms("!!! ---") == []


async def test_latin_plain_latin_and_cyrillic_find_each_other(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, first = await new_thread(
        seeded, people["ana"], OPEN, "Sastanak", "Svi članovi mreže su pozvani."
    )
    plain = await post_in(seeded, people["bojan"], thread, "Da li clanovi dobijaju materijal?")
    cyrillic = await post_in(seeded, people["ana"], thread, "Сви чланови добијају материјал.")
    await post_in(seeded, people["bojan"], thread, "Ovo nema veze.")
    everyone = {first, plain, cyrillic}
    for query in ("članovi", "clanovi", "чланови", "ČLANOV", "члан", "clan"):
        found = set(post_ids(await find(seeded, people["reader"], query)))
        assert found == everyone, query


async def test_prefixes_and_all_words_must_match(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await new_thread(
        seeded, people["ana"], OPEN, "Nabavke", "Elektronske nabavke u opštinama"
    )
    other = await post_in(seeded, people["ana"], thread, "Elektronska uprava i usluge")
    assert set(post_ids(await find(seeded, people["bojan"], "elektron"))) == {first, other}
    assert post_ids(await find(seeded, people["bojan"], "elektron nabav")) == [first]
    assert post_ids(await find(seeded, people["bojan"], "opstin")) == [first]
    assert post_ids(await find(seeded, people["bojan"], "nepostojecareč")) == []


async def test_more_occurrences_rank_higher_and_snippets_mark_matches(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, _first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Uvodni tekst")
    once = await post_in(seeded, people["ana"], thread, "Budžet je usvojen na sednici veća.")
    twice = await post_in(seeded, people["ana"], thread, "Budžet i rebalans: budžet za 2025.")
    hits = await find(seeded, people["reader"], "budzet")
    assert post_ids(hits) == [twice, once]
    snippet = hits[0].snippet
    assert snippet.count("<mark>") == 2
    assert "<mark>Budžet</mark>" in snippet and "<mark>budžet</mark>" in snippet


async def test_snippets_are_escaped(seeded: Runtime, people: dict[str, int]) -> None:
    thread, _first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Uvod")
    await post_in(seeded, people["ana"], thread, "Kod <script>alert(1)</script> ugovora")
    [hit] = await find(seeded, people["reader"], "ugovor")
    assert "<script" not in hit.snippet and "&lt;script" in hit.snippet
    assert "<mark>ugovora</mark>" in hit.snippet


async def test_threads_are_found_by_title(seeded: Runtime, people: dict[str, int]) -> None:
    thread, _first = await new_thread(
        seeded, people["ana"], OPEN, "Javno osvetljenje", "Kako ste rešili?"
    )
    hits = await find(seeded, people["reader"], "osvetljenje")
    assert [(h.kind, h.thread.id) for h in hits] == [("thread", thread)]
    assert hits[0].snippet == "Javno <mark>osvetljenje</mark>"


async def test_only_networks_the_reader_may_read(seeded: Runtime, people: dict[str, int]) -> None:
    _t, secret = await new_thread(seeded, people["ana"], CLOSED, "Tajna", "Zajednickarec tajno")
    _t, public = await new_thread(seeded, people["ana"], OPEN, "Javna", "Zajednickarec javno")
    assert set(post_ids(await find(seeded, people["ana"], "zajednickarec"))) == {secret, public}
    for who in ("bojan", "reader"):
        assert post_ids(await find(seeded, people[who], "zajednickarec")) == [public]
        assert await find(seeded, people[who], "tajna") == []
        assert await find(seeded, people[who], "zajednickarec", network=CLOSED) == []
    with pytest.raises(NotSignedIn):
        await find(seeded, None, "zajednickarec")


async def test_filters_by_network_and_author(seeded: Runtime, people: dict[str, int]) -> None:
    thread, by_ana = await new_thread(seeded, people["ana"], OPEN, "Tema", "Filterrec prvi")
    by_bojan = await post_in(seeded, people["bojan"], thread, "Filterrec drugi")
    _t, elsewhere = await new_thread(seeded, people["ana"], OTHER, "Druga", "Filterrec treci")
    reader = people["reader"]
    assert set(post_ids(await find(seeded, reader, "filterrec"))) == {by_ana, by_bojan, elsewhere}
    assert set(post_ids(await find(seeded, reader, "filterrec", network=OPEN))) == {
        by_ana,
        by_bojan,
    }
    assert post_ids(await find(seeded, reader, "filterrec", network=OTHER)) == [elsewhere]
    assert post_ids(await find(seeded, reader, "filterrec", author_id=people["bojan"])) == [
        by_bojan
    ]
    ana_open = await find(seeded, reader, "filterrec", network=OPEN, author_id=people["ana"])
    assert post_ids(ana_open) == [by_ana]
    assert await find(seeded, reader, "filterrec", network="no-such-network") == []


async def test_deleted_hidden_and_edited_posts(seeded: Runtime, people: dict[str, int]) -> None:
    thread, _first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Uvod")
    deleted = await post_in(seeded, people["bojan"], thread, "Nestajucarec obrisano")
    hidden = await post_in(seeded, people["bojan"], thread, "Nestajucarec sakriveno")
    edited = await post_in(seeded, people["bojan"], thread, "Nestajucarec staro")
    kept = await post_in(seeded, people["bojan"], thread, "Nestajucarec ostaje")
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        await do_delete_post(ctx, deleted)
        await do_edit_post(ctx, edited, body="Sasvim novi tekst")
    async with act(seeded, actor_id=people["ana"]) as ctx:
        await do_hide_post(ctx, hidden, reason="Van teme")
    for who in ("reader", "ana"):  # coordinators too: search shows what everyone may read
        assert post_ids(await find(seeded, people[who], "nestajucarec")) == [kept]
    assert post_ids(await find(seeded, people["reader"], "sasvim novi")) == [edited]
    assert post_ids(await find(seeded, people["reader"], "staro")) == []


async def test_pages_of_results(seeded: Runtime, people: dict[str, int]) -> None:
    thread, first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Stranicarec 0")
    ids = [first] + [
        await post_in(seeded, people["ana"], thread, f"Stranicarec {i}") for i in range(1, 5)
    ]
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        async with act(seeded, actor_id=people["reader"]) as ctx:
            hits, offset = await search(ctx, "stranicarec", offset=offset, limit=2)
        seen += post_ids(hits)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


@pytest.mark.parametrize("query", ["", "   ", "!!!", "\"'*()", "x" * (MAX_QUERY + 1), "reč " * 60])
async def test_empty_or_overlong_query_is_invalid(
    seeded: Runtime, people: dict[str, int], query: str
) -> None:
    with pytest.raises(Invalid) as error:
        await find(seeded, people["reader"], query)
    assert error.value.field == "q"


@pytest.mark.parametrize(
    "query",
    ['"', 'a" OR "b', "NEAR(a b)", "a:*", "x & !y", "col:text", "'; DROP TABLE posts; --"],
)
async def test_query_syntax_is_taken_as_words(
    seeded: Runtime, people: dict[str, int], query: str
) -> None:
    thread, _first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Uvod")
    await post_in(seeded, people["ana"], thread, "Tekst bez tih reči")
    words = terms(query)
    if not words:
        with pytest.raises(Invalid):
            await find(seeded, people["reader"], query)
        return
    assert await find(seeded, people["reader"], query) == []  # no post has these words
    # The operators were read as the words they contain: a post with those words is found.
    having = await post_in(seeded, people["ana"], thread, "Reči: " + " ".join(words))
    assert post_ids(await find(seeded, people["reader"], query)) == [having]


def test_stems_join_the_endings_of_a_word_in_both_scripts() -> None:
    [deponija] = parse_query("deponija")
    [cyrillic] = parse_query("депонија")
    assert deponija.word == "deponija" and cyrillic.word == "deponija"
    assert set(deponija.stems) == set(cyrillic.stems)
    for written in ("deponije", "deponiju", "ДЕПОНИЈЕ", "Deponiji"):
        assert deponija.matches(written), written
    assert not deponija.matches("depo")
    [zakazivanja] = parse_query("zakazivanja")
    assert zakazivanja.matches("zakazivanje") and zakazivanja.matches("Заказивање")
    # Typed without diacritics, a word still shares its stem with the form that has them.
    [plain] = parse_query("decaka")
    assert plain.matches("dečak") and plain.matches("дечаком")
    assert stem_text("Divlje deponije") == stem_text("Дивље депоније")
    # A run of letters too long for a word gets no stem; its beginning still finds it.
    code = "a1b2" * (MAX_STEMMED // 4 + 1)
    assert stem_text(f"deponije {code}") == stem_text("deponije")
    assert parse_query(code[:12])[0].matches(code) and not deponija.matches(code)


async def test_other_endings_are_found_in_latin_and_cyrillic(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, first = await new_thread(
        seeded, people["ana"], OPEN, "Divlje deponije", "Mapirali smo divlje deponije."
    )
    cyrillic = await post_in(seeded, people["bojan"], thread, "Све депоније су уклоњене.")
    booking = await post_in(seeded, people["ana"], thread, "Uvodimo elektronsko zakazivanje.")
    await post_in(seeded, people["bojan"], thread, "Ovo nema veze.")
    for query in ("deponija", "депонија", "DEPONIJU", "deponiji"):
        hits = await find(seeded, people["reader"], query)
        assert set(post_ids(hits)) == {first, cyrillic}, query
        assert [h.thread.id for h in hits if h.kind == "thread"] == [thread], query
    for query in ("zakazivanja", "заказивања", "zakazivanju"):
        assert post_ids(await find(seeded, people["reader"], query)) == [booking], query
    # The snippet marks the word found by its stem.
    [hit] = await find(seeded, people["reader"], "zakazivanja")
    assert "<mark>zakazivanje</mark>" in hit.snippet
    # Every word of the query must match, by form or by stem.
    assert post_ids(await find(seeded, people["reader"], "deponija zakazivanja")) == []
    assert post_ids(await find(seeded, people["reader"], "divlju deponiju")) == [first]


async def test_the_exact_form_ranks_above_a_match_by_stem_only(
    seeded: Runtime, people: dict[str, int]
) -> None:
    thread, _first = await new_thread(seeded, people["ana"], OPEN, "Tema", "Uvodni tekst")
    # Written first, so an equal rank would put it second (newest first breaks ties).
    exact = await post_in(seeded, people["ana"], thread, "Gradska deponija je puna.")
    stem_only = await post_in(seeded, people["ana"], thread, "Gradske deponije su pune.")
    assert post_ids(await find(seeded, people["reader"], "deponija")) == [exact, stem_only]
    assert post_ids(await find(seeded, people["reader"], "депоније")) == [stem_only, exact]
