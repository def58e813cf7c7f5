"""Who may subscribe to what: the same checks as the pages (hub.actions), run once per subscribe."""

from __future__ import annotations

from dataclasses import dataclass

from hub import channels
from hub.actions.context import act
from hub.actions.errors import ActionError
from hub.models import Network
from hub.permissions import Action, Principal, can
from hub.plumbing.runtime import Runtime
from hub.reads.bodies import access_committee, access_network
from hub.reads.initiatives import access_initiative
from hub.reads.proposals import access_proposal
from hub.reads.threads import access_thread


@dataclass(frozen=True)
class Grant:
    channel: str
    network_slug: str | None  # the network whose membership governs this channel, if any
    may_post: bool
    may_moderate: bool


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse(channel: object) -> tuple[str, str]:
    parsed = channels.parse(channel)  # the names hub.channels makes, and nothing else
    if parsed is None:
        raise Refused("bad_request", "unknown channel name")
    return parsed


async def authorize(runtime: Runtime, user_id: int | None, channel: str) -> tuple[Grant, Principal]:
    """A Grant if the user may read the channel's page now; Refused otherwise."""
    kind, key = parse(channel)
    try:
        async with act(runtime, actor_id=user_id) as ctx:
            if kind == channels.NETWORK:
                network = await access_network(ctx, key)
                return _grant(ctx.principal, channel, network), ctx.principal
            if kind == channels.THREAD and key.isdigit():
                _thread, network = await access_thread(ctx, int(key))
                return _grant(ctx.principal, channel, network), ctx.principal
            if kind == channels.PROPOSAL and key.isdigit():
                access = await access_proposal(ctx, int(key))
                return _grant(ctx.principal, channel, access.network), ctx.principal
            if kind == channels.INITIATIVE and key.isdigit():
                # Its committee's members and its proposals' networks' members (as the API).
                await access_initiative(ctx, int(key))
                return Grant(channel, None, False, False), ctx.principal
            if kind == channels.COMMITTEE:  # the committee's discussion: its members only
                await access_committee(ctx, key, Action.VIEW_COMMITTEE_INBOX)
                return Grant(channel, None, False, False), ctx.principal
            if kind == channels.USER and key.isdigit():
                if ctx.actor is None or ctx.actor.id != int(key):
                    raise Refused("forbidden", "this channel belongs to someone else")
                return Grant(channel, None, False, False), ctx.principal
    except ActionError as error:
        code = "forbidden" if error.status in (401, 403) else "not_found"
        raise Refused(
            code, error.message % error.params if error.params else error.message
        ) from None
    raise Refused("not_found", "no such channel")


def _grant(principal: Principal, channel: str, network: Network) -> Grant:
    return Grant(
        channel=channel,
        network_slug=network.slug,
        may_post=can(principal, Action.POST_IN_NETWORK, network),
        may_moderate=can(principal, Action.MODERATE_NETWORK, network),
    )
