"""S11: uploads never attached count against a per-person quota (files and bytes), are removed
a day after upload by the worker's job, and are rate-limited per person (429)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from hub.actions import attachments
from hub.actions.context import act
from hub.actions.stale_uploads import do_remove_stale_uploads, remove_files
from hub.db import utcnow
from hub.i18n import gettext
from hub.models import Attachment
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.conftest import api_token, make_user, sign_in
from tests.mailserver import run_worker

NETWORK = "elektronska-uprava"
QUOTA_FILES = 3
QUOTA_MB = 1


def with_settings(runtime: Runtime, **changes: int) -> Runtime:
    base = {"uploads_per_minute": 0, "upload_quota_files": 0, "upload_quota_mb": 0}
    return dataclasses.replace(runtime, settings=runtime.settings.with_(**{**base, **changes}))


@dataclasses.dataclass
class Client:
    http: httpx.AsyncClient
    runtime: Runtime
    headers: dict[str, str]
    user_id: int


@pytest.fixture
def limits() -> dict[str, int]:
    return {}


@pytest.fixture
async def client(seeded: Runtime, limits: dict[str, int]) -> AsyncIterator[Client]:
    runtime = with_settings(seeded, **limits)
    user_id = await make_user(runtime, "otprema@nis.rs", networks={NETWORK: "member"})
    await make_user(runtime, "druga@nis.rs", networks={NETWORK: "member"})
    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        headers = await api_token(http, "otprema@nis.rs")
        yield Client(http, runtime, headers, user_id)


async def upload(
    client: Client,
    content: bytes = b"Zapisnik sa sastanka\n",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.http.post(
        "/api/v1/attachments",
        files={"file": ("zapisnik.txt", content, "text/plain")},
        headers=headers or client.headers,
    )


def files_on_disk(runtime: Runtime) -> list[Path]:
    root = runtime.settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def rows(runtime: Runtime) -> list[Attachment]:
    async with runtime.sessionmaker() as db:
        return list((await db.exec(select(Attachment).order_by(col(Attachment.id)))).all())


def assert_refused(answer: httpx.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    return str(error["message"])


@pytest.mark.parametrize("limits", [{"upload_quota_files": QUOTA_FILES}])
async def test_the_upload_over_the_file_quota_is_refused_and_stores_nothing(
    client: Client,
) -> None:
    ids = []
    for _ in range(QUOTA_FILES):
        answer = await upload(client)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    before = files_on_disk(client.runtime)
    assert len(before) == QUOTA_FILES

    message = assert_refused(await upload(client), 413, "quota_exceeded")
    # In the person's language (Serbian Latin by default), naming the quota.
    assert message == gettext("sr-Latn", attachments._QUOTA_FILES, count=QUOTA_FILES)
    assert message != attachments._QUOTA_FILES and str(QUOTA_FILES) in message
    assert files_on_disk(client.runtime) == before
    assert len(await rows(client.runtime)) == QUOTA_FILES

    other = await api_token(client.http, "druga@nis.rs")  # the quota is per person
    assert (await upload(client, headers=other)).status_code == 201

    # Attached files no longer count: a post with two of them frees two places.
    made = await client.http.post(
        f"/api/v1/networks/{NETWORK}/threads",
        json={"title": "Zapisnici", "body": "U prilogu", "attachments": ids[:2]},
        headers=client.headers,
    )
    assert made.status_code == 201, made.text
    assert (await upload(client)).status_code == 201
    assert (await upload(client)).status_code == 201
    assert_refused(await upload(client), 413, "quota_exceeded")


@pytest.mark.parametrize("limits", [{"upload_quota_mb": QUOTA_MB}])
async def test_the_upload_over_the_byte_quota_is_refused_and_leaves_no_file(
    client: Client,
) -> None:
    most = QUOTA_MB * 1024 * 1024
    assert (await upload(client, b"a" * (most * 2 // 3))).status_code == 201
    before = files_on_disk(client.runtime)
    message = assert_refused(await upload(client, b"b" * (most // 2)), 413, "quota_exceeded")
    assert str(QUOTA_MB) in message
    assert files_on_disk(client.runtime) == before  # no stored file and no half-written .part
    assert len(await rows(client.runtime)) == 1
    assert (await upload(client, b"c" * (most // 4))).status_code == 201  # what fits still does


@pytest.mark.parametrize("limits", [{"upload_quota_files": QUOTA_FILES}])
async def test_uploads_at_once_cannot_pass_the_quota_together(client: Client) -> None:
    answers = await asyncio.gather(*(upload(client) for _ in range(10)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * QUOTA_FILES + [413] * (10 - QUOTA_FILES), [a.text for a in answers]
    assert len(await rows(client.runtime)) == QUOTA_FILES
    assert len(files_on_disk(client.runtime)) == QUOTA_FILES


@pytest.mark.parametrize("limits", [{"upload_quota_files": 1}])
async def test_a_form_over_the_quota_shows_the_error_and_keeps_the_text(client: Client) -> None:
    assert (await upload(client)).status_code == 201
    thread = await client.http.post(
        f"/api/v1/networks/{NETWORK}/threads",
        json={"title": "Tema", "body": "Prva"},
        headers=client.headers,
    )
    thread_id = thread.json()["thread"]["id"]
    await sign_in(client.http, "otprema@nis.rs")
    page = await client.http.get(f"/threads/{thread_id}")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    text = "Odgovor koji ne sme da se izgubi"
    answer = await client.http.post(
        f"/threads/{thread_id}/posts",
        files={
            "csrf_token": (None, token),  # first: the token is read from the first part
            "body": (None, text),
            "attachments": ("prilog.txt", b"prilog\n", "text/plain"),
        },
    )
    assert answer.status_code == 413
    assert text in answer.text
    assert gettext("sr-Latn", attachments._QUOTA_FILES, count=1) in answer.text.replace(
        "&#39;", "'"
    )
    assert len(await rows(client.runtime)) == 1


@pytest.mark.parametrize("limits", [{"uploads_per_minute": 3}])
async def test_uploads_over_the_rate_limit_get_429_and_store_nothing(client: Client) -> None:
    for _ in range(3):
        assert (await upload(client)).status_code == 201
    before = files_on_disk(client.runtime)
    refused = await upload(client)
    assert_refused(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert files_on_disk(client.runtime) == before
    assert len(await rows(client.runtime)) == 3
    other = await api_token(client.http, "druga@nis.rs")  # the limit is per person
    assert (await upload(client, headers=other)).status_code == 201


async def _age(runtime: Runtime, attachment_ids: list[int], hours: int) -> None:
    async with runtime.sessionmaker() as db:
        await db.exec(
            update(Attachment)
            .where(col(Attachment.id).in_(attachment_ids))
            .values(created_at=utcnow() - dt.timedelta(hours=hours))
        )
        await db.commit()


async def _stored(client: Client) -> tuple[int, Path]:
    answer = await upload(client)
    assert answer.status_code == 201, answer.text
    async with client.runtime.sessionmaker() as db:
        row = await db.get(Attachment, answer.json()["id"])
    assert row is not None
    path = client.runtime.settings.data_dir / "attachments" / row.stored_name[:2] / row.stored_name
    assert path.exists()
    return answer.json()["id"], path


async def test_the_worker_removes_only_old_unattached_uploads(client: Client) -> None:
    old, old_path = await _stored(client)
    fresh, fresh_path = await _stored(client)
    attached, attached_path = await _stored(client)
    made = await client.http.post(
        f"/api/v1/networks/{NETWORK}/threads",
        json={"title": "Prilog", "body": "Evo", "attachments": [attached]},
        headers=client.headers,
    )
    assert made.status_code == 201
    await _age(client.runtime, [old, attached], hours=25)
    await _age(client.runtime, [fresh], hours=23)
    # A half-written upload a crash left two days ago goes too; one being written now stays.
    abandoned = old_path.parent / "abandoned.part"
    abandoned.write_bytes(b"pola")
    two_days_ago = time.time() - 2 * 86400
    os.utime(abandoned, (two_days_ago, two_days_ago))
    writing = old_path.parent / "writing.part"
    writing.write_bytes(b"pola")

    worker = await run_worker(client.runtime)  # the real arq worker runs its startup cron jobs

    assert worker.jobs_failed == 0
    assert [a.id for a in await rows(client.runtime)] == [fresh, attached]
    assert not old_path.exists() and not abandoned.exists()
    assert fresh_path.exists() and attached_path.exists() and writing.exists()
    again = await run_worker(client.runtime)  # idempotent: nothing more to do, no error
    assert again.jobs_failed == 0
    assert [a.id for a in await rows(client.runtime)] == [fresh, attached]


async def test_two_removals_at_once_remove_each_upload_once(client: Client) -> None:
    stored = [await _stored(client) for _ in range(6)]
    await _age(client.runtime, [i for i, _ in stored], hours=30)

    async def remove() -> list[Path]:
        async with act(client.runtime, system=True) as ctx:
            paths = await do_remove_stale_uploads(ctx)
        remove_files(paths)
        return paths

    first, second = await asyncio.gather(remove(), remove())
    assert sorted(first + second) == sorted(path for _, path in stored)
    assert not any(path.exists() for _, path in stored)
    async with client.runtime.sessionmaker() as db:
        left = (await db.exec(select(func.count()).select_from(Attachment))).one()
    assert left == 0


async def test_people_cannot_run_the_removal(client: Client) -> None:
    from hub.actions.errors import Forbidden

    with pytest.raises(Forbidden):
        async with act(client.runtime, actor_id=client.user_id) as ctx:
            await do_remove_stale_uploads(ctx)
