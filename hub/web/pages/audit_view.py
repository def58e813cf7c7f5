"""The audit log in words: a sentence per action, objects named and linked, data labelled.

The log stores keys (`auth.signin`, `posts` #8, `thread_id`); administrators read what they mean,
in their language, with a link to what each names: a post to its place in its thread, a person
to their administration page, a network to its board.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.actions.errors import N_
from hub.i18n import gettext
from hub.i18n.script import for_script
from hub.models import AuditEntry
from hub.reads.audit_log import AuditRow

ACTIONS = {
    "auth.signin": N_("Signed in"),
    "auth.signin_failed": N_("A sign-in failed"),
    "auth.signout": N_("Signed out"),
    "auth.token_issued": N_("Got an API token"),
    "auth.reset_requested": N_("Asked for a new password by e-mail"),
    "auth.reset_requested_unknown": N_("A new password was asked for an unknown address"),
    "auth.password_reset": N_("Set a new password from the e-mail"),
    "auth.token_revoked": N_("Revoked an API token"),
    "user.created": N_("Created an account"),
    "user.updated": N_("Changed an account"),
    "user.profile_updated": N_("Changed their profile"),
    "user.password_changed": N_("Changed their password"),
    "invitation.created": N_("Sent an invitation"),
    "invitation.accepted": N_("Accepted an invitation"),
    "invitation.revoked": N_("Revoked an invitation"),
    "network.updated": N_("Changed a network"),
    "network.member_set": N_("Added a network member or changed their role"),
    "network.member_removed": N_("Removed a network member"),
    "committee.updated": N_("Changed a committee"),
    "committee.member_set": N_("Added a committee member or changed their role"),
    "committee.member_removed": N_("Removed a committee member"),
    "municipality.updated": N_("Changed a local government"),
    "thread.created": N_("Started a thread"),
    "thread.pinned": N_("Pinned a thread"),
    "thread.unpinned": N_("Unpinned a thread"),
    "thread.locked": N_("Locked a thread"),
    "thread.unlocked": N_("Unlocked a thread"),
    "thread.moved": N_("Moved a thread"),
    "post.flagged": N_("Flagged a post"),
    "post.auto_hidden": N_("A post was hidden after members flagged it"),
    "post.hidden": N_("Hid a post"),
    "post.unhidden": N_("Showed a hidden post again"),
    "post.edited_by_moderator": N_("Edited someone else's post"),
    "post.deleted": N_("Deleted a post"),
    "attachments.stale_removed": N_("Removed uploads left unattached for a day"),
    "proposal.created": N_("Drafted a proposal"),
    "proposal.edited": N_("Edited a proposal"),
    "proposal.coauthor_invited": N_("Invited a co-author to a proposal"),
    "proposal.coauthor_accepted": N_("Became a proposal's co-author"),
    "proposal.merged_in": N_("A duplicate proposal was merged into this one"),
    "proposal.submit": N_("Submitted a proposal for review"),
    "proposal.withdraw": N_("Withdrew a proposal"),
    "proposal.approve": N_("Approved a proposal"),
    "proposal.request_changes": N_("Asked for changes to a proposal"),
    "proposal.reject": N_("Rejected a proposal"),
    "proposal.merge": N_("Merged a duplicate proposal into another"),
    "proposal.open_vote": N_("Opened the vote on a proposal"),
    "proposal.pass": N_("A proposal passed its vote"),
    "proposal.fail": N_("A proposal failed its vote"),
    "initiative.create": N_("Made an initiative from passed proposals"),
    "initiative.retry": N_("Started a failed initiative's compilation again"),
    "initiative.review_started": N_("Started the committee's review of an initiative"),
    "initiative.commented": N_("Commented on an initiative"),
    "initiative.decided": N_("Recorded the committee's decision on an initiative"),
    "initiative.followed_up": N_("Recorded what became of an adopted initiative"),
    "initiative.recompiled": N_("Had a returned initiative compiled again"),
    "proposal.revised": N_("Revised a proposal of a returned initiative"),
    "post.key": N_("Marked a post as key to the discussion"),
    "post.unkey": N_("Took back a post's key mark"),
    "vote.opened": N_("Opened a vote with its rules and electorate"),
    "vote.cast": N_("Cast or changed a ballot"),
    "vote.closed": N_("Closed a vote and froze its result"),
    "notifications.preferences": N_("Changed their notification settings"),
    "notifications.unsubscribed": N_("Unsubscribed from all notification mail by its link"),
    "seed.loaded": N_("Loaded the association's data"),
    "seed.demo_loaded": N_("Loaded the demo data"),
}

# The filter offers the actions by what they concern.
GROUPS = [
    ("auth.", N_("Signing in and passwords")),
    ("user.", N_("Accounts")),
    ("invitation.", N_("Invitations")),
    ("network.", N_("Networks")),
    ("committee.", N_("Committees")),
    ("municipality.", N_("Local governments")),
    ("thread.", N_("Threads")),
    ("post.", N_("Posts")),
    ("attachments.", N_("Attachments")),
    ("proposal.", N_("Proposals")),
    ("initiative.", N_("Initiatives")),
    ("vote.", N_("Votes")),
    ("notifications.", N_("Notifications")),
    ("seed.", N_("Loading data")),
]

OBJECT_TYPES = {
    "users": N_("account"),
    "threads": N_("thread"),
    "posts": N_("post"),
    "networks": N_("network"),
    "committees": N_("committee"),
    "municipalities": N_("local government"),
    "invitations": N_("invitation"),
    "api_tokens": N_("API token"),
    "initiatives": N_("initiative"),
    "votes": N_("vote"),
}

LABELS = {
    "user_id": N_("Person"),
    "thread_id": N_("Thread"),
    "network": N_("Network"),
    "source": N_("From"),
    "target": N_("To"),
    "role": N_("Role"),
    "email": N_("E-mail address"),
    "is_admin": N_("Administrator"),
    "is_active": N_("Active"),
    "name": N_("Name"),
    "municipality": N_("Local government"),
    "reason": N_("Reason"),
    "flags": N_("Open flags"),
    "by_author": N_("By the author"),
    "visibility": N_("Visibility"),
    "vis": N_("Visibility"),
    "before": N_("Before"),
    "is_member": N_("Member of the association"),
    "confirmed": N_("Checked"),
    "committee_id": N_("Committee"),
    "committees": N_("Committees"),
    "networks": N_("Networks"),
    "municipalities": N_("Local governments"),
    "users": N_("Accounts"),
    "memberships": N_("Memberships"),
    "threads": N_("Threads"),
    "count": N_("How many"),
    "note": N_("Note"),
    "fields": N_("Fields"),
    "merged": N_("Merged proposal"),
    "coauthors": N_("Co-authors"),
    "authors": N_("Authors"),
    "to": N_("New state"),
    "version": N_("Version"),
    "initiative_id": N_("Initiative"),
    "proposal_ids": N_("Proposals"),
    "revision": N_("Revision"),
    "committee": N_("Committee"),
    "initiative": N_("Initiative"),
    "decision": N_("Decision"),
    "kind": N_("What happened"),
    "date": N_("Date"),
    "comment": N_("Comment"),
    "proposal": N_("Proposal"),
    "closes_at": N_("Closes at"),
    "quorum": N_("Quorum (%)"),
    "threshold": N_("Threshold (%)"),
    "counting": N_("Counting"),
    "ballot": N_("Ballot"),
    "electors": N_("Electors"),
    "eligible": N_("Votes that count"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "abstain": N_("Abstain"),
    "turnout": N_("Turnout"),
    "result": N_("Result"),
    "automatic": N_("Closed automatically"),
}

_WORDS = {
    "member": N_("member"),
    "coordinator": N_("coordinator"),
    "chair": N_("chair"),
    "public": N_("public"),
    "association": N_("whole association"),
    "members": N_("members only"),
}
_WORD_KEYS = {"role", "visibility", "vis"}


@dataclass(frozen=True)
class Named:
    """A value in words, with a link when it names something that has a page."""

    text: str
    href: str = ""
    kind: str = ""  # the object type in words, for the Object column


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    actor: str | None
    what: str
    object: Named | None
    details: list[tuple[str, Named]]


def action_text(action: str, language: str) -> str:
    message = ACTIONS.get(action)
    return gettext(language, message) if message else action


def present(rows: list[AuditRow], language: str) -> list[AuditLine]:
    return [_line(row, language) for row in rows]


def filter_choices(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group name, [(value, label)]) for the filter: each group whole, then its actions."""
    choices = []
    for prefix, group in GROUPS:
        name = gettext(language, group)
        options = [(prefix, gettext(language, "All: %(group)s", group=name))]
        options += [
            (key, gettext(language, message))
            for key, message in ACTIONS.items()
            if key.startswith(prefix)
        ]
        choices.append((name, options))
    return choices


