"""Channel names, made and read in one place: `<kind>:<key>`, e.g. `thread:42`, `network:berlin`.

Actions name the channel an event goes to, pages name the channel they subscribe to (and the
notification target that reading them marks read), realtime parses what a client asks for: all
through this module, so the names made and the names accepted cannot drift apart. It imports
nothing of ours and may be used from every layer.
"""

from __future__ import annotations

import re

NETWORK = "network"
THREAD = "thread"
PROPOSAL = "proposal"
INITIATIVE = "initiative"
COMMITTEE = "committee"
USER = "user"
KINDS = (NETWORK, THREAD, PROPOSAL, INITIATIVE, COMMITTEE, USER)

_CHANNEL = re.compile(rf"^({'|'.join(KINDS)}):([a-z0-9-]{{1,80}})$")


def network(slug: str) -> str:
    return f"{NETWORK}:{slug}"


def thread(thread_id: int | str | None) -> str:
    return f"{THREAD}:{thread_id}"


def proposal(proposal_id: int | str | None) -> str:
    return f"{PROPOSAL}:{proposal_id}"


def initiative(initiative_id: int | str | None) -> str:
    return f"{INITIATIVE}:{initiative_id}"


def committee(slug: str) -> str:
    return f"{COMMITTEE}:{slug}"


def user(user_id: int | str | None) -> str:
    return f"{USER}:{user_id}"


def parse(channel: object) -> tuple[str, str] | None:
    """(kind, key) of a well-formed channel name; None for anything else."""
    if not isinstance(channel, str) or not (match := _CHANNEL.match(channel)):
        return None
    return match.group(1), match.group(2)


def kind(channel: str) -> str:
    """The kind of a channel name (the part before the colon), "" if it has none."""
    found, colon, _key = channel.partition(":")
    return found if colon else ""


def key(channel: str) -> str:
    """The key of a channel name (the part after the colon): a slug or an id."""
    return channel.partition(":")[2]
