"""Seed data: the association's committees, networks and local governments, and demo content.

Idempotent: rows are matched by slug (or e-mail) and left alone when present, so an admin's
renames survive a second run and running it twice changes nothing.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.posts import do_reply
from hub.actions.seed_decisions import seed_decisions
from hub.actions.threads import do_create_thread
from hub.auth import hash_password
from hub.models import (
    Committee,
    CommitteeMembership,
    Municipality,
    Network,
    NetworkMembership,
    Thread,
    User,
)
from hub.permissions import Action

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Printed by `hub seed --demo`: demo data is for trying the hub only.
DEMO_PASSWORD = "demo-lozinka"  # noqa: S105
DEMO_ADMIN = "admin@demo.skgo.test"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    demo_accounts: list[tuple[str, str]] = field(default_factory=list)

    def count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def load_association(path: Path | None = None) -> dict[str, Any]:
    with (path or DATA_DIR / "association.toml").open("rb") as fh:
        return tomllib.load(fh)


def load_municipalities(path: Path | None = None) -> list[dict[str, str]]:
    with (path or DATA_DIR / "municipalities.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def _existing(ctx: Context, model: Any) -> dict[str, Any]:
    rows = await ctx.db.exec(select(model))
    return {row.slug: row for row in rows.all()}


async def do_seed(ctx: Context, report: SeedReport | None = None) -> SeedReport:
    ctx.require(Action.MANAGE_MUNICIPALITIES)
    report = report or SeedReport()
    data = load_association()
    committees = await _existing(ctx, Committee)
    for item in data["committee"]:
        if item["slug"] not in committees:
            committee = Committee(
                slug=item["slug"],
                name=item["name"],
                name_en=item.get("name_en", ""),
                description=item.get("description", ""),
                confirmed=item.get("confirmed", True),
            )
            ctx.db.add(committee)
            committees[item["slug"]] = committee
            report.count("committees")
    await ctx.db.flush()
    networks = await _existing(ctx, Network)
    _drop_old_note(networks.values(), report)
    for item in data["network"]:
        if item["slug"] in networks:
            continue
        ctx.db.add(
            Network(
                slug=item["slug"],
                name=item["name"],
                name_en=item.get("name_en", ""),
                description=item.get("description", ""),
                committee_id=committees[item["committee"]].id if item.get("committee") else None,
                committee_confirmed=item.get("committee_confirmed", False),
                visibility=item.get("visibility", "association"),
                confirmed=item.get("confirmed", True),
            )
        )
        report.count("networks")
    municipalities = await _existing(ctx, Municipality)
    rows = load_municipalities()
    for row in rows:
        if row["slug"] not in municipalities:
            municipality = Municipality(
                slug=row["slug"],
                name=row["name"],
                kind=row["kind"],
                region=row["region"],
                district=row["district"],
                confirmed=False,
            )
            ctx.db.add(municipality)
            municipalities[row["slug"]] = municipality
            report.count("municipalities")
    await ctx.db.flush()
    for row in rows:
        municipality = municipalities[row["slug"]]
        if row["parent"] and municipality.parent_id is None:
            municipality.parent_id = municipalities[row["parent"]].id
            ctx.db.add(municipality)
    if report.changed:
        ctx.audit("seed.loaded", **report.created)
    return report


# Earlier seeds ended six networks' descriptions with this note for admins, shown to everyone.
# It is data (Network.confirmed, shown to admins only, in their language): a re-seed takes it
# out of the descriptions already stored, and leaves the rest of each description as it is.
_OLD_NOTE = "Privremeni naziv mreže koji treba da proveri administrator."


def _drop_old_note(networks: Any, report: SeedReport) -> None:
    for network in networks:
        if network.description.endswith(_OLD_NOTE):
            network.description = network.description.removesuffix(_OLD_NOTE).rstrip()
            report.count("descriptions cleaned")


# name, e-mail local part, municipality slug, title
_PEOPLE = [
    ("Jelena Petrović", "jelena.petrovic", "novi-sad", "Načelnica Gradske uprave za opštu upravu"),
    ("Marko Nikolić", "marko.nikolic", "nis", "Rukovodilac Službe za informacione tehnologije"),
    ("Ana Jovanović", "ana.jovanovic", "kragujevac", "Službenica za javne nabavke"),
    ("Dragan Stojanović", "dragan.stojanovic", "cacak", "Eko-poverenik"),
    ("Milica Ilić", "milica.ilic", "subotica", "Koordinatorka za elektronsku upravu"),
    ("Nemanja Đorđević", "nemanja.djordjevic", "pirot", "Savetnik za javne nabavke"),
    ("Ivana Marković", "ivana.markovic", "savski-venac", "Sekretarka skupštine opštine"),
    ("Stefan Pavlović", "stefan.pavlovic", "uzice", "Šef odseka za zaštitu životne sredine"),
]
_SKGO_STAFF = [
    ("Vesna Radović", "vesna.radovic", "Koordinatorka mreže za elektronsku upravu"),
    ("Zoran Lazić", "zoran.lazic", "Koordinator mreže za javne nabavke"),
]
# network slug -> (coordinator e-mail local parts, member e-mail local parts)
_NETWORKS = {
    "elektronska-uprava": (["vesna.radovic"], ["marko.nikolic", "milica.ilic", "jelena.petrovic"]),
    "javne-nabavke": (["zoran.lazic"], ["ana.jovanovic", "nemanja.djordjevic", "jelena.petrovic"]),
    "eko-poverenici": (["stefan.pavlovic"], ["dragan.stojanovic", "milica.ilic"]),
    "sekretari-skupstina": (["vesna.radovic"], ["ivana.markovic"]),
}
_COMMITTEES = {
    "sistemska-pitanja": ("jelena.petrovic", ["ivana.markovic", "marko.nikolic"]),
    "finansije": ("ana.jovanovic", ["nemanja.djordjevic"]),
    "zivotna-sredina": ("stefan.pavlovic", ["dragan.stojanovic"]),
}
_THREADS = [
    (
        "elektronska-uprava",
        "Elektronsko zakazivanje termina za izdavanje dokumenata",
        [
            (
                "milica.ilic",
                "Da li neko već koristi **eZakazivanje** za matičnu službu? "
                "Zanima nas koliko je trajalo uvođenje i kako ste rešili obaveštenja građanima.",
            ),
            (
                "marko.nikolic",
                "Niš koristi od prošle godine. Uvođenje je trajalo oko dva meseca, "
                "najviše vremena je otišlo na obuku šaltera.\n\n- SMS podsetnik dan ranije\n"
                "- otkazivanje preko linka",
            ),
            ("vesna.radovic", "Hvala! Pripremiću pregled iskustava za sledeći sastanak mreže."),
        ],
    ),
    (
        "javne-nabavke",
        "Primena novih pragova iz Zakona o javnim nabavkama",
        [
            (
                "ana.jovanovic",
                "Kako tumačite član 27. za nabavke ispod praga? "
                "Kod nas je bilo nedoumica oko zbirne vrednosti.",
            ),
            (
                "nemanja.djordjevic",
                "Mi vodimo evidenciju po predmetu nabavke za celu godinu, "
                "tako je i Kancelarija za javne nabavke savetovala.",
            ),
        ],
    ),
    (
        "eko-poverenici",
        "Divlje deponije: iskustva sa mapiranjem",
        [
            (
                "dragan.stojanovic",
                "Čačak je mapirao 43 divlje deponije uz pomoć građana. "
                "Aplikacija je besplatna, rado delim uputstvo.",
            ),
        ],
    ),
]


async def do_seed_demo(ctx: Context, report: SeedReport | None = None) -> SeedReport:
    """Demo people, memberships and threads, on top of the association's data."""
    ctx.require(Action.MANAGE_USERS)
    report = await do_seed(ctx, report)
    municipalities = {m.slug: m for m in (await ctx.db.exec(select(Municipality))).all()}
    users: dict[str, User] = {}
    password_hash = hash_password(DEMO_PASSWORD)
    people: list[tuple[str, str, str | None, str, bool]] = [
        (DEMO_ADMIN, "Administrator SKGO", None, "Administrator", True)
    ]
    people += [(f"{local}@demo.skgo.test", n, m, t, False) for n, local, m, t in _PEOPLE]
    people += [(f"{local}@demo.skgo.test", n, None, t, False) for n, local, t in _SKGO_STAFF]
    for email, name, municipality, title, is_admin in people:
        found = (await ctx.db.exec(select(User).where(User.email == email))).first()
        if found is None:
            found = User(
                email=email,
                name=name,
                password_hash=password_hash,
                municipality_id=municipalities[municipality].id if municipality else None,
                title=title,
                is_admin=is_admin,
            )
            ctx.db.add(found)
            report.count("users")
        users[email.split("@")[0]] = found
        report.demo_accounts.append((email, name))
    await ctx.db.flush()
    networks = await _existing(ctx, Network)
    committees = await _existing(ctx, Committee)
    have = {(m.network_id, m.user_id) for m in (await ctx.db.exec(select(NetworkMembership))).all()}
    for slug, (coordinators, members) in _NETWORKS.items():
        roles = [(c, "coordinator") for c in coordinators] + [(m, "member") for m in members]
        for local, role in roles:
            key = (_id(networks[slug]), _id(users[local]))
            if key not in have:
                ctx.db.add(NetworkMembership(network_id=key[0], user_id=key[1], role=role))
                have.add(key)
                report.count("memberships")
    have_c = {
        (m.committee_id, m.user_id) for m in (await ctx.db.exec(select(CommitteeMembership))).all()
    }
    for slug, (chair, members) in _COMMITTEES.items():
        for local, role in [(chair, "chair")] + [(m, "member") for m in members]:
            key = (_id(committees[slug]), _id(users[local]))
            if key not in have_c:
                ctx.db.add(CommitteeMembership(committee_id=key[0], user_id=key[1], role=role))
                have_c.add(key)
                report.count("memberships")
    await _seed_threads(ctx, users, report)
    if added := await seed_decisions(ctx, users):
        report.count("proposals", added)
    if report.changed:
        ctx.audit("seed.demo_loaded", **report.created)
    return report


def _id(row: Network | Committee | User | Thread) -> int:
    assert row.id is not None  # flushed rows have their ids
    return row.id


async def _seed_threads(ctx: Context, users: dict[str, User], report: SeedReport) -> None:
    """Demo threads, written by their authors through the boards' own actions, so they are
    counted, searchable and marked read like any other."""
    titles = set((await ctx.db.exec(select(Thread.title))).all())
    operator = ctx.actor
    try:
        for slug, title, posts in _THREADS:
            if title in titles:
                continue
            (first_author, first_body), *replies = posts
            ctx.actor = users[first_author]
            thread, _ = await do_create_thread(ctx, slug, title=title, body=first_body)
            for author, body in replies:
                ctx.actor = users[author]
                await do_reply(ctx, _id(thread), body=body)
            report.count("threads")
    finally:
        ctx.actor = operator


async def demo_admin_exists(ctx: Context) -> bool:
    return (
        await ctx.db.exec(select(col(User.id)).where(User.email == DEMO_ADMIN))
    ).first() is not None
