"""A real SMTP server (aiosmtpd) that catches mail, and the real arq worker run in burst mode.

Import the fixtures into a test module to use them:
    from tests.mailserver import smtp_server, smtp_settings  # noqa: F401
They provide `smtp` (the running server) and override `settings` in that module so the app
and the worker send by SMTP to it.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import warnings
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from arq.worker import Worker

from hub.config import Settings
from hub.plumbing.runtime import Runtime
from workers.settings import worker_kwargs


class Catcher:
    """aiosmtpd handler that keeps every message it accepts (the server runs in its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class MailServer:
    def __init__(self, catcher: Catcher, port: int) -> None:
        self.catcher = catcher
        self.port = port
        self.url = f"smtp://127.0.0.1:{port}"
        self._controller = Controller(catcher, hostname="127.0.0.1", port=port)
        self._running = False

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        """Stop listening (a test can then see what happens when the server is down)."""
        if self._running:
            self._controller.stop()
            self._running = False

    @property
    def messages(self) -> list[Message]:
        return self.catcher.messages

    def to(self, address: str) -> list[Message]:
        return self.catcher.to(address)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="smtp")
def smtp_server() -> Iterator[MailServer]:
    server = MailServer(Catcher(), _free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="settings")
def smtp_settings(settings: Settings, smtp: MailServer) -> Settings:
    return settings.with_(smtp_url=smtp.url)


async def run_worker(runtime: Runtime, *, crons_due: tuple[str, ...] = ()) -> Worker:
    """Run every queued job with the hub's real arq worker, then stop (burst mode).

    `crons_due` names cron jobs (`cron:mail_digests`) to run at once, as when their time comes.
    """
    kwargs = worker_kwargs()
    kwargs["cron_jobs"] = [
        dataclasses.replace(job, run_at_startup=True) if job.name in crons_due else job
        for job in kwargs["cron_jobs"]
    ]
    worker = Worker(
        **kwargs,
        redis_pool=runtime.jobs,
        ctx={"runtime": runtime},
        burst=True,
        handle_signals=False,
        poll_delay=0,
    )
    try:
        await worker.main()
    finally:
        # arq 0.28 closes its pool with redis-py's deprecated close(); warnings are errors here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()
    return worker


def body_of(message: Message) -> str:
    part = message.get_payload(decode=True) if not message.is_multipart() else None
    if isinstance(part, bytes):
        return part.decode(message.get_content_charset() or "utf-8")
    for sub in message.walk():
        if sub.get_content_type() == "text/plain":
            payload = sub.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(sub.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def link_in(message: Message, prefix: str) -> str:
    """The path of the first link starting with `prefix` (e.g. "/invite/") in the mail."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body_of(message))
    assert found, f"no {prefix} link in: {body_of(message)!r}"
    return found.group(1)
