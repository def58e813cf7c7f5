"""Events that actions publish after commit. The real-time bus (realtime/) subscribes a publisher.

Actions never publish directly: they add events to their Context, which hands them to the
publisher only once the transaction has committed, so nobody hears of a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Every event type the hub publishes, with what it means. tests/test_docs.py checks each is
# documented in docs/realtime.md once that page exists.
EVENT_TYPES: dict[str, str] = {
    "membership.changed": "a user's role in a network or committee was set or removed",
    "network.updated": "a network was renamed, moved to another committee or changed visibility",
    "committee.updated": "a committee was renamed or described anew",
    "thread.created": "a new thread on a network's board (or one moved into it)",
    "thread.updated": "a thread was pinned, unpinned, locked or unlocked",
    "thread.moved": "a thread was moved to another network",
    "post.created": "a new post in a thread",
    "post.edited": "a post's text changed (its history keeps the earlier version)",
    "post.deleted": "a post was deleted by its author or a coordinator; its place stays",
    "post.hidden": "a coordinator or members' flags hid a post, or a coordinator showed it again",
    "reaction.changed": "someone added or took back a reaction to a post",
    "proposal.status": "a proposal moved to another state (submitted, approved, merged, ...)",
    "proposal.updated": "a proposal's text or authors changed: edited, co-author invited or joined",
    "initiative.progress": "an initiative's compilation moved on (percent and step), on "
    "`initiative:<id>`",
    "initiative.status": "an initiative was made, delivered, failed, compiled again, superseded, "
    "taken up for review, adopted, returned or rejected, on `initiative:<id>` and its "
    "committee's channel (the committee's steps also on each proposal's)",
    "initiative.comment": "a committee member commented on an initiative (committee channel only)",
    "initiative.follow_up": "a follow-up was recorded on an adopted initiative",
    "notification": "something concerns the user (on `user:<id>` only): its kind, title, link "
    "and the unread count",
    "notification.read": "the user read notifications (on `user:<id>` only): the unread count",
    "session.revoked": "a user signed out, was deactivated, reset the password or lost an API "
    "token: the sockets those credentials opened are closed",
}


@dataclass(frozen=True)
class Event:
    channel: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    # Users who must hear of it even if they may no longer read the channel (e.g. a removed member).
    audience: tuple[int, ...] = ()
    # Unique per event; given when the event is written to the outbox, used to publish it once.
    uid: str = ""


Publisher = Callable[[Sequence[Event]], Awaitable[None]]


async def discard(events: Sequence[Event]) -> None:
    """The publisher where no Redis is at hand (the CLI): the events wait in the outbox, and the
    relay job of a running worker (workers/events.py) publishes them."""
    return None
