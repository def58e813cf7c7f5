"""Attachments as stored and served: the allow-listed types, where a file lives, the actor's
pending uploads, a post's files, and the access check that serves one (readers of the thread
only; a hidden or deleted post's files to moderators alone).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.models import Attachment, Network, Post, Thread
from hub.permissions import Action


@dataclass(frozen=True)
class FileType:
    content_type: str
    magic: tuple[bytes, ...]  # the file must start with one of these; () = text, checked as UTF-8
    inline: bool = False  # shown in the page (images) rather than only downloaded


_ZIP = (b"PK\x03\x04",)


ALLOWED: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", (b"%PDF-",)),
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",), inline=True),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",), inline=True),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",), inline=True),
    ".docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP
    ),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP
    ),
    ".odt": FileType("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": FileType("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".txt": FileType("text/plain; charset=utf-8", ()),
    ".csv": FileType("text/csv; charset=utf-8", ()),
}


def storage_dir(ctx: Context) -> Path:
    return ctx.runtime.settings.data_dir / "attachments"


def path_of(ctx: Context, attachment: Attachment) -> Path:
    return stored_path(ctx, attachment.stored_name)


def stored_path(ctx: Context, stored_name: str) -> Path:
    return storage_dir(ctx) / stored_name[:2] / stored_name


async def pending_uploads(ctx: Context, attachment_ids: list[int]) -> list[Attachment]:
    """The actor's own uploads among `attachment_ids` not yet attached to a post (a form that
    failed keeps them, so nothing is uploaded twice)."""
    if not attachment_ids or ctx.actor is None:
        return []
    rows = await ctx.db.exec(
        select(Attachment)
        .where(
            col(Attachment.id).in_(attachment_ids),
            Attachment.uploader_id == ctx.actor.id,
            col(Attachment.post_id).is_(None),
        )
        .order_by(col(Attachment.id))
    )
    return list(rows.all())


async def access_attachment(ctx: Context, attachment_id: int) -> tuple[Attachment, Path, bool]:
    """The attachment, its file and whether it may be shown inline; NotFound unless readable."""
    row = await ctx.db.exec(
        select(Attachment, Post, Thread, Network)
        .join(Post, col(Post.id) == Attachment.post_id)
        .join(Thread, col(Thread.id) == Post.thread_id)
        .join(Network, col(Network.id) == Thread.network_id)
        .where(Attachment.id == attachment_id)
    )
    found = row.first()
    if found is None:
        raise NotFound(N_("No such file."))
    attachment, post, _thread, network = found
    hidden = post.deleted_at is not None or (
        post.hidden_at is not None and not ctx.may(Action.MODERATE_NETWORK, network)
    )
    if not ctx.may(Action.VIEW_NETWORK, network) or hidden:
        raise NotFound(N_("No such file."))
    path = path_of(ctx, attachment)
    if not path.exists():
        raise NotFound(N_("No such file."))
    ext = os.path.splitext(attachment.filename)[1].lower()
    inline = ALLOWED.get(ext, FileType("", ())).inline
    return attachment, path, inline


async def attachments_of(ctx: Context, post_ids: list[int]) -> dict[int, list[Attachment]]:
    if not post_ids:
        return {}
    rows = await ctx.db.exec(
        select(Attachment).where(col(Attachment.post_id).in_(post_ids)).order_by(col(Attachment.id))
    )
    result: dict[int, list[Attachment]] = {}
    for attachment in rows.all():
        result.setdefault(attachment.post_id or 0, []).append(attachment)
    return result
