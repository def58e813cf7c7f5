"""Attachments through the actions: allowed types by content, the size limit, names, access."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from hub.actions.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_POST,
    TooLarge,
    UnsupportedType,
    do_store_upload,
)
from hub.actions.context import act
from hub.actions.errors import Invalid, NotFound
from hub.actions.post_changes import do_delete_post
from hub.actions.posts import do_reply
from hub.actions.threads import do_create_thread
from hub.models import Attachment, Post
from hub.plumbing.runtime import Runtime
from hub.reads.attachments import access_attachment, storage_dir
from hub.reads.posts import access_post, load_post_views
from tests.conftest import make_user

OPEN = "elektronska-uprava"
CLOSED = "romska-pitanja"  # members only

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return {
        "ana": await make_user(seeded, "ana@nis.rs", networks={OPEN: "member", CLOSED: "member"}),
        "bojan": await make_user(seeded, "bojan@cacak.rs", networks={OPEN: "member"}),
    }


async def upload(rt: Runtime, uid: int, filename: str, content: bytes) -> Attachment:
    async with act(rt, actor_id=uid) as ctx:
        return await do_store_upload(ctx, filename=filename, stream=io.BytesIO(content))


def stored_files(rt: Runtime) -> list[Path]:
    root = rt.settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_allowed_types_are_stored_under_generated_names(
    seeded: Runtime, people: dict[str, int]
) -> None:
    samples = {
        "Izveštaj 2024.pdf": (PDF, "application/pdf"),
        "mapa.PNG": (PNG, "image/png"),
        "odluka.docx": (docx(), "application/vnd.openxmlformats-officedocument"),
        "spisak.csv": ("ime;opština\nAna;Niš\n".encode(), "text/csv"),
        "beleška.txt": ("Ćirilica: чланови".encode(), "text/plain"),
    }
    for name, (content, content_type) in samples.items():
        attachment = await upload(seeded, people["ana"], name, content)
        assert attachment.filename == name
        assert attachment.content_type.startswith(content_type)
        assert attachment.size == len(content)
        assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
        async with act(seeded, actor_id=people["ana"]) as ctx:
            path = storage_dir(ctx) / attachment.stored_name[:2] / attachment.stored_name
        assert path.read_bytes() == content
    names = {p.name for p in stored_files(seeded)}
    assert len(names) == len(samples)
    assert not any(Path(n).stem in names or n in names for n in samples)


async def test_uploaded_name_never_reaches_the_disk(
    seeded: Runtime, people: dict[str, int]
) -> None:
    attachment = await upload(seeded, people["ana"], "../../etc/passwd.txt", b"root:x:0:0")
    assert attachment.filename == "passwd.txt"
    [path] = stored_files(seeded)
    assert path.name == attachment.stored_name
    assert path.is_relative_to(seeded.settings.data_dir / "attachments")
    odd = await upload(seeded, people["ana"], 'C:\\temp\\"<a>"\x00.txt', b"x")
    assert odd.filename == "a.txt"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("setup.exe", b"MZ\x90\x00"),
        ("strana.html", b"<html><script>alert(1)</script></html>"),
        ("crtez.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("bez-tipa", b"%PDF-1.7"),
        ("skripta.js", b"alert(1)"),
        ("lazni.pdf", b"<!doctype html><html><body>Not a PDF</body></html>"),
        ("lazna.png", b"GIF89a\x01\x00"),
        ("lazni.docx", b"%PDF-1.7"),
        ("binarni.txt", b"\xff\xfe\x00\x00\x89PNG" + bytes(range(128, 256))),
    ],
)
async def test_disallowed_or_mismatched_types_are_refused(
    seeded: Runtime, people: dict[str, int], filename: str, content: bytes
) -> None:
    with pytest.raises(UnsupportedType) as refused:
        await upload(seeded, people["ana"], filename, content)
    assert refused.value.status == 422 and refused.value.field == "attachments"
    assert stored_files(seeded) == []
    async with act(seeded, system=True) as ctx:
        assert (await ctx.db.exec(select(Attachment))).all() == []


async def test_too_large_leaves_nothing_behind(seeded: Runtime, people: dict[str, int]) -> None:
    content = PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    with pytest.raises(TooLarge) as refused:
        await upload(seeded, people["ana"], "veliki.pdf", content)
    assert refused.value.status == 413
    assert stored_files(seeded) == []
    async with act(seeded, system=True) as ctx:
        assert (await ctx.db.exec(select(Attachment))).all() == []
    exact = await upload(seeded, people["ana"], "tacno.pdf", content[:-1])  # the limit itself
    assert exact.size == MAX_ATTACHMENT_BYTES
    with pytest.raises(Invalid):
        await upload(seeded, people["ana"], "prazan.txt", b"")


async def _post_with(rt: Runtime, uid: int, slug: str, ids: list[int]) -> int:
    async with act(rt, actor_id=uid) as ctx:
        _thread, post = await do_create_thread(
            ctx, slug, title="Prilog", body="Vidi prilog", attachment_ids=ids
        )
        return post.id or 0


async def test_attachments_belong_to_their_uploader_and_post(
    seeded: Runtime, people: dict[str, int]
) -> None:
    mine = await upload(seeded, people["ana"], "a.pdf", PDF)
    theirs = await upload(seeded, people["bojan"], "b.pdf", PDF)
    with pytest.raises(Invalid):  # someone else's upload
        await _post_with(seeded, people["ana"], OPEN, [mine.id or 0, theirs.id or 0])
    post = await _post_with(seeded, people["ana"], OPEN, [mine.id or 0])
    async with act(seeded, actor_id=people["ana"]) as ctx:
        thread_id = (await ctx.db.get(Post, post)).thread_id  # type: ignore[union-attr]
    with pytest.raises(Invalid):  # already attached to a post
        async with act(seeded, actor_id=people["ana"]) as ctx:
            await do_reply(ctx, thread_id, body="Opet", attachment_ids=[mine.id or 0])
    many = [(await upload(seeded, people["ana"], f"{i}.txt", b"x")).id or 0 for i in range(6)]
    assert len(many) > MAX_ATTACHMENTS_PER_POST
    with pytest.raises(Invalid):
        async with act(seeded, actor_id=people["ana"]) as ctx:
            await do_reply(ctx, thread_id, body="Previše", attachment_ids=many)
    async with act(seeded, actor_id=people["bojan"]) as ctx:
        attached, _path, _inline = await access_attachment(ctx, mine.id or 0)
        _post, _thread, network = await access_post(ctx, post)
        [view] = await load_post_views(ctx, network, [post])
    assert attached.post_id == post
    assert [a.id for a in view.attachments] == [mine.id]


async def test_access_only_for_readers_of_a_living_post(
    seeded: Runtime, people: dict[str, int]
) -> None:
    png = await upload(seeded, people["ana"], "slika.png", PNG)
    pdf = await upload(seeded, people["ana"], "dokument.pdf", PDF)
    post = await _post_with(seeded, people["ana"], CLOSED, [png.id or 0, pdf.id or 0])

    async with act(seeded, actor_id=people["ana"]) as ctx:
        _attachment, path, inline = await access_attachment(ctx, png.id or 0)
        assert path.read_bytes() == PNG and inline is True
        _a, _p, pdf_inline = await access_attachment(ctx, pdf.id or 0)
        assert pdf_inline is False  # documents are downloaded, never shown in the page
    for who in (people["bojan"], None):  # not a member of a members-only network
        async with act(seeded, actor_id=who) as ctx:
            with pytest.raises(NotFound):
                await access_attachment(ctx, png.id or 0)

    unattached = await upload(seeded, people["ana"], "jos.pdf", PDF)
    async with act(seeded, actor_id=people["ana"]) as ctx:
        with pytest.raises(NotFound):  # not part of a post yet
            await access_attachment(ctx, unattached.id or 0)
        with pytest.raises(NotFound):
            await access_attachment(ctx, 999_999)

    async with act(seeded, actor_id=people["ana"]) as ctx:
        await do_delete_post(ctx, post)
    async with act(seeded, actor_id=people["ana"]) as ctx:
        with pytest.raises(NotFound):
            await access_attachment(ctx, png.id or 0)
