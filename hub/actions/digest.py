"""The digest (docs/notifications.md): daily or weekly per person, from HUB_DIGEST_HOUR (UTC;
weekly ones on Mondays). A cron calls `send_digests`; for each person whose period has begun
and who has no digest for it yet, one transaction claims the period (a row in digests_sent,
unique per person and period start) and queues the mail through the one sender. Two workers
at once, or a worker killed mid-run, still make one digest per person and period: the claim
and the queued mail commit together or not at all, and the mail outbox delivers it once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import Context, act
from hub.actions.mail import do_queue_mail_with
from hub.actions.notify_mail import list_headers, unsubscribe_token
from hub.config import Settings
from hub.db import utcnow
from hub.i18n import format_datetime_in_text, gettext, ngettext
from hub.i18n.script import for_script
from hub.models import DigestSent, NotificationPrefs, User
from hub.plumbing.runtime import Runtime
from hub.reads.digest_content import Digest, Item, collect
from hub.reads.notify_prefs import prefs_of
from hub.upsert import insert_ignore

LENGTH = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}
DEFAULT = "weekly"  # as in hub.actions.notify_prefs: no settings row means a weekly digest


def period_start(period: str, now: dt.datetime, hour: int) -> dt.datetime:
    """When the period holding `now` began: the last `hour` o'clock (UTC), on a Monday if weekly."""
    start = now.astimezone(dt.UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    if start > now:
        start -= dt.timedelta(days=1)
    if period == "weekly":
        start -= dt.timedelta(days=start.weekday())
    return start


async def due_digests(runtime: Runtime, now: dt.datetime) -> list[tuple[int, str, dt.datetime]]:
    """(person, period, its start) for every active person with a digest not yet claimed."""
    hour = runtime.settings.digest_hour
    starts = {p: period_start(p, now, hour) for p in LENGTH}
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(User.id, func.coalesce(NotificationPrefs.digest, DEFAULT))
            .outerjoin(NotificationPrefs, col(NotificationPrefs.user_id) == User.id)
            .where(col(User.is_active).is_(True))
            .order_by(col(User.id))
        )
        people = [(int(u or 0), str(p)) for u, p in rows.all() if p in LENGTH]
        claimed = await db.exec(
            select(DigestSent.user_id, DigestSent.period_start).where(
                col(DigestSent.period_start).in_(set(starts.values()))
            )
        )
        taken = {(int(u), s) for u, s in claimed.all()}
    return [(u, p, starts[p]) for u, p in people if (u, starts[p]) not in taken]


async def send_digests(runtime: Runtime, now: dt.datetime | None = None) -> int:
    """One run of the cron: every due digest, each in its own transaction; how many mails were
    queued (a period with nothing to tell is claimed without a mail)."""
    now = now or utcnow()
    queued = 0
    for user_id, period, start in await due_digests(runtime, now):
        async with act(runtime, actor_id=user_id) as ctx:
            queued += await _digest_of(ctx, period, start, now)
    return queued


async def _digest_of(ctx: Context, period: str, start: dt.datetime, now: dt.datetime) -> int:
    user = ctx.actor
    if user is None or user.id is None:  # deactivated meanwhile
        return 0
    if (await prefs_of(ctx, user.id)).digest != period:  # changed meanwhile: the next run
        return 0
    previous = (
        await ctx.db.exec(select(func.max(DigestSent.sent_at)).where(DigestSent.user_id == user.id))
    ).one()
    since = now - LENGTH[period]  # since the last digest, but at most one period back
    if previous is not None:
        since = max(since, previous)
    digest = await collect(ctx, now, since)
    values: dict[str, Any] = {
        "user_id": user.id,
        "period": period,
        "period_start": start,
        "sent_at": now,
        "items": digest.size,
    }
    if await insert_ignore(ctx.db, DigestSent, values, ["user_id", "period_start"]) is None:
        return 0  # another worker claimed it first
    if digest.size == 0:
        return 0  # nothing to tell: claimed, no mail
    subject, body = digest_mail(ctx.runtime.settings, user, period, digest)
    headers = list_headers(ctx.runtime.settings, user.id)
    await do_queue_mail_with(ctx, to=user.email, subject=subject, body=body, headers=headers)
    return 1


def _line(lang: str, item: Item) -> str:
    title = for_script(item.title, lang)
    if item.when is not None:
        when = format_datetime_in_text(item.when, lang)
        return gettext(lang, "%(title)s (closes %(when)s)", title=title, when=when)
    if item.count:
        posts = ngettext(lang, "%(num)s new post", "%(num)s new posts", item.count)
        return f"{title} ({posts})"
    if item.note:
        return f"{title} ({gettext(lang, item.note)})"
    return title


def digest_mail(settings: Settings, user: User, period: str, digest: Digest) -> tuple[str, str]:
    """The digest's subject and plain text, in the reader's language and script."""
    lang = user.language
    if period == "daily":
        subject = gettext(lang, "SKGO networks: your daily digest")
    else:
        subject = gettext(lang, "SKGO networks: your weekly digest")
    lines = [gettext(lang, "Hello %(name)s,", name=for_script(user.name, lang)), ""]
    for part, groups in (
        (gettext(lang, "For you to do"), digest.to_do()),
        (gettext(lang, "What happened"), digest.happened()),
    ):
        shown = [(heading, items) for heading, items in groups if items]
        if not shown:
            continue
        lines += [part.upper(), ""]
        for heading, items in shown:
            lines.append(f"{gettext(lang, heading)}:")
            for item in items:
                lines += [f"- {_line(lang, item)}", f"  {settings.base_url}{item.url}"]
            lines.append("")
    settings_url = f"{settings.base_url}/profile/notifications"
    lines.append(gettext(lang, "Change what you receive: %(url)s", url=settings_url))
    stop = f"{settings.base_url}/unsubscribe/{unsubscribe_token(settings, user.id or 0)}"
    lines.append(gettext(lang, "Stop all notification mail: %(url)s", url=stop))
    return subject, "\n".join(lines) + "\n"
