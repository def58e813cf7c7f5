"""A real `kill -9` of a real `hub worker` between creating a notification's mail and sending
it: another worker mails every notification exactly once (N2, acceptance of issue 12).

The first worker is tests/kill_worker.py, the real worker with a hook: right after its sweep
committed the first claim and its queued mail, it sends itself SIGKILL, before any mail is sent.
The second worker, a plain `hub worker`, delivers the queued mail and sweeps the rest."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import pytest
from sqlmodel import col, select

from hub.actions.notify_mail import mail_due_notifications
from hub.db import utcnow
from hub.models import MailMessage, Notification
from hub.plumbing.runtime import Runtime
from tests.live import HUB, hub_worker, until
from tests.mailserver import MailServer, smtp_server, smtp_settings  # noqa: F401
from tests.proposal_helpers import make_people
from tests.test_notification_api import mention
from workers.mail import reconcile_mail

ADDRESSES = ("member@example.org", "coordinator@example.org")


KILLING_WORKER = (sys.executable, "-m", "tests.kill_worker")


def worker(
    rt: Runtime, root: Path, name: str, command: Sequence[str] = (*HUB, "worker")
) -> AbstractContextManager[Popen[bytes]]:
    return hub_worker(
        rt, root, name, command, HUB_SMTP_URL=rt.settings.smtp_url or "", HUB_NOTIFY_MAIL_DELAY="0"
    )


async def _state(rt: Runtime) -> tuple[int, int, list[str]]:
    """(notifications claimed, notifications in all, the outbox's statuses)."""
    async with rt.sessionmaker() as db:
        notices = list((await db.exec(select(Notification))).all())
        outbox = await db.exec(select(MailMessage.status).order_by(col(MailMessage.id)))
        statuses = list(outbox.all())
    return sum(n.mailed_at is not None for n in notices), len(notices), statuses


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def test_kill_9_between_the_claim_and_the_mail_still_mails_once(
    seeded: Runtime, people: dict[str, int], smtp: MailServer, tmp_path: Path
) -> None:
    rt = seeded
    # two threads mentioning two people: four notices, four mails (one per person and thread)
    await mention(rt, people["author"], [people["member"], people["coordinator"]], times=2)
    assert await _state(rt) == (0, 4, [])

    with worker(rt, tmp_path, "w1", command=KILLING_WORKER) as first:

        async def dead() -> bool:
            return first.poll() is not None

        await until(dead, "the first worker to die", timeout=60)
    assert first.returncode == -signal.SIGKILL  # a real kill -9, by itself, after a claim
    claimed, total, outbox = await _state(rt)
    assert (claimed, total, outbox) == (1, 4, ["pending"])  # claimed and queued, not sent
    assert smtp.messages == []

    async def all_sent() -> bool:
        claimed, _total, outbox = await _state(rt)
        return claimed == 4 and outbox == ["sent"] * 4

    with worker(rt, tmp_path, "w2"):
        await until(all_sent, "every notice mailed")
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(ADDRESSES * 2)
    # and nothing is left to send again
    assert await mail_due_notifications(rt, utcnow()) == 0
    assert await reconcile_mail({"runtime": rt}) == 0
    assert len(smtp.messages) == 4
