"""Votes through two real `hub serve` instances (PostgreSQL when HUB_TEST_POSTGRES_URL is set,
else one SQLite file): V1 (50 parallel requests from one voter: one row), V2 (200 votes and
changes from 50 voters: the tally is each voter's last choice), V4 (votes racing a close: every
accepted ballot is counted, late ones are 409, the result never changes), the cron close and the
on-read close with their events reaching a socket on the other instance, and V5 (a secret
ballot's choices and reasons in no output: API, events on the bus and in the outbox, logs,
audit)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from hub.config import load_settings
from hub.db import make_engine, utcnow
from realtime.bus import stream_key
from tests.proposal_helpers import BODY
from tests.test_realtime import (  # noqa: F401 (fixtures)
    Cluster,
    Instance,
    auth,
    cluster,
    cluster_once,
    connect,
    http,
)

NETWORK = "javne-nabavke"
COORDINATOR = "zoran.lazic"
AUTHOR = "ana.jovanovic"
VOTERS = 50
PASSWORD = "glasanje-lozinka-123"


@pytest.fixture(scope="module")
def voters(cluster_once: Cluster) -> Iterator[list[str]]:  # noqa: F811
    """50 members of the network, signed in (their tokens in cluster.tokens)."""
    c = cluster_once
    for local in (COORDINATOR, AUTHOR):
        if local not in c.tokens:
            c.sign_in(local)
    names = [f"glasac{i:02d}" for i in range(VOTERS)]
    admin = auth(c, "admin")
    for name in names:
        made = c.http.post(
            f"{c.a.url}/api/v1/users",
            json={"email": f"{name}@example.org", "name": name.title(), "password": PASSWORD},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        uid = made.json()["id"]
        joined = c.http.put(
            f"{c.a.url}/api/v1/networks/{NETWORK}/members/{uid}",
            json={"role": "member"},
            headers=admin,
        )
        assert joined.status_code == 200, joined.text
        token = c.http.post(
            f"{c.a.url}/api/v1/auth/token",
            json={"email": f"{name}@example.org", "password": PASSWORD},
        )
        assert token.status_code == 200, token.text
        c.tokens[name] = token.json()["token"]
        c.user_ids[name] = uid
    yield names


async def open_vote(
    client: httpx.AsyncClient, c: Cluster, *, ballot: str = "open", quorum: int = 0
) -> int:
    """A proposal written, submitted, approved and put to the vote, through instance a."""
    a = c.a.url
    made = await client.post(
        f"{a}/api/v1/networks/{NETWORK}/proposals", json=BODY, headers=auth(c, AUTHOR)
    )
    assert made.status_code == 201, made.text
    pid = int(made.json()["id"])
    for path, who, body in (
        ("submit", AUTHOR, None),
        ("review", COORDINATOR, {"action": "approve"}),
        (
            "voting",
            COORDINATOR,
            {
                "closes_at": (utcnow() + dt.timedelta(hours=1)).isoformat(),
                "quorum": quorum,
                "threshold": 50,
                "ballot": ballot,
            },
        ),
    ):
        done = await client.post(
            f"{a}/api/v1/proposals/{pid}/{path}", json=body, headers=auth(c, who)
        )
        assert done.status_code in (200, 201), done.text
    return pid


async def sql(c: Cluster, statement: str, **params: Any) -> list[Any]:
    engine = make_engine(load_settings(c.env).database_url)
    try:
        async with engine.begin() as conn:
            found = await conn.execute(text(statement), params)
            return list(found.all()) if found.returns_rows else []
    finally:
        await engine.dispose()


async def make_due(c: Cluster, pid: int) -> None:
    past = utcnow() - dt.timedelta(seconds=1)
    await sql(c, "UPDATE votes SET closes_at = :t WHERE proposal_id = :p", t=past, p=pid)


async def put_vote(
    client: httpx.AsyncClient, c: Cluster, via: Instance, who: str, pid: int, choice: str, **kw: Any
) -> httpx.Response:
    return await client.put(
        f"{via.url}/api/v1/proposals/{pid}/vote",
        json={"choice": choice, **kw},
        headers=auth(c, who),
    )


async def test_v1_fifty_parallel_requests_from_one_voter_leave_one_row(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    voters: list[str],
) -> None:
    pid = await open_vote(http, cluster)
    who = voters[0]
    answers = await asyncio.gather(
        *(
            put_vote(http, cluster, (cluster.a, cluster.b)[i % 2], who, pid, ("yes", "no")[i % 2])
            for i in range(50)
        )
    )
    assert [r.status_code for r in answers] == [200] * 50, [r.text for r in answers if r.is_error]
    rows = await sql(
        cluster,
        "SELECT b.choice FROM vote_ballots b JOIN votes v ON v.id = b.vote_id "
        "WHERE v.proposal_id = :p",
        p=pid,
    )
    assert len(rows) == 1
    tally = (
        await http.get(f"{cluster.b.url}/api/v1/proposals/{pid}/tally", headers=auth(cluster, who))
    ).json()
    assert tally["voted"] == 1 and tally["yes"] + tally["no"] == 1
    assert tally[rows[0][0]] == 1


async def test_v2_votes_and_changes_from_fifty_voters_count_each_last_choice(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    voters: list[str],
) -> None:
    pid = await open_vote(http, cluster)
    rng = random.Random(10)
    plans = {v: [rng.choice(("yes", "no", "abstain")) for _ in range(4)] for v in voters}

    async def one_voter(i: int, who: str) -> None:
        for step, choice in enumerate(plans[who]):  # one voter's requests follow each other
            via = (cluster.a, cluster.b)[(i + step) % 2]
            answer = await put_vote(http, cluster, via, who, pid, choice)
            assert answer.status_code == 200, answer.text

    await asyncio.gather(*(one_voter(i, v) for i, v in enumerate(voters)))  # 200 requests
    last = Counter(plan[-1] for plan in plans.values())
    tally = (
        await http.get(
            f"{cluster.a.url}/api/v1/proposals/{pid}/tally", headers=auth(cluster, AUTHOR)
        )
    ).json()
    assert (tally["yes"], tally["no"], tally["abstain"]) == (
        last["yes"],
        last["no"],
        last["abstain"],
    )
    assert tally["voted"] == VOTERS
    listed = (
        await http.get(
            f"{cluster.b.url}/api/v1/proposals/{pid}/votes",
            params={"limit": "200"},
            headers=auth(cluster, AUTHOR),
        )
    ).json()["items"]
    by_id = {v: cluster.user_ids[v] for v in voters}
    assert {b["voter"]["id"]: b["choice"] for b in listed} == {
        by_id[v]: plan[-1] for v, plan in plans.items()
    }


async def test_v4_votes_racing_a_close_every_accepted_ballot_counts(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    voters: list[str],
) -> None:
    pid = await open_vote(http, cluster)
    choices = {v: ("yes", "no", "abstain")[i % 3] for i, v in enumerate(voters)}
    close_at = len(voters) // 2

    async def cast(i: int, who: str) -> tuple[str, httpx.Response]:
        return who, await put_vote(
            http, cluster, (cluster.a, cluster.b)[i % 2], who, pid, choices[who]
        )

    async def close() -> httpx.Response:
        return await http.post(
            f"{cluster.b.url}/api/v1/proposals/{pid}/voting/close",
            headers=auth(cluster, COORDINATOR),
        )

    tasks: list[Any] = [cast(i, v) for i, v in enumerate(voters)]
    tasks.insert(close_at, close())
    results = await asyncio.gather(*tasks)
    closed = results.pop(close_at)
    assert closed.status_code == 200, closed.text
    accepted = [who for who, r in results if r.status_code == 200]
    late = [r for _who, r in results if r.status_code != 200]
    print(f"V4: {len(accepted)} accepted, {len(late)} refused as late")  # shown with -s
    assert all(r.status_code == 409 for r in late), [r.text for r in late]
    assert all(r.json()["error"]["code"] == "conflict" for r in late)
    frozen = Counter(choices[v] for v in accepted)
    final = closed.json()["vote"]
    assert (final["yes"], final["no"], final["abstain"]) == (
        frozen["yes"],
        frozen["no"],
        frozen["abstain"],
    )
    assert final["voted"] == len(accepted) and final["status"] == "closed"
    # Later attempts change nothing.
    again = await asyncio.gather(*(cast(i, v) for i, v in enumerate(voters[:10])))
    assert all(r.status_code == 409 for _w, r in again)
    for via in (cluster.a, cluster.b):
        tally = (
            await http.get(f"{via.url}/api/v1/proposals/{pid}/tally", headers=auth(cluster, AUTHOR))
        ).json()
        assert {k: tally[k] for k in ("yes", "no", "abstain", "result", "closed_at")} == {
            k: final[k] for k in ("yes", "no", "abstain", "result", "closed_at")
        }


def _closing_events(frames: list[dict[str, Any]]) -> tuple[Any, Any]:
    status = [
        f
        for f in frames
        if f["event"] == "proposal.status" and f["data"]["status"] in ("passed", "failed")
    ]
    tallies = [f for f in frames if f["event"] == "vote.tally" and f["data"]["status"] == "closed"]
    return (status, tallies) if status and tallies else None  # type: ignore[return-value]


@pytest.mark.parametrize("how", ["read", "cron"])
async def test_a_due_vote_closes_on_read_or_by_the_cron_and_another_instance_hears_it(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    voters: list[str],
    how: str,
) -> None:
    pid = await open_vote(http, cluster)
    assert (await put_vote(http, cluster, cluster.a, voters[1], pid, "yes")).status_code == 200
    channel = f"proposal:{pid}"
    reader = await connect(cluster.b, cluster, AUTHOR)
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        await make_due(cluster, pid)
        if how == "read":
            tally = await http.get(
                f"{cluster.a.url}/api/v1/proposals/{pid}/tally", headers=auth(cluster, voters[2])
            )
            assert tally.json()["status"] == "closed" and tally.json()["result"] == "passed"
        # the cron runs every ten seconds: wait for its events, bounded
        status, tallies = await reader.wait(
            lambda: _closing_events(reader.events(channel)), timeout=45, what="the close's events"
        )
        assert len(status) == 1 and status[0]["data"]["transition"]["from"] == "voting"
        assert tallies[0]["data"]["yes"] == 1 and tallies[0]["data"]["result"] == "passed"
    finally:
        await reader.close()
    intents = await sql(
        cluster, "SELECT key FROM job_intents WHERE key = :k", k=f"compile:proposal:{pid}"
    )
    assert len(intents) == 1


def _no_secret(value: Any, reasons: list[str], where: str) -> None:
    """No choice attached to anything, no secret reason, anywhere in `value` (JSON-like)."""
    blob = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    for reason in reasons:
        assert reason not in blob, f"{where}: a secret reason"
    assert '"choice"' not in blob, f"{where}: a choice"


async def test_v5_secret_choices_appear_in_no_output(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    voters: list[str],
) -> None:
    pid = await open_vote(http, cluster, ballot="secret")
    secret = {voters[3]: "yes", voters[4]: "no", voters[5]: "abstain"}
    reasons = {v: f"TAJNI-RAZLOG-{v}-{c}" for v, c in secret.items()}
    reader = await connect(cluster.b, cluster, AUTHOR)
    outputs: list[tuple[str, Any]] = []
    try:
        assert (await reader.subscribe(f"proposal:{pid}"))["type"] == "subscribed"
        for i, (who, choice) in enumerate(secret.items()):
            via = (cluster.a, cluster.b)[i % 2]
            cast = await put_vote(http, cluster, via, who, pid, choice, reason=reasons[who])
            assert cast.status_code == 200  # the voter's own ballot, to the voter alone
            assert cast.json()["choice"] == choice
        readers = [AUTHOR, COORDINATOR, "admin", voters[6], *secret]
        paths = ["", "/tally", "/voters", "/votes", "/history"]

        async def read_all(stage: str) -> None:
            for who in readers:
                for path in paths:
                    got = await http.get(
                        f"{cluster.a.url}/api/v1/proposals/{pid}{path}", headers=auth(cluster, who)
                    )
                    outputs.append((f"{stage} {who} GET {path}", got.text))
                    if path == "/votes":
                        assert got.status_code == 403
                if who not in secret:
                    got = await http.get(
                        f"{cluster.a.url}/api/v1/proposals/{pid}/vote", headers=auth(cluster, who)
                    )
                    outputs.append((f"{stage} {who} GET /vote", got.text))
                    assert got.json() is None

        await read_all("open")
        open_tally = (
            await http.get(
                f"{cluster.a.url}/api/v1/proposals/{pid}/tally", headers=auth(cluster, AUTHOR)
            )
        ).json()
        assert (
            open_tally["yes"],
            open_tally["no"],
            open_tally["abstain"],
            open_tally["passing"],
        ) == (None,) * 4
        assert open_tally["voted"] == 3
        # Tallies are coalesced per process (hub.actions.vote_live): the last ballot's may still
        # be waiting out its window. Close once it is out, or the close would take its place.
        await reader.wait(
            lambda: (
                [
                    f
                    for f in reader.events(f"proposal:{pid}")
                    if f["event"] == "vote.tally" and f["data"].get("voted") == 3
                ]
                or None
            ),
            what="the tally of all three ballots",
        )
        closed = await http.post(
            f"{cluster.b.url}/api/v1/proposals/{pid}/voting/close",
            headers=auth(cluster, COORDINATOR),
        )
        assert closed.status_code == 200
        assert tuple(closed.json()["vote"][k] for k in ("yes", "no", "abstain")) == (1, 1, 1)
        await read_all("closed")
        await reader.wait(
            lambda: (
                [f for f in reader.events(f"proposal:{pid}") if f["data"].get("status") == "closed"]
                or None
            ),
            what="the close",
        )
        frames = reader.events(f"proposal:{pid}")
    finally:
        await reader.close()
    for where, value in outputs:
        _no_secret(value, list(reasons.values()), where)
    tallies_while_open = [
        f["data"] for f in frames if f["event"] == "vote.tally" and f["data"]["status"] == "open"
    ]
    assert len(tallies_while_open) >= 3
    assert all(
        t["yes"] is None and t["no"] is None and t["abstain"] is None for t in tallies_while_open
    )
    _no_secret(frames, list(reasons.values()), "socket frames")
    redis = Redis.from_url(cluster.redis_url, decode_responses=True)
    try:
        for channel in (f"proposal:{pid}", f"network:{NETWORK}"):
            entries = await redis.xrange(stream_key(channel), "-", "+")
            _no_secret(
                [fields for _id, fields in entries], list(reasons.values()), f"stream {channel}"
            )
    finally:
        await redis.aclose()
    outbox = await sql(cluster, "SELECT data FROM event_outbox")
    _no_secret([str(row[0]) for row in outbox], list(reasons.values()), "outbox")
    audit = await sql(cluster, "SELECT action, data FROM audit_log")
    _no_secret([str(row[1]) for row in audit], list(reasons.values()), "audit")
    assert not [row for row in audit if "choice" in str(row[1])]
    for instance in (cluster.a, cluster.b):
        log = instance.log.read_text(errors="replace")
        _no_secret(log, list(reasons.values()), f"log of {instance.name}")
    # The ballots are stored (the tally needs them); only the voters themselves can read theirs.
    mine = await http.get(
        f"{cluster.a.url}/api/v1/proposals/{pid}/vote", headers=auth(cluster, voters[3])
    )
    assert mine.json()["choice"] == "yes"
