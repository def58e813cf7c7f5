"""The one mail sender: SMTP (aiosmtplib) when HUB_SMTP_URL is set, else .eml files in the outbox.

Actions never send directly: hub.actions.mail.do_queue_mail writes a row and queues a job, and
the worker's deliver_mail job calls `send` here.
"""

from __future__ import annotations

import os
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from hub.config import Settings


def build_message(
    settings: Settings, to: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=urlsplit(settings.base_url).hostname or "localhost")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


async def send(settings: Settings, msg: EmailMessage) -> None:
    if settings.smtp_url:
        await _send_smtp(settings.smtp_url, msg)
    else:
        _write_eml(settings.outbox_dir, msg)


async def _send_smtp(url: str, msg: EmailMessage) -> None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    use_tls = parts.scheme == "smtps"
    await aiosmtplib.send(
        msg,
        hostname=parts.hostname or "localhost",
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=True if query.get("starttls") == ["1"] else None if not use_tls else False,
        timeout=30,
    )


def _write_eml(outbox: Path, msg: EmailMessage) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    msg_id = str(msg["Message-ID"]).strip("<>").split("@")[0]
    target = outbox / f"{msg_id}.eml"
    # Write then rename, so a reader of the outbox never sees half a message.
    fd, tmp = tempfile.mkstemp(dir=outbox, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(msg.as_bytes())
    os.replace(tmp, target)
    return target
