"""The relay job: events whose publication after commit did not happen reach the bus
(hub.actions.outbox_relay), from any process's outbox rows."""

from __future__ import annotations

from typing import Any

from hub.actions.outbox_relay import relay_outbox
from hub.plumbing.runtime import Runtime, bus_publisher

RELAY_EVERY = 2  # seconds between runs: an event from the CLI reaches sockets within ~5 s


async def relay_events(ctx: dict[str, Any]) -> int:
    runtime: Runtime = ctx["runtime"]
    # The bus itself, whatever publisher the runtime has: this is where the outbox ends.
    return await relay_outbox(runtime, bus_publisher(runtime))
