"""Attachments: allow-listed types checked by content, a size limit, generated file names.

Files live under HUB_DATA_DIR/attachments/<2 hex>/<random name>, outside static files, and are
served only to people who may read the thread, with Content-Disposition and nosniff.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from typing import BinaryIO

from sqlalchemy import func, update
from sqlmodel import col, select

from hub import ratelimit
from hub.actions.context import Context
from hub.actions.errors import N_, ActionError, Invalid, RateLimited
from hub.models import Attachment, Post, User
from hub.reads.attachments import ALLOWED, FileType, path_of, storage_dir

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_POST = 5
_CHUNK = 64 * 1024


class TooLarge(ActionError):
    status = 413
    code = "too_large"


class QuotaExceeded(TooLarge):
    """Over the per-person quota of uploads not yet attached to a post (S11)."""

    code = "quota_exceeded"


class UnsupportedType(ActionError):
    status = 422
    code = "unsupported_type"


def clean_filename(name: str) -> str:
    """The uploader's file name for display only: no path, no control characters, no bidi
    controls ("\u202eFDP.exe.txt" would show reversed) or other invisible format characters
    except the joiners (emoji sequences, some scripts), no broken (surrogate) characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if _kept_in_filename(c))
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "", name).strip(" .")
    return name[-150:] or "file"


def _kept_in_filename(char: str) -> bool:
    category = unicodedata.category(char)
    return char in "\u200c\u200d" or category not in ("Cc", "Cf", "Cs", "Zl", "Zp")


def _check_type(filename: str, head: bytes, sample: bytes) -> FileType:
    ext = os.path.splitext(filename)[1].lower()
    kind = ALLOWED.get(ext)
    if kind is None:
        raise UnsupportedType(
            N_("Files of this type cannot be attached. Allowed: %(types)s."),
            field="attachments",
            types=", ".join(sorted(e.lstrip(".") for e in ALLOWED)),
        )
    if kind.magic and not any(head.startswith(m) for m in kind.magic):
        raise UnsupportedType(
            N_("The file's content does not match its type."), field="attachments"
        )
    if not kind.magic:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # a cut multi-byte character at the end is fine
                raise UnsupportedType(
                    N_("The file's content does not match its type."), field="attachments"
                ) from None
    return kind


_QUOTA_FILES = N_(
    "You have %(count)d uploaded files that are not attached to a post, the most allowed. "
    "Attach them to a post first: files left unattached are removed after a day."
)
_QUOTA_BYTES = N_(
    "Your uploaded files that are not attached to a post would take more than %(mb)d MB. "
    "Attach them to a post first: files left unattached are removed after a day."
)


async def unattached_of(ctx: Context, user_id: int) -> tuple[int, int]:
    """How many files the person uploaded and has not attached to a post, and their bytes."""
    row = await ctx.db.exec(
        select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.uploader_id == user_id, col(Attachment.post_id).is_(None)
        )
    )
    files, size = row.one()
    return int(files), int(size)


def _over_quota(ctx: Context, files: int, size: int) -> QuotaExceeded | None:
    settings = ctx.runtime.settings
    if settings.upload_quota_files and files > settings.upload_quota_files:
        return QuotaExceeded(_QUOTA_FILES, field="attachments", count=settings.upload_quota_files)
    if settings.upload_quota_mb and size > settings.upload_quota_mb * 1024 * 1024:
        return QuotaExceeded(_QUOTA_BYTES, field="attachments", mb=settings.upload_quota_mb)
    return None


async def _check_quota_counted(ctx: Context, user_id: int) -> None:
    """The quota, counted with the new row in place and the uploader's row locked, so two
    uploads at once cannot both slip under it (SQLite has one writer at a time anyway)."""
    await ctx.db.exec(select(User.id).where(User.id == user_id).with_for_update(key_share=True))
    error = _over_quota(ctx, *await unattached_of(ctx, user_id))
    if error is not None:
        raise error


