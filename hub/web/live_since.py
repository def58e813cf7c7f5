"""The id a page embeds so its live updates resume where the page's state was read."""

from __future__ import annotations

from starlette.requests import Request


async def live_since(request: Request, channel: str) -> str | None:
    """The channel's newest event id, read BEFORE the page loads its state (R9): the client
    resumes after it, so whatever commits meanwhile arrives live (and duplicates are dropped)."""
    service = getattr(request.app.state, "realtime", None)
    if service is None:
        return None
    try:
        last: str | None = await service.bus.last_id(channel)
    except Exception:  # Redis away: the page still renders; the client subscribes without since
        return None
    return last
