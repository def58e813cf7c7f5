"""S10 for /ws: every malformed frame gets an error frame, nothing is written, and the socket
stays open (a following ping gets its pong), on SQLite and PostgreSQL.

The app is served in this process by uvicorn with the same websockets protocol as `hub serve`,
on the test's own database and Redis, so ids beyond the database's range reach PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from hub.plumbing.runtime import Runtime
from realtime.service import Realtime
from tests.conftest import PASSWORD, make_user
from tests.live import free_port
from tests.test_bad_input import row_counts
from tests.test_board_pages import NETWORKS, World, make_world
from tests.wsclient import Socket


@pytest.fixture
async def served(app: Any, seeded: Runtime) -> AsyncIterator[str]:
    """The app with its real-time service, served over HTTP and WebSocket; its base URL."""
    from hub.web.live import register

    register(seeded)
    service = Realtime(seeded)
    await service.start()
    app.state.realtime = service
    port = free_port()
    with warnings.catch_warnings():
        # The protocol `hub serve` keeps on purpose (hub.cli), with its deprecation notices.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"websockets\.")
        warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, ws="websockets", lifespan="off"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)  # waiting for the listener, not synchronising the test
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 30)
            await service.stop()


BAD_FRAMES: list[tuple[str | bytes, str]] = [
    ('{"type": "subscribe", "channel": "thread:2147483648"}', "not_found"),
    ('{"type": "subscribe", "channel": "thread:99999999999999999999"}', "not_found"),
    ('{"type": "subscribe", "channel": "thread:0"}', "not_found"),
    ('{"type": "subscribe", "channel": "user:99999999999999999999"}', "forbidden"),
    ("[" * 2000, "bad_request"),  # nested too deep for the parser
    ('{"type": "ping", "x": ' + "[" * 1500 + "]" * 1500 + "}", "bad_request"),
    ('{"type": "subscribe", "channel": "thread:\\u0663"}', "bad_request"),  # a Unicode digit
    ('{"type": "subscribe", "channel": "network:a\\u0000b"}', "bad_request"),
    ('{"type": "subscribe", "channel": "thread:1\\ud800"}', "bad_request"),
    ('{"type": "unsubscribe", "channel": "\\ud800"}', "bad_request"),
    ('{"type": "typing", "channel": "\\u202e\\u0000"}', "bad_request"),
    ('{"type": "\\ud800"}', "bad_request"),
    ('{"type": "subscribe", "channel": "network:mladi", "since": "\\u0663-1"}', "bad_request"),
    ('{"type": "subscribe", "channel": "network:mladi", "since": "1e400"}', "bad_request"),
    ('{"type": "subscribe", "channel": "network:mladi", "since": 1e400}', "bad_request"),
    (
        '{"type": "subscribe", "channel": "network:mladi", "since": 1' + "0" * 3000 + "}",
        "bad_request",
    ),
    ('{"type": "ping"} trailing', "bad_request"),
    (b"\xff\xfe\x00", "bad_request"),
]


async def test_malformed_frames_get_error_frames_and_the_socket_stays_open(
    served: str, seeded: Runtime, app: Any
) -> None:
    world: World = await make_world(seeded)
    await make_user(seeded, "ws@example.org", networks={NETWORKS["public"]: "member"})
    import httpx

    async with httpx.AsyncClient(base_url=served) as http:
        response = await http.post(
            "/api/v1/auth/token", json={"email": "ws@example.org", "password": PASSWORD}
        )
    sock = await Socket.open(served, response.json()["token"])
    try:
        before = await row_counts(seeded)
        for frame, code in BAD_FRAMES:
            start = len(sock.frames)
            await sock.send(frame)
            error = await sock.expect(start, type="error")
            assert error["code"] == code, (frame[:60], error)
            assert error["message"]
            await sock.ping()  # still open, and answering
            assert not sock.closed
        assert await row_counts(seeded) == before
        assert {f["type"] for f in sock.frames} == {"error", "pong"}
        channel = f"thread:{world.threads['public']}"
        assert (await sock.subscribe(channel))["type"] == "subscribed"
    finally:
        await sock.close()