async def check_upload_rate(ctx: Context, user_id: int, files: int) -> None:
    """At most HUB_UPLOADS_PER_MINUTE files a minute per person (S11); a refused upload
    writes nothing."""
    limit = ctx.runtime.settings.uploads_per_minute
    if limit <= 0:
        return
    key = f"upload:user:{user_id}"
    wait = await ratelimit.blocked_for(ctx.runtime.redis, key, limit)
    if wait:
        raise RateLimited(
            N_("You are uploading very fast. Try again in %(seconds)d seconds."),
            retry_after=wait,
            seconds=wait,
        )
    for _ in range(files):
        await ratelimit.hit(ctx.runtime.redis, key, 60)


async def do_store_upload(ctx: Context, *, filename: str, stream: BinaryIO) -> Attachment:
    """Store an uploaded file as a not-yet-attached Attachment of the actor, within the
    person's quota of unattached uploads (checked before anything is written)."""
    user = ctx.require_user()
    assert user.id is not None
    held_files, held_bytes = await unattached_of(ctx, user.id)
    error = _over_quota(ctx, held_files + 1, held_bytes + 1)
    if error is not None:
        raise error
    head = stream.read(8192)
    kind = _check_type(clean_filename(filename), head, head)
    stored_name = secrets.token_hex(16)
    target = storage_dir(ctx) / stored_name[:2] / stored_name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    tmp = target.with_suffix(".part")
    try:
        with tmp.open("wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > MAX_ATTACHMENT_BYTES:
                    raise TooLarge(
                        N_("A file may be at most %(mb)d MB."),
                        field="attachments",
                        mb=MAX_ATTACHMENT_BYTES // (1024 * 1024),
                    )
                error = _over_quota(ctx, held_files + 1, held_bytes + size)
                if error is not None:
                    raise error
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(_CHUNK)
        if size == 0:
            raise Invalid(N_("The file is empty."), field="attachments")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    attachment = Attachment(
        uploader_id=user.id,
        filename=clean_filename(filename),
        stored_name=stored_name,
        content_type=kind.content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
    try:
        ctx.db.add(attachment)
        await ctx.db.flush()
        await _check_quota_counted(ctx, user.id)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return attachment


async def do_store_uploads(ctx: Context, files: list[tuple[str, BinaryIO]]) -> list[Attachment]:
    """Store several uploads, all or none: on an error the files already written are removed
    (their rows go with the rolled-back transaction)."""
    if len(files) > MAX_ATTACHMENTS_PER_POST:
        raise Invalid(
            N_("At most %(max)d files per post."), field="attachments", max=MAX_ATTACHMENTS_PER_POST
        )
    await check_upload_rate(ctx, ctx.require_user().id or 0, len(files))
    stored: list[Attachment] = []
    try:
        for filename, stream in files:
            stored.append(await do_store_upload(ctx, filename=filename, stream=stream))
    except BaseException:
        for attachment in stored:
            path_of(ctx, attachment).unlink(missing_ok=True)
        raise
    return stored


async def claim_uploads(ctx: Context, post: Post, attachment_ids: list[int]) -> list[Attachment]:
    """Attach the actor's own unattached uploads to `post`."""
    if not attachment_ids:
        return []
    if len(attachment_ids) > MAX_ATTACHMENTS_PER_POST:
        raise Invalid(
            N_("At most %(max)d files per post."), field="attachments", max=MAX_ATTACHMENTS_PER_POST
        )
    user = ctx.require_user()
    # One conditional UPDATE: an upload claimed by two posts at once, or removed as stale
    # meanwhile, is attached at most once, and then to nothing else.
    claimed = await ctx.db.exec(
        update(Attachment)
        .where(
            col(Attachment.id).in_(attachment_ids),
            col(Attachment.uploader_id) == user.id,
            col(Attachment.post_id).is_(None),
        )
        .values(post_id=post.id)
        .returning(col(Attachment.id))
        .execution_options(synchronize_session=False)
    )
    claimed_ids = [row[0] for row in claimed.all()]
    if len(claimed_ids) != len(set(attachment_ids)):
        raise Invalid(N_("Unknown attachment."), field="attachments")
    rows = await ctx.db.exec(
        select(Attachment)
        .where(col(Attachment.id).in_(claimed_ids))
        .order_by(col(Attachment.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())
