"""The `vote.tally` event through two real app instances carries the tally section rendered by
the web layer (hub.web.live): a socket on the other instance gets the chart and figures ready to
insert, a secret ballot's partial shows the turnout alone while open (V5) and the frozen result
after the close."""

from __future__ import annotations

import httpx

from tests.test_realtime import (  # noqa: F401 (fixtures)
    Cluster,
    auth,
    cluster,
    cluster_once,
    connect,
    http,
)
from tests.test_vote_live import AUTHOR, COORDINATOR, open_vote

READER = "marko.nikolic"  # not a member of the network: a reader of its proposals


async def test_the_tally_partial_arrives_on_the_other_instance(
    cluster: Cluster,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
) -> None:
    for local in (COORDINATOR, AUTHOR):
        if local not in cluster.tokens:
            cluster.sign_in(local)
    pid = await open_vote(http, cluster, ballot="secret", quorum=10)
    channel = f"proposal:{pid}"
    reader = await connect(cluster.b, cluster, READER)
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        cast = await http.put(
            f"{cluster.a.url}/api/v1/proposals/{pid}/vote",
            json={"choice": "yes", "reason": "tajno obrazloženje"},
            headers=auth(cluster, AUTHOR),
        )
        assert cast.status_code == 200, cast.text

        def tallies() -> list[dict[str, object]]:
            return [f["data"] for f in reader.events(channel) if f["event"] == "vote.tally"]

        await reader.wait(lambda: tallies() or None, what="the tally after the ballot")
        partial = str(tallies()[-1]["partial"])
        assert "data-live-vote-tally" in partial and 'data-status="open"' in partial
        assert 'data-key="turnout" data-value="1"' in partial
        assert 'data-key="yes"' not in partial and "tajno obrazloženje" not in partial
        closed = await http.post(
            f"{cluster.a.url}/api/v1/proposals/{pid}/voting/close",
            headers=auth(cluster, COORDINATOR),
        )
        assert closed.status_code == 200, closed.text
        await reader.wait(
            lambda: [t for t in tallies() if t["status"] == "closed"] or None, what="the close"
        )
        partial = str(tallies()[-1]["partial"])
        assert 'data-status="closed"' in partial and 'data-key="yes" data-value="1"' in partial
        assert "tajno obrazloženje" not in partial
    finally:
        await reader.close()
