"""Proposals through two real app instances: two reviewers at once (one through each instance)
and the `proposal.status` events reaching a socket on the other instance, exactly once each."""

from __future__ import annotations

import asyncio

import httpx

from tests.proposal_helpers import BODY
from tests.test_realtime import (  # noqa: F401 (fixtures)
    THREAD_NETWORK,
    Cluster,
    auth,
    cluster,
    cluster_once,
    connect,
    http,
)


async def test_two_reviewers_on_two_instances_one_wins_and_readers_hear_it_once(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
) -> None:
    a, b = cluster.a.url, cluster.b.url
    if "vesna.radovic" not in cluster.tokens:
        cluster.sign_in("vesna.radovic")  # the network's coordinator
    created = await http.post(
        f"{a}/api/v1/networks/{THREAD_NETWORK}/proposals",
        json=BODY,
        headers=auth(cluster, "milica.ilic"),
    )
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    channel = f"proposal:{pid}"
    # A draft's channel is its authors' alone.
    outsider = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        refused = await outsider.subscribe(channel)
        assert refused["type"] == "error" and refused["code"] == "not_found"
    finally:
        await outsider.close()
    submitted = await http.post(
        f"{a}/api/v1/proposals/{pid}/submit", headers=auth(cluster, "milica.ilic")
    )
    assert submitted.status_code == 200, submitted.text
    reader = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        body = {"action": "approve"}
        answers = await asyncio.gather(
            http.post(
                f"{a}/api/v1/proposals/{pid}/review",
                json=body,
                headers=auth(cluster, "vesna.radovic"),
            ),
            http.post(
                f"{b}/api/v1/proposals/{pid}/review", json=body, headers=auth(cluster, "admin")
            ),
        )
        assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
        loser = next(r for r in answers if r.status_code == 409)
        assert loser.json()["error"]["code"] == "conflict"
        # A later move marks the end: before it, exactly one approval was announced.
        withdrawn = await http.post(
            f"{a}/api/v1/proposals/{pid}/withdraw",
            json={"note": "Kraj."},
            headers=auth(cluster, "milica.ilic"),
        )
        assert withdrawn.status_code == 200, withdrawn.text
        await reader.wait(
            lambda: (
                [f for f in reader.events(channel) if f["data"]["status"] == "withdrawn"] or None
            ),
            what="the withdrawal",
        )
        moves = [
            (f["data"]["transition"]["from"], f["data"]["transition"]["to"])
            for f in reader.events(channel)
            if f["event"] == "proposal.status"
        ]
        assert moves == [("submitted", "approved"), ("approved", "withdrawn")]
        # Each carries the page's state and timeline, rendered server-side (hub.web.live).
        last = [f for f in reader.events(channel) if f["event"] == "proposal.status"][-1]
        partial = last["data"]["partial"]
        assert "data-live-proposal-state" in partial and "status-withdrawn" in partial
        assert partial.count("<li>") == 4 and "Kraj." in partial  # written ... withdrawn
    finally:
        await reader.close()
