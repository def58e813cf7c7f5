"""Mailing notifications (N2, N3): after HUB_NOTIFY_MAIL_DELAY seconds a notification that is
still unread is claimed (a conditional UPDATE sets `mailed_at`) and, in the same transaction, its
mail is queued through the one sender (hub.actions.mail, workers/mail.py). A crash before the
commit leaves both undone for the next sweep; after it, the queued mail is delivered once by the
mail outbox. Notices of one person about one thing (a burst in a thread) share one mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import groupby

from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.context import Context, act
from hub.actions.mail import do_queue_mail_with
from hub.auth import LinkSigner
from hub.config import Settings
from hub.db import utcnow
from hub.i18n import gettext
from hub.i18n.script import for_script
from hub.models import Network, Notification, User
from hub.plumbing.runtime import Runtime
from hub.reads.notifications import KIND_TEXT
from hub.reads.notify_prefs import prefs_of

UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_VALID = 365 * 24 * 3600  # a year: old mails keep working


def unsubscribe_token(settings: Settings, user_id: int) -> str:
    return LinkSigner(settings.secret_key).sign(UNSUBSCRIBE, {"u": user_id})


def unsubscribe_user(settings: Settings, token: str) -> int | None:
    """The person a signed unsubscribe token is for; None if tampered with or foreign."""
    data = LinkSigner(settings.secret_key).load(UNSUBSCRIBE, token, UNSUBSCRIBE_VALID)
    user_id = data.get("u") if data else None
    return user_id if isinstance(user_id, int) else None


def list_headers(settings: Settings, user_id: int) -> dict[str, str]:
    """RFC 8058: an https (or, in development, http) URL, and the one-click POST marker."""
    url = f"{settings.base_url}/unsubscribe/{unsubscribe_token(settings, user_id)}"
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _mail(settings: Settings, user: User, notices: list[Notification]) -> tuple[str, str]:
    lang = user.language
    title = for_script(notices[0].title, lang)
    subject = gettext(lang, "SKGO networks: %(title)s", title=title)
    lines = [gettext(lang, "Hello %(name)s,", name=for_script(user.name, lang)), ""]
    lines.append(gettext(lang, "New for you about “%(title)s”:", title=title))
    lines += [f"- {gettext(lang, KIND_TEXT[n.kind])}" for n in notices]
    lines += ["", f"{settings.base_url}{notices[-1].url}", ""]
    settings_url = f"{settings.base_url}/profile/notifications"
    lines.append(gettext(lang, "Change what you receive: %(url)s", url=settings_url))
    stop = f"{settings.base_url}/unsubscribe/{unsubscribe_token(settings, user.id or 0)}"
    lines.append(gettext(lang, "Stop all notification mail: %(url)s", url=stop))
    return subject, "\n".join(lines) + "\n"


async def _due(ctx: Context, cutoff: dt.datetime) -> list[Notification]:
    rows = await ctx.db.exec(
        select(Notification)
        .where(
            col(Notification.mailed_at).is_(None),
            col(Notification.read_at).is_(None),
            col(Notification.created_at) <= cutoff,
        )
        .order_by(col(Notification.user_id), col(Notification.target), col(Notification.id))
        .limit(500)
    )
    return list(rows.all())


async def _claim(ctx: Context, ids: list[int], now: dt.datetime) -> bool:
    """Take these notices for mailing unless another sweep took them or they were read."""
    result = await ctx.db.exec(
        update(Notification)
        .where(
            col(Notification.id).in_(ids),
            col(Notification.mailed_at).is_(None),
            col(Notification.read_at).is_(None),
        )
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == len(ids)


async def mail_due_notifications(
    runtime: Runtime,
    now: dt.datetime | None = None,
    after_claim: Callable[[], None] | None = None,
) -> int:
    """One sweep (the cron): every person's unread notices older than the delay, one mail per
    person and thing, each in its own transaction; how many mails were queued. `after_claim`
    runs after each claim and its queued mail committed, before anything is sent (the worker's
    test-only kill point, workers/mail.py)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=runtime.settings.notify_mail_delay)
    async with act(runtime, system=True) as ctx:
        due = await _due(ctx, cutoff)
    queued = 0
    for (user_id, _target), group in groupby(due, key=lambda n: (n.user_id, n.target)):
        notices = list(group)
        try:
            async with act(runtime, system=True) as ctx:
                if not await _claim(ctx, [n.id or 0 for n in notices], now):
                    raise _Taken  # read or taken meanwhile: roll the partial claim back
                queued += await _queue(ctx, runtime.settings, user_id, notices)
        except _Taken:
            continue
        if after_claim is not None:
            after_claim()
    return queued


class _Taken(Exception):
    pass


async def _queue(
    ctx: Context, settings: Settings, user_id: int, notices: list[Notification]
) -> int:
    user = await ctx.db.get(User, user_id)
    if user is None or not user.is_active:
        return 0
    prefs = await prefs_of(ctx, user_id)
    slugs = await _slugs(ctx, {n.network_id for n in notices if n.network_id})
    wanted = [n for n in notices if prefs.mails(n.kind, slugs.get(n.network_id or 0))]
    if not wanted:
        return 0  # claimed all the same: not mailed, and not looked at again
    subject, body = _mail(settings, user, wanted)
    headers = list_headers(settings, user_id)
    await do_queue_mail_with(ctx, to=user.email, subject=subject, body=body, headers=headers)
    return 1


async def _slugs(ctx: Context, ids: set[int | None]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await ctx.db.exec(select(Network.id, Network.slug).where(col(Network.id).in_(ids)))
    return {int(i): s for i, s in rows.all() if i is not None}