def _line(row: AuditRow, language: str) -> AuditLine:
    entry = row.entry
    data = entry.data if isinstance(entry.data, dict) else {}
    details = [
        (gettext(language, LABELS[key]) if key in LABELS else key.replace("_", " "), named)
        for key, value in data.items()
        if (named := _value(key, value, row, language)).text
    ]
    return AuditLine(
        entry=entry,
        actor=row.actor,
        what=action_text(entry.action, language),
        object=_object(row, data, language),
        details=details,
    )


def _object(row: AuditRow, data: dict[str, Any], language: str) -> Named | None:
    entry = row.entry
    kind_key, key = entry.object_type, entry.object_id
    if not kind_key:
        return None
    kind = gettext(language, OBJECT_TYPES[kind_key]) if kind_key in OBJECT_TYPES else kind_key
    name = for_script(row.object_name, language)
    if kind_key == "users" and name:
        return Named(name, f"/admin/users/{key}", kind)
    if kind_key in ("networks", "committees") and row.object_slug:
        return Named(name, f"/admin/{kind_key}/{row.object_slug}", kind)
    if kind_key == "invitations" and name:
        return Named(name, "/admin/invitations", kind)
    if kind_key == "threads":
        return Named(name or f"#{key}", f"/threads/{key}", kind)
    if kind_key == "posts":
        thread_id = data.get("thread_id")
        title = row.names.get(("threads", str(thread_id)), ("", ""))[0]
        text = (
            gettext(language, "#%(id)s in “%(thread)s”", id=key, thread=for_script(title, language))
            if title
            else f"#{key}"
        )
        href = (
            f"/threads/{thread_id}?around={key}#post-{key}"
            if isinstance(thread_id, int)
            else f"/posts/{key}"
        )
        return Named(text, href, kind)
    return Named(name or f"#{key}", "", kind)


def _value(key: str, value: Any, row: AuditRow, language: str) -> Named:
    names = row.names
    if value is None or value == "":
        return Named("")
    if isinstance(value, bool):
        return Named(gettext(language, "yes") if value else gettext(language, "no"))
    if key == "user_id" and isinstance(value, int):
        name = names.get(("users", str(value)), ("", ""))[0]
        return Named(for_script(name, language) or f"#{value}", f"/admin/users/{value}")
    if key == "thread_id" and isinstance(value, int):
        title = names.get(("threads", str(value)), ("", ""))[0]
        return Named(for_script(title, language) or f"#{value}", f"/threads/{value}")
    if key == "committee_id" and isinstance(value, int):
        name = names.get(("committees", str(value)), ("", ""))[0]
        return Named(for_script(name, language) or f"#{value}")
    if key in ("network", "source", "target") and isinstance(value, str):
        name = names.get(("networks", value), ("", ""))[0]
        return Named(for_script(name, language) or value, f"/networks/{value}")
    if key == "municipality" and isinstance(value, str):
        name = names.get(("municipalities", value), ("", ""))[0]
        return Named(for_script(name, language) or value)
    if key in _WORD_KEYS and isinstance(value, str) and value in _WORDS:
        return Named(gettext(language, _WORDS[value]))
    if isinstance(value, dict):
        parts = []
        for inner_key, inner in value.items():
            shown = _value(inner_key, inner, row, language).text
            label = gettext(language, LABELS[inner_key]) if inner_key in LABELS else inner_key
            parts.append(f"{label}: {shown or '—'}")
        return Named("; ".join(parts))
    if isinstance(value, str):
        text = for_script(value, language) if key in ("name", "reason", "before") else value
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return Named(text if len(text) <= 120 else text[:119] + "…")
